package io.github.eventsforward.actuate;

import java.time.Duration;
import java.util.Objects;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwarderState;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the events forwarder: {@code UP} while it delivers (or retries transient
 * failures), {@code DOWN} while sending is paused by the server (401, 403, 404), with the
 * reason, and {@code OUT_OF_SERVICE} when the oldest queued event has waited longer than a
 * threshold. Details hold the counts and the last error, never the token.
 */
public class EventsForwardHealthIndicator implements HealthIndicator {

	private final EventsForwarder forwarder;

	private final Duration maxQueueAge;

	/**
	 * Create an indicator.
	 * @param forwarder the forwarder
	 * @param maxQueueAge how long the oldest queued event may wait before the forwarder is
	 * out of service
	 */
	public EventsForwardHealthIndicator(EventsForwarder forwarder, Duration maxQueueAge) {
		this.forwarder = forwarder;
		this.maxQueueAge = maxQueueAge;
	}

	@Override
	public Health health() {
		ForwarderState state = this.forwarder.state();
		Duration age = this.forwarder.oldestQueuedAge();
		Health.Builder health;
		if (state.status() == ForwarderState.Status.PAUSED) {
			// A paused state always has its reason (see ForwarderState).
			health = Health.down().withDetail("reason", Objects.requireNonNull(state.reason()));
		}
		else if (state.status() == ForwarderState.Status.STOPPED) {
			health = Health.unknown().withDetail("reason", "stopped");
		}
		else if (age.compareTo(this.maxQueueAge) > 0) {
			health = Health.outOfService()
				.withDetail("reason", "the oldest queued event has waited " + age
						+ ", more than datasette.events-forward.health.max-queue-age (" + this.maxQueueAge + ")");
		}
		else {
			health = Health.up();
		}
		health.withDetail("state", state.status())
			.withDetail("since", state.since())
			.withDetail("counts", this.forwarder.counts())
			.withDetail("oldestQueuedAge", age.toString())
			.withDetail("queuedBytes", this.forwarder.queuedBytes());
		if (state.lastError() != null && state.lastErrorAt() != null) {
			health.withDetail("lastError", state.lastError()).withDetail("lastErrorAt", state.lastErrorAt());
		}
		return health.build();
	}

}
