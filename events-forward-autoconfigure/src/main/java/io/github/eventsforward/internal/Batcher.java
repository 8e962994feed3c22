package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * Cuts batches from the buffer and delivers up to {@code max-in-flight} of them at a time,
 * then settles what became of their rows. A batch is cut only when it may be sent: fewer
 * than {@code max-in-flight} batches are being delivered, the rate gate is open, and either
 * a full batch is waiting, the oldest waiting row has waited the flush interval, or no more
 * rows will come. Rows that arrive while the requests in flight or the rate limit hold the
 * next batch back join it, so under a backlog every request carries a full batch. Batches
 * are cut in publish order; with more than one in flight, their answers may come in any
 * order.
 * <p>
 * This is what {@code bufferTimeout(max, time, scheduler, true)} followed by
 * {@code concatMap} is meant to do, but Reactor's fair-backpressure variant flushes a
 * partial buffer whenever demand resumes (reactor-core issue 4377), which here is after
 * every request. All state is touched on the scheduler's thread only (rows arrive on it, and
 * timers and outcomes run as tasks of one of its workers), so it needs no locking.
 */
final class Batcher {

	private static final Log logger = LogFactory.getLog(Batcher.class);

	private final int batchLimit;

	private final int maxInFlight;

	private final long flushIntervalNanos;

	private final EventBuffer buffer;

	private final RateGate gate;

	private final Delivery delivery;

	private final Accounting accounting;

	private final DeadLetters deadLetters;

	private final Scheduler scheduler;

	private final Scheduler.Worker worker;

	private final Disposable.Swap wakeUp = Disposables.swap();

	private final Disposable.Composite inFlight = Disposables.composite();

	private final Disposable.Swap gateWait = Disposables.swap();

	private long wakeUpAt = Long.MIN_VALUE;

	private Runnable rowsTaken = () -> {
	};

	// Batches cut and not yet delivered: at most maxInFlight.
	private int delivering;

	// Whether the rate gate holds the next batch back, which is cut once it opens.
	private boolean waitingForGate;

	private boolean subscribing;

	private boolean completed;

	// Cut no more batches: the pipeline stops, and the buffer keeps what waits; the
	// delivery says so once no request waits for its answer.
	private boolean finishing;

	/**
	 * Create a batcher.
	 * @param batchLimit most rows in one batch
	 * @param maxInFlight most batches delivered at once
	 * @param flushInterval longest the oldest row waits for its batch to fill
	 * @param buffer where the rows wait
	 * @param gate the rate limit
	 * @param delivery delivers one batch
	 * @param accounting counts what is delivered
	 * @param deadLetters gives up on what is not
	 * @param scheduler where the batcher's state lives and its timers run: one that runs its
	 * tasks one at a time, on which the rows arrive
	 */
	Batcher(int batchLimit, int maxInFlight, Duration flushInterval, EventBuffer buffer, RateGate gate,
			Delivery delivery, Accounting accounting, DeadLetters deadLetters, Scheduler scheduler) {
		this.batchLimit = batchLimit;
		this.maxInFlight = maxInFlight;
		this.flushIntervalNanos = flushInterval.toNanos();
		this.buffer = buffer;
		this.gate = gate;
		this.delivery = delivery;
		this.accounting = accounting;
		this.deadLetters = deadLetters;
		this.scheduler = scheduler;
		this.worker = scheduler.createWorker();
		this.delivery.onHoldEnded(() -> run(this::drain));
	}

	/**
	 * Set what runs, on the scheduler's thread, each time a batch has been taken from the
	 * buffer.
	 * @param task the task
	 */
	void onRowsTaken(Runnable task) {
		this.rowsTaken = task;
	}

	/**
	 * Rows were added to the buffer: send if a batch may go. Called on the scheduler's
	 * thread, in turn with the batcher's own tasks.
	 */
	void rowsAdded() {
		if (!this.worker.isDisposed()) {
			drain();
		}
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
	 * No more batches: let the requests in flight get their answers, and then say so,
	 * without waiting for a retry or the rate limit. Called on the scheduler's thread, when
	 * the rows that wait are kept anyway.
	 * @param idle run once no request waits for its answer
	 */
	void finish(Runnable idle) {
		this.finishing = true;
		// The delivery runs it, once, as soon as no request waits for its answer.
		this.delivery.finish(idle);
	}

	/**
	 * Cancel the requests in flight and the timers, as when the pipeline stops.
	 */
	void dispose() {
		this.wakeUp.dispose();
		this.gateWait.dispose();
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
		while (this.delivering < this.maxInFlight && !this.waitingForGate && !this.finishing
				&& (this.delivering == 0 || !this.delivery.holdsBackNewBatches())) {
			int waiting = this.buffer.size();
			if (waiting == 0) {
				if (this.completed && this.delivering == 0) {
					this.worker.dispose();
				}
				return;
			}
			if (waiting < this.batchLimit && !this.completed) {
				long oldest = this.buffer.oldestWaitingArrival();
				long due = (oldest != EventBuffer.NONE) ? oldest + this.flushIntervalNanos : Long.MIN_VALUE;
				long wait = (oldest != EventBuffer.NONE) ? due - this.scheduler.now(TimeUnit.NANOSECONDS) : 0;
				if (wait > 0) {
					if (this.wakeUpAt != due) {
						this.wakeUpAt = due;
						this.wakeUp.update(this.worker.schedule(this::drain, wait, TimeUnit.NANOSECONDS));
					}
					return;
				}
			}
			if (!this.gate.isOpen()) {
				// Wait for the rate limit before cutting the batch, so that it fills meanwhile.
				this.waitingForGate = true;
				this.gateWait.update(this.gate.ready().subscribe(null, (ex) -> {
					logger.error("Unexpected failure while waiting for the rate limit", ex);
					run(this::gateOpened);
				}, () -> run(this::gateOpened)));
				return;
			}
			send();
		}
	}

	private void gateOpened() {
		this.waitingForGate = false;
		drain();
	}

	private void send() {
		List<EncodedRow> batch = this.buffer.take(this.batchLimit);
		this.delivering++;
		this.rowsTaken.run();
		if (batch.isEmpty()) {
			// Evicted to make room (drop-oldest), or taken by another instance (outbox).
			run(this::sent);
			return;
		}
		Disposable.Swap request = Disposables.swap();
		this.inFlight.add(request);
		this.subscribing = true;
		try {
			request.update(this.delivery.deliver(batch)
				.doFinally((signal) -> this.inFlight.remove(request))
				.subscribe(this::settle, this::stalled, this::delivered));
		}
		finally {
			this.subscribing = false;
		}
	}

	private void settle(Outcome outcome) {
		this.buffer.settled(outcome.rows());
		ForwarderObserver.DeadLetterCause cause = outcome.cause();
		if (cause == null) {
			this.accounting.delivered(outcome.rows().size());
		}
		else {
			this.deadLetters.giveUp(outcome, cause);
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
		this.delivering--;
		if (this.finishing) {
			// A delivered batch has reported its outcome: the delivery may be idle now.
			this.delivery.finishIfIdle();
			return;
		}
		drain();
	}

	private void stalled(Throwable ex) {
		// Not expected: delivery handles its own failures. Go on rather than stop forwarding.
		logger.error("Unexpected failure while sending a batch of events", ex);
		run(this::sent);
	}

}
