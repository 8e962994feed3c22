package io.github.eventsforward.actuate;

import java.time.Duration;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import io.github.eventsforward.internal.ForwarderSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code eventsforward} actuator endpoint: reading it shows the settings the forwarder
 * runs with (which hold no secret), the counts, the queue and the state with its last
 * error; writing to it flushes the forwarder.
 */
@Endpoint(id = "eventsforward")
public class EventsForwardEndpoint {

	private final EventsForwarder forwarder;

	private final @Nullable ForwarderSettings configuration;

	private final Duration defaultFlushTimeout;

	/**
	 * Create the endpoint.
	 * @param forwarder the forwarder
	 * @param configuration the settings it runs with, or {@code null} for a forwarder of the
	 * application's own
	 * @param defaultFlushTimeout how long a flush waits unless told otherwise
	 */
	public EventsForwardEndpoint(EventsForwarder forwarder, @Nullable ForwarderSettings configuration,
			Duration defaultFlushTimeout) {
		this.forwarder = forwarder;
		this.configuration = configuration;
		this.defaultFlushTimeout = defaultFlushTimeout;
	}

	/**
	 * Describe the forwarder.
	 * @return the description
	 */
	@ReadOperation
	public ForwarderDescriptor describe() {
		ForwardCounts counts = this.forwarder.counts();
		return new ForwarderDescriptor(this.configuration, counts, counts.queued(), this.forwarder.queuedBytes(),
				this.forwarder.oldestQueuedAge().toString(), this.forwarder.state());
	}

	/**
	 * Wait until everything published so far is delivered or given up on, for at most the
	 * shutdown timeout. Takes no parameter, so that a bare {@code POST} (no body, no
	 * {@code Content-Type}) reaches it.
	 * @return whether everything was flushed, and the counts afterwards
	 */
	@WriteOperation
	public FlushResult flush() {
		boolean flushed = this.forwarder.flush(this.defaultFlushTimeout);
		return new FlushResult(flushed, this.forwarder.counts());
	}

	/**
	 * What the endpoint shows.
	 *
	 * @param configuration the settings the forwarder runs with, or {@code null}
	 * @param counts what became of the events so far
	 * @param queueDepth events waiting to be sent
	 * @param queuedBytes what they take, in memory or in the spool
	 * @param oldestQueuedAge how long the oldest of them has waited
	 * @param state delivering, retrying or paused, with the reason and the last error
	 */
	public record ForwarderDescriptor(@Nullable ForwarderSettings configuration, ForwardCounts counts, long queueDepth,
			long queuedBytes, String oldestQueuedAge, ForwarderState state) {

	}

	/**
	 * The result of a flush.
	 *
	 * @param flushed whether everything published before the flush has an outcome
	 * @param counts the counts afterwards
	 */
	public record FlushResult(boolean flushed, ForwardCounts counts) {

	}

}
