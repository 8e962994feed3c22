package io.github.eventsforward;

/**
 * The running forwarder, available as a bean while forwarding is on.
 */
public interface EventsForwarder {

	/**
	 * Return how many events were published, delivered, dropped, failed and are queued.
	 * @return a snapshot of the counts
	 */
	ForwardCounts counts();

}
