package io.github.eventsforward.internal;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.scheduler.Scheduler;

/**
 * Counts dropped events, tells the observer, and reports them in a WARN at most once per
 * interval, logged by the forwarder's thread: events refused by a full buffer or by a
 * stopped forwarder, and accepted events dropped later to make room.
 */
final class Drops {

	private static final Log logger = LogFactory.getLog(Drops.class);

	private static final Duration WARNING_INTERVAL = Duration.ofSeconds(10);

	private final ForwarderSettings settings;

	private final Accounting accounting;

	private final ForwarderObserver observer;

	private final ForwarderStatus status;

	private final ThrottledWarning overflow;

	private final ThrottledWarning stopped;

	private final ThrottledWarning outbox;

	private volatile String outboxFailure = "";

	Drops(ForwarderSettings settings, Accounting accounting, ForwarderObserver observer, ForwarderStatus status) {
		this.settings = settings;
		this.accounting = accounting;
		this.observer = observer;
		this.status = status;
		this.overflow = new ThrottledWarning(logger, WARNING_INTERVAL, this::overflowMessage);
		this.stopped = new ThrottledWarning(logger, WARNING_INTERVAL,
				(count) -> "Dropped " + count + " events published while the forwarder was stopped");
		this.outbox = new ThrottledWarning(logger, WARNING_INTERVAL, (count) -> "Dropped " + count
				+ " events published outside a transaction: the outbox could not be written (" + this.outboxFailure
				+ "). Events published in a transaction fail it instead, as its own statements would");
	}

	/**
	 * An event published outside a transaction could not be written to the outbox.
	 * @param ex why
	 */
	void refusedOutbox(RuntimeException ex) {
		this.outboxFailure = String.valueOf(ex.getMessage());
		this.accounting.refused();
		dropped(ForwarderObserver.DropReason.OUTBOX_UNAVAILABLE, 1, this.outbox);
	}

	/**
	 * An event was not accepted: the buffer was full.
	 */
	void refusedFull() {
		this.accounting.refused();
		dropped(ForwarderObserver.DropReason.BUFFER_FULL, 1, this.overflow);
	}

	/**
	 * An event was not accepted: the forwarder had stopped.
	 */
	void refusedStopped() {
		this.accounting.refused();
		dropped(ForwarderObserver.DropReason.STOPPED, 1, this.stopped);
	}

	/**
	 * Accepted events were dropped to make room for newer ones.
	 * @param events how many
	 */
	void evicted(long events) {
		this.accounting.evicted(events);
		dropped(ForwarderObserver.DropReason.BUFFER_FULL, events, this.overflow);
	}

	private void dropped(ForwarderObserver.DropReason reason, long events, ThrottledWarning warning) {
		this.observer.dropped(reason, events);
		warning.record(events);
	}

	/**
	 * Report on the forwarder's thread from now on.
	 * @param scheduler the forwarder's scheduler
	 */
	void start(Scheduler scheduler) {
		this.overflow.start(scheduler);
		this.stopped.start(scheduler);
		this.outbox.start(scheduler);
	}

	/**
	 * Stop reporting on the forwarder's thread, and report what is left on the caller's.
	 */
	void stop() {
		this.stopped.stop();
		this.overflow.stop();
		this.outbox.stop();
	}

	private String overflowMessage(long count) {
		String which = this.settings.buffer().dropOldest() ? "oldest" : "newest";
		String cause = switch (this.status.get().status()) {
			case PAUSED, RETRYING -> "Datasette is not accepting events (" + this.status.get().reason() + ")";
			default -> "events are published faster than " + this.settings.maxRate() + " requests of "
					+ this.settings.batchLimit() + " rows per " + this.settings.timePeriod() + " can carry";
		};
		return "Dropped the " + which + " " + count + " events: " + this.settings.buffer().capacity()
				+ " events were already waiting to be sent, and " + cause
				+ ". Raise datasette.events-forward.buffer-capacity to ride out longer bursts or outages, or"
				+ " batch-limit or max-rate to send more";
	}

}
