package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

import org.apache.commons.logging.Log;

/**
 * A WARN that is logged at most once per interval, with the number of occurrences since the
 * last one. Safe to call from any thread; the caller pays for two atomic operations unless it
 * is the one that logs.
 */
final class ThrottledWarning {

	private final Log log;

	private final long intervalNanos;

	private final LongFunction<String> message;

	private final AtomicLong unreported = new AtomicLong();

	private final AtomicLong nextReport;

	ThrottledWarning(Log log, Duration interval, LongFunction<String> message) {
		this.log = log;
		this.intervalNanos = interval.toNanos();
		this.message = message;
		this.nextReport = new AtomicLong(System.nanoTime());
	}

	void record(long occurrences) {
		this.unreported.addAndGet(occurrences);
		long now = System.nanoTime();
		long next = this.nextReport.get();
		if (now - next >= 0 && this.nextReport.compareAndSet(next, now + this.intervalNanos)) {
			long count = this.unreported.getAndSet(0);
			if (count > 0) {
				this.log.warn(this.message.apply(count));
			}
		}
	}

	/**
	 * Log what was recorded since the last report, if anything, regardless of the interval.
	 */
	void flush() {
		long count = this.unreported.getAndSet(0);
		if (count > 0) {
			this.log.warn(this.message.apply(count));
		}
	}

}
