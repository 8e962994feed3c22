package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.ForwarderState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Keeps the forwarder's {@link ForwarderState} and logs its changes once each: an ERROR when
 * sending pauses, a WARN when requests start failing, an INFO when delivery resumes. Failures
 * that repeat the current state are not logged again.
 */
final class ForwarderStatus {

	private static final Log logger = LogFactory.getLog(ForwarderStatus.class);

	private final Clock clock;

	private volatile ForwarderState state;

	ForwarderStatus(Clock clock) {
		this.clock = clock;
		this.state = new ForwarderState(Status.DELIVERING, null, clock.instant(), null, null);
	}

	ForwarderState get() {
		return this.state;
	}

	synchronized void delivered() {
		ForwarderState current = this.state;
		if (current.status() == Status.DELIVERING) {
			return;
		}
		Instant now = this.clock.instant();
		if (current.status() != Status.STOPPED) {
			logger.info("Datasette accepts events again, after " + Duration.between(current.since(), now)
					+ " of failed requests; delivery goes on with what was queued meanwhile");
		}
		this.state = new ForwarderState(Status.DELIVERING, null, now, current.lastError(), current.lastErrorAt());
	}

	synchronized void failed(Failure failure) {
		ForwarderState current = this.state;
		Instant now = this.clock.instant();
		Status status = (failure.kind() == Failure.Kind.PAUSE) ? Status.PAUSED : Status.RETRYING;
		if (current.status() == status && failure.reason().equals(current.reason())) {
			this.state = new ForwarderState(status, failure.reason(), current.since(), failure.reason(), now);
			return;
		}
		if (status == Status.PAUSED) {
			logger.error("Sending events to Datasette is paused: " + failure.reason()
					+ ". Events keep queueing, up to datasette.events-forward.buffer-capacity, and are sent once"
					+ " the server accepts them; retrying with backoff");
		}
		else if (current.status() != Status.RETRYING) {
			logger.warn("A request to Datasette failed (" + failure.reason()
					+ "); retrying with backoff, events keep queueing");
		}
		Instant since = (current.status() == Status.DELIVERING || current.status() == Status.STOPPED) ? now
				: current.since();
		this.state = new ForwarderState(status, failure.reason(), since, failure.reason(), now);
	}

	synchronized void stopped() {
		ForwarderState current = this.state;
		this.state = new ForwarderState(Status.STOPPED, null, this.clock.instant(), current.lastError(),
				current.lastErrorAt());
	}

	synchronized void started() {
		ForwarderState current = this.state;
		if (current.status() == Status.STOPPED) {
			this.state = new ForwarderState(Status.DELIVERING, null, this.clock.instant(), current.lastError(),
					current.lastErrorAt());
		}
	}

}
