package io.github.eventsforward.testsupport;

import java.time.Duration;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import org.awaitility.core.ConditionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Waits, of up to ten seconds, for what the forwarder does on its own thread, checking
 * every 10 ms.
 */
public final class ForwarderWaits {

	private ForwarderWaits() {
	}

	/**
	 * Return a wait of up to ten seconds that checks at once, then every 10 ms.
	 * @return the wait, to be given its condition
	 */
	public static ConditionFactory waiting() {
		return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
	}

	public static void awaitStatus(EventsForwarder forwarder, ForwarderState.Status status) {
		waiting().untilAsserted(() -> assertThat(forwarder.state().status()).isEqualTo(status));
	}

	public static void awaitDelivered(EventsForwarder forwarder, long delivered) {
		waiting().untilAsserted(() -> assertThat(forwarder.counts().delivered()).isEqualTo(delivered));
	}

	/**
	 * Wait until the events are delivered and the forwarder has taken note that nothing
	 * waits any more (the queue's age drops to zero just after the counts change).
	 * @param forwarder the forwarder
	 * @param delivered how many events it has delivered by then
	 */
	public static void awaitDeliveredAndQueueAgeZero(EventsForwarder forwarder, long delivered) {
		waiting().untilAsserted(() -> {
			assertThat(forwarder.counts().delivered()).isEqualTo(delivered);
			assertThat(forwarder.oldestQueuedAge()).isZero();
		});
	}

	public static void awaitCounts(EventsForwarder forwarder, long delivered, long failed) {
		waiting().untilAsserted(() -> {
			ForwardCounts counts = forwarder.counts();
			assertThat(counts.delivered()).as("delivered in %s", counts).isEqualTo(delivered);
			assertThat(counts.failed()).as("failed in %s", counts).isEqualTo(failed);
		});
	}

}
