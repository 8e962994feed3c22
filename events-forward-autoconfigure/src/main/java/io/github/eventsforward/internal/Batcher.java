package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Groups rows into batches and sends them one at a time. A batch is cut only when it may be
 * sent: no request is in flight, the rate gate is open, and either a full batch is waiting,
 * the oldest row has waited the flush interval, or no more rows will come. Rows that arrive
 * while a request or the rate limit holds the next batch back join it, so under a backlog
 * every request carries a full batch.
 * <p>
 * This is what {@code bufferTimeout(max, time, scheduler, true)} followed by
 * {@code concatMap} is meant to do, but Reactor's fair-backpressure variant flushes a
 * partial buffer whenever demand resumes (reactor-core issue 4377), which here is after
 * every request. All state is touched on the scheduler's thread only (the rows arrive on it,
 * and timers and outcomes run as tasks of one of its workers), so it needs no locking; the
 * rows it holds are bounded by the pipeline's buffer capacity.
 */
final class Batcher {

	/** No row is waiting or in flight. */
	static final long NONE = Long.MAX_VALUE;

	private static final Log logger = LogFactory.getLog(Batcher.class);

	private final int batchLimit;

	private final long flushIntervalNanos;

	private final RateGate gate;

	private final Scheduler scheduler;

	private final Scheduler.Worker worker;

	private final Function<List<EncodedRow>, Mono<Void>> deliver;

	private final @Nullable Overflow overflow;

	private final Deque<Waiting> waiting = new ArrayDeque<>();

	private final Disposable.Swap wakeUp = Disposables.swap();

	private final Disposable.Swap inFlight = Disposables.swap();

	private long wakeUpAt = Long.MIN_VALUE;

	private long inFlightSince = NONE;

	// When the oldest row without an outcome reached the batcher, for the queue-age gauge.
	private volatile long oldestSince = NONE;

	private boolean sending;

	private boolean subscribing;

	private boolean completed;

	/**
	 * Create a batcher.
	 * @param batchLimit most rows in one batch
	 * @param flushInterval longest the oldest row waits for its batch to fill
	 * @param gate the rate limit
	 * @param scheduler where the batcher's state lives and its timers run: one that runs its
	 * tasks one at a time, on which the rows arrive
	 * @param deliver sends one batch; the {@code Mono} must not fail, and completes when the
	 * batch has its outcome
	 * @param overflow evicts the oldest waiting rows while the buffer is over capacity, or
	 * {@code null} to keep them (the publisher side drops new events instead)
	 */
	Batcher(int batchLimit, Duration flushInterval, RateGate gate, Scheduler scheduler,
			Function<List<EncodedRow>, Mono<Void>> deliver, @Nullable Overflow overflow) {
		this.batchLimit = batchLimit;
		this.flushIntervalNanos = flushInterval.toNanos();
		this.gate = gate;
		this.scheduler = scheduler;
		this.worker = scheduler.createWorker();
		this.deliver = deliver;
		this.overflow = overflow;
	}

	/**
	 * Take a row. Called on the scheduler's thread, in turn with the batcher's own tasks.
	 * @param row the row
	 */
	void add(EncodedRow row) {
		if (this.worker.isDisposed()) {
			return;
		}
		this.waiting.add(new Waiting(row, this.scheduler.now(TimeUnit.NANOSECONDS)));
		if (this.overflow != null) {
			while (this.overflow.isOver() && !this.waiting.isEmpty()) {
				this.waiting.poll();
				this.overflow.evicted();
			}
		}
		drain();
		refreshOldest();
	}

	/**
	 * No more rows will come: send what waits without waiting for full batches. Called on
	 * the scheduler's thread.
	 */
	void complete() {
		this.completed = true;
		drain();
	}

	/**
	 * Cancel the request in flight and the timers, as when the pipeline stops.
	 */
	void dispose() {
		this.wakeUp.dispose();
		this.inFlight.dispose();
		this.worker.dispose();
	}

	private void run(Runnable task) {
		if (this.worker.isDisposed()) {
			return;
		}
		try {
			this.worker.schedule(task);
		}
		catch (RejectedExecutionException ex) {
			// Stopped meanwhile: what is left is counted as queued and reported by the pipeline.
		}
	}

	private void drain() {
		if (this.sending) {
			return;
		}
		if (this.waiting.isEmpty()) {
			if (this.completed) {
				this.worker.dispose();
			}
			return;
		}
		if (this.waiting.size() < this.batchLimit && !this.completed) {
			long due = this.waiting.peekFirst().arrived() + this.flushIntervalNanos;
			long wait = due - this.scheduler.now(TimeUnit.NANOSECONDS);
			if (wait > 0) {
				if (this.wakeUpAt != due) {
					this.wakeUpAt = due;
					this.wakeUp.update(this.worker.schedule(this::drain, wait, TimeUnit.NANOSECONDS));
				}
				return;
			}
		}
		this.sending = true;
		if (this.gate.isOpen()) {
			send();
			return;
		}
		// Wait for the rate limit before cutting the batch, so that it fills meanwhile.
		this.inFlight.update(this.gate.ready().subscribe(null, this::stalled, () -> run(this::send)));
	}

	/**
	 * Return when the oldest row without an outcome (waiting or in flight) reached the
	 * batcher, in the scheduler's nanoseconds.
	 * @return the time, or {@link #NONE}
	 */
	long oldestSince() {
		return this.oldestSince;
	}

	private void refreshOldest() {
		long waitingSince = this.waiting.isEmpty() ? NONE : this.waiting.peekFirst().arrived();
		this.oldestSince = Math.min(this.inFlightSince, waitingSince);
	}

	private void send() {
		if (this.waiting.isEmpty()) {
			// Evicted to make room (drop-oldest) while the rate gate held the batch back.
			sent();
			return;
		}
		this.inFlightSince = this.waiting.peekFirst().arrived();
		int size = Math.min(this.waiting.size(), this.batchLimit);
		List<EncodedRow> batch = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			batch.add(this.waiting.poll().row());
		}
		this.subscribing = true;
		try {
			this.inFlight.update(this.deliver.apply(batch).subscribe(null, this::stalled, this::delivered));
		}
		finally {
			this.subscribing = false;
		}
	}

	// Deliveries complete on the scheduler's thread, so the next batch goes out at once,
	// unless the delivery completed while being subscribed to (it had no request to make):
	// going on then would recurse into the next send.
	private void delivered() {
		if (this.subscribing) {
			run(this::sent);
		}
		else {
			sent();
		}
	}

	private void sent() {
		this.sending = false;
		this.inFlightSince = NONE;
		drain();
		refreshOldest();
	}

	private void stalled(Throwable ex) {
		// Not expected: delivery handles its own failures. Go on rather than stop forwarding.
		logger.error("Unexpected failure while sending a batch of events", ex);
		run(this::sent);
	}

	private record Waiting(EncodedRow row, long arrived) {

	}

	/**
	 * Decides when the buffer is over capacity, and accounts for evicted rows.
	 */
	interface Overflow {

		/**
		 * Return whether more events wait than the buffer may hold.
		 * @return whether to evict
		 */
		boolean isOver();

		/**
		 * Account for the oldest waiting row, dropped to make room.
		 */
		void evicted();

	}

}
