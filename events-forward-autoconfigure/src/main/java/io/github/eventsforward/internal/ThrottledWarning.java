package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * A WARN with the number of occurrences since the last one, logged on a scheduler's thread
 * at most once per interval: at once for the first occurrence after a quiet interval, else
 * when the interval has passed, so that every occurrence is reported within one interval.
 * <p>
 * Safe to record from any thread: the caller pays for an atomic add and two reads, and for
 * a compare-and-set and scheduling the report when none is scheduled yet. What is recorded
 * while stopped is reported once started, or on {@link #stop()}.
 */
final class ThrottledWarning {

	private final Log log;

	private final long intervalNanos;

	private final LongFunction<String> message;

	private final AtomicLong unreported = new AtomicLong();

	// Whether a report is scheduled: occurrences schedule one only when none is.
	private final AtomicBoolean scheduled = new AtomicBoolean();

	private volatile @Nullable Reporter reporter;

	ThrottledWarning(Log log, Duration interval, LongFunction<String> message) {
		this.log = log;
		this.intervalNanos = interval.toNanos();
		this.message = message;
	}

	void record(long occurrences) {
		this.unreported.addAndGet(occurrences);
		scheduleReport();
	}

	/**
	 * Report on the scheduler's thread from now on, what was recorded before too.
	 * @param scheduler where reports are timed and logged
	 */
	void start(Scheduler scheduler) {
		this.reporter = new Reporter(scheduler);
		if (this.unreported.get() > 0) {
			scheduleReport();
		}
	}

	/**
	 * Stop reporting on the scheduler's thread, and log what is unreported on the caller's.
	 */
	void stop() {
		Reporter reporter = this.reporter;
		this.reporter = null;
		if (reporter != null) {
			reporter.worker.dispose();
		}
		this.scheduled.set(false);
		warn(this.unreported.getAndSet(0));
	}

	private void scheduleReport() {
		Reporter reporter = this.reporter;
		if (reporter != null && !this.scheduled.get() && this.scheduled.compareAndSet(false, true)) {
			reporter.schedule(0);
		}
	}

	private void warn(long count) {
		if (count > 0) {
			this.log.warn(this.message.apply(count));
		}
	}

	/**
	 * Reports on one scheduler, between a start and a stop.
	 */
	private final class Reporter implements Runnable {

		private final Scheduler scheduler;

		private final Scheduler.Worker worker;

		// Touched by the worker's tasks only, which run one at a time.
		private long nextReport;

		Reporter(Scheduler scheduler) {
			this.scheduler = scheduler;
			this.worker = scheduler.createWorker();
			this.nextReport = scheduler.now(TimeUnit.NANOSECONDS);
		}

		void schedule(long delayNanos) {
			try {
				this.worker.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				// Stopping: stop() logs what was recorded. Occurrences since a restart, if
				// any, scheduled no report while this one seemed scheduled.
				ThrottledWarning.this.scheduled.set(false);
				if (ThrottledWarning.this.reporter != this) {
					scheduleReport();
				}
			}
		}

		@Override
		public void run() {
			long now = this.scheduler.now(TimeUnit.NANOSECONDS);
			if (now - this.nextReport < 0) {
				schedule(this.nextReport - now);
				return;
			}
			// Cleared before taking the count: what is recorded after it schedules a report.
			ThrottledWarning.this.scheduled.set(false);
			long count = ThrottledWarning.this.unreported.getAndSet(0);
			if (count > 0) {
				this.nextReport = now + ThrottledWarning.this.intervalNanos;
				warn(count);
			}
		}

	}

}
