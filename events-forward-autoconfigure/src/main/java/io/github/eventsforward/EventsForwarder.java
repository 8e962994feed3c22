package io.github.eventsforward;

import java.time.Duration;

/**
 * The forwarder, available as a bean. While forwarding is switched off by configuration, the
 * bean reports that: {@link #state()} is {@link ForwarderState.Status#OFF OFF} with the
 * reason, {@link #counts()} stays at zero and {@link #flush(Duration)} returns {@code true}
 * at once.
 */
public interface EventsForwarder {

	/**
	 * Return how many events were published, delivered, dropped, failed and are queued.
	 * @return a snapshot of the counts
	 */
	ForwardCounts counts();

	/**
	 * Return whether the forwarder is delivering, retrying or paused, and why.
	 * @return the state
	 */
	ForwarderState state();

	/**
	 * Return how long the oldest queued event has waited to be sent.
	 * @return the age, zero when nothing is queued
	 */
	Duration oldestQueuedAge();

	/**
	 * Return how many bytes the queued events take: the JSON of the rows made in memory
	 * (under a backlog, only the next batches are made into rows), or the spool's file.
	 * @return the bytes
	 */
	default long queuedBytes() {
		return 0;
	}

	/**
	 * Wait until every event published before this call has been delivered or has failed,
	 * for command-line applications and tests. Events still wait for their batch to fill
	 * (at most {@code flush-interval}) and for the rate limit, so allow for both.
	 * @param timeout how long to wait at most
	 * @return whether everything published before the call has an outcome; {@code false}
	 * if the timeout passed first
	 */
	boolean flush(Duration timeout);

}
