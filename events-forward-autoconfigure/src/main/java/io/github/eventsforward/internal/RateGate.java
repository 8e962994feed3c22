package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Allows at most {@code maxRate} requests in any window of {@code period} (a sliding log):
 * a burst of up to {@code maxRate} goes out at once, the next waits until the oldest of them
 * has left the window. It can also be held closed for a while, as the server's
 * {@code Retry-After} and a pause ask. Time is read from the scheduler, so tests can run on
 * virtual time. The log holds only the grants of the last period, never more than
 * {@code maxRate}.
 */
final class RateGate {

	private final int maxRate;

	private final long periodNanos;

	private final Scheduler scheduler;

	private final Deque<Long> grants = new ArrayDeque<>();

	// Scheduler nanoseconds until which no request may go out.
	private long heldUntil = Long.MIN_VALUE;

	RateGate(int maxRate, Duration period, Scheduler scheduler) {
		this.maxRate = maxRate;
		this.periodNanos = period.toNanos();
		this.scheduler = scheduler;
	}

	/**
	 * Return a {@code Mono} that completes once a request may go out, and counts that
	 * request against the limit.
	 * @return the permit
	 */
	Mono<Void> permit() {
		return Mono.defer(() -> {
			long wait = waitNanos(true);
			return (wait <= 0) ? Mono.empty() : delay(wait).then(permit());
		});
	}

	/**
	 * Return a {@code Mono} that completes once a request could go out, without taking the
	 * permit.
	 * @return the signal
	 */
	Mono<Void> ready() {
		return Mono.defer(() -> {
			long wait = waitNanos(false);
			return (wait <= 0) ? Mono.empty() : delay(wait).then(ready());
		});
	}

	/**
	 * Return whether a request could go out now, without taking the permit.
	 * @return whether the gate is open
	 */
	boolean isOpen() {
		return waitNanos(false) <= 0;
	}

	/**
	 * Hold the gate closed from now for the given time, or longer if it is held longer
	 * already.
	 * @param wait how long no request may go out
	 */
	synchronized void holdFor(Duration wait) {
		long until = this.scheduler.now(TimeUnit.NANOSECONDS) + wait.toNanos();
		this.heldUntil = Math.max(this.heldUntil, until);
	}

	private Mono<Void> delay(long nanos) {
		return Mono.delay(Duration.ofNanos(nanos), this.scheduler).then();
	}

	private synchronized long waitNanos(boolean take) {
		long now = this.scheduler.now(TimeUnit.NANOSECONDS);
		if (now < this.heldUntil) {
			return this.heldUntil - now;
		}
		while (!this.grants.isEmpty() && now - this.grants.peekFirst() >= this.periodNanos) {
			this.grants.pollFirst();
		}
		if (this.grants.size() < this.maxRate) {
			if (take) {
				this.grants.addLast(now);
			}
			return 0;
		}
		return this.grants.peekFirst() + this.periodNanos - now;
	}

}
