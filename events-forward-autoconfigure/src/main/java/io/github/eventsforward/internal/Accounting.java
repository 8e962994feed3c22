package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.github.eventsforward.ForwardCounts;

/**
 * What became of the events: events accepted without an outcome yet ({@code pending}),
 * dropped before they were accepted, and, of those accepted, delivered, failed and dropped
 * later to make room. Published and dropped are derived from them; the outcomes
 * {@link #awaitOutcomes(Duration) flush} waits for are told by a count of every event ever
 * accepted.
 * <p>
 * Publishers add to {@code pending} (one compare-and-set an event, so that it never goes
 * past the buffer's bound, not even for a moment) and count what they accept and drop;
 * outcomes come from the forwarder's thread, or from publishers that make room in a full
 * buffer.
 */
final class Accounting {

	private final AtomicLong pending = new AtomicLong();

	// Every event ever accepted, and those of them taken back: flush reads what it waits for
	// from these, as pending and the outcomes cannot be read together while one settles.
	private final LongAdder accepted = new LongAdder();

	private final AtomicLong takenBack = new AtomicLong();

	private final LongAdder refused = new LongAdder();

	// Events published in a transaction that has not ended, and those whose transaction
	// rolled back: publishers count both, each for its own transaction.
	private final LongAdder held = new LongAdder();

	private final LongAdder rolledBack = new LongAdder();

	// Events found in the spool at start-up: accepted by an earlier run.
	private final AtomicLong recovered = new AtomicLong();

	private final AtomicLong evicted = new AtomicLong();

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final Object outcomes = new Object();

	// Callers of awaitOutcomes: outcomes wake them only when there are some.
	private final AtomicInteger waiting = new AtomicInteger();

	/**
	 * Count an event accepted, unless another was accepted or settled since
	 * {@link #pending()} was read: the caller then decides again.
	 * @param pending what {@link #pending()} returned
	 * @return whether the event was counted
	 */
	boolean accept(long pending) {
		if (!this.pending.compareAndSet(pending, pending + 1)) {
			return false;
		}
		this.accepted.increment();
		return true;
	}

	/**
	 * Take back an {@link #accept(long) accepted} event that was then dropped after all,
	 * before anything else saw it.
	 */
	void refuseAccepted() {
		this.refused.increment();
		this.takenBack.incrementAndGet();
		settle(1);
	}

	/**
	 * Count events an earlier run accepted and left in the spool.
	 * @param events how many
	 */
	void recovered(long events) {
		this.recovered.addAndGet(events);
		this.accepted.add(events);
		this.pending.addAndGet(events);
	}

	/**
	 * Count an event published in a transaction, held until the transaction ends.
	 */
	void hold() {
		this.held.increment();
	}

	/**
	 * Count events held for a transaction that was then committed, once each has been
	 * offered, and so counted as accepted or dropped.
	 * @param events how many
	 */
	void released(long events) {
		this.held.add(-events);
	}

	/**
	 * Count events held for a transaction that rolled back.
	 * @param events how many
	 */
	void rolledBack(long events) {
		this.rolledBack.add(events);
		this.held.add(-events);
	}

	/**
	 * Return how many events wait for their transaction to end.
	 * @return the events
	 */
	long held() {
		return this.held.sum();
	}

	/**
	 * Count an event dropped before it was accepted.
	 */
	void refused() {
		this.refused.increment();
	}

	void delivered(long events) {
		this.delivered.addAndGet(events);
		settle(events);
	}

	void failed(long events) {
		this.failed.addAndGet(events);
		settle(events);
	}

	void evicted(long events) {
		this.evicted.addAndGet(events);
		settle(events);
	}

	/**
	 * Return how many accepted events have no outcome yet.
	 * @return the events
	 */
	long pending() {
		return this.pending.get();
	}

	ForwardCounts counts() {
		// Pending and held first: an outcome is added before pending or held is lowered, so
		// an event that settles meanwhile is counted twice at most, never missed.
		long held = this.held.sum();
		long pending = this.pending.get();
		long delivered = this.delivered.get();
		long failed = this.failed.get();
		long evicted = this.evicted.get();
		long refused = this.refused.sum();
		long recovered = this.recovered.get();
		long rolledBack = this.rolledBack.sum();
		long queued = pending + held;
		return new ForwardCounts(queued + delivered + failed + evicted + refused + rolledBack - recovered, delivered,
				refused + evicted, failed, queued, recovered, rolledBack);
	}

	/**
	 * Return the counts of a forwarder whose rows wait in an outbox table, which other
	 * instances may deliver: what was published here is counted as it is written, and what
	 * waits is the table's.
	 * @param published events given to this forwarder
	 * @param inTable rows in the table, as last read
	 * @param recovered rows found in the table at start-up
	 * @return the counts
	 */
	ForwardCounts outboxCounts(long published, long inTable, long recovered) {
		long held = this.held.sum();
		return new ForwardCounts(published, this.delivered.get(), this.refused.sum() + this.evicted.get(),
				this.failed.get(), inTable + held, recovered, this.rolledBack.sum());
	}

	/**
	 * Wait until every event accepted before the call has an outcome.
	 * @param timeout how long to wait at most
	 * @return whether they all have one; {@code false} if the timeout passed first
	 */
	boolean awaitOutcomes(Duration timeout) {
		// Not pending plus the outcomes: an event that settles between the two reads would be
		// counted in both, and waited for in vain.
		long target = this.accepted.sum();
		long deadline = System.nanoTime() + timeout.toNanos();
		this.waiting.incrementAndGet();
		try {
			synchronized (this.outcomes) {
				while (settled() < target) {
					long remaining = deadline - System.nanoTime();
					if (remaining <= 0) {
						return false;
					}
					this.outcomes.wait(Math.max(1, remaining / 1_000_000));
				}
				return true;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		finally {
			this.waiting.decrementAndGet();
		}
	}

	private long settled() {
		return this.delivered.get() + this.failed.get() + this.evicted.get() + this.takenBack.get();
	}

	private void settle(long events) {
		this.pending.addAndGet(-events);
		if (this.waiting.get() > 0) {
			synchronized (this.outcomes) {
				this.outcomes.notifyAll();
			}
		}
	}

}
