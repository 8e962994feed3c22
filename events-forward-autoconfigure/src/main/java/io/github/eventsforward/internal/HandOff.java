package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;

/**
 * Hands events from the publisher threads to the forwarder's thread. Publishers only read
 * the clock, count the event, ask the buffer whether it has room, and offer to a lock-free
 * multi-producer queue; they schedule the drain task only when it is neither scheduled nor
 * running. The drain task hands a few events per turn to the forwarder's side and then
 * gives way, so that answers to requests and timers are acted on while a backlog is taken in.
 * <p>
 * The drain task stops handing events over while the sink {@link Sink#wantsMore() wants no
 * more}, and waits, still counted as scheduled, until {@link #resume()}: a backlog then
 * waits here as the events that were published, and is made into rows only as the sink
 * makes room. Once closed, it hands everything over.
 */
final class HandOff {

	private static final Log logger = LogFactory.getLog(HandOff.class);

	// Events taken per turn of the drain task before it gives way to the other tasks of the
	// forwarder's thread: about 15 us of work.
	private static final int EVENTS_PER_TURN = 16;

	// Published now, rather than at a given time.
	private static final long NOW = Long.MIN_VALUE;

	private final Clock clock;

	private final Accounting accounting;

	private final EventBuffer buffer;

	private final Drops drops;

	// With drop-oldest, publishers that find the buffer full take the oldest event out of
	// this queue, so it must allow a second consumer.
	private final Queue<CapturedEvent> queue;

	// Publishers between their check of the state and the end of their offer: close() waits
	// for none to be left, so that every accepted event is in the queue once it returns.
	private final LongAdder offering = new LongAdder();

	// Whether the drain task is scheduled or running; publishers schedule it only when not.
	private final AtomicBoolean draining = new AtomicBoolean();

	// Whether the drain task stopped because the sink wanted no more: it counts as scheduled
	// (draining stays set), and resume() schedules it again.
	private final AtomicBoolean parked = new AtomicBoolean();

	private volatile State state = State.OPEN;

	private volatile @Nullable Drain drain;

	HandOff(Clock clock, Accounting accounting, EventBuffer buffer, Drops drops, boolean dropOldest) {
		this.clock = clock;
		this.accounting = accounting;
		this.buffer = buffer;
		this.drops = drops;
		this.queue = dropOldest ? new ConcurrentLinkedQueue<>() : Queues.<CapturedEvent>unboundedMultiproducer().get();
	}

	/**
	 * Accept an event from a publisher thread. Never blocks and never throws: when the
	 * buffer is full or the hand-off closed, the event is dropped and counted.
	 * @param event the event or payload
	 */
	void offer(Object event) {
		offer(event, NOW);
	}

	/**
	 * Accept an event published earlier, as {@link #offer(Object)} does.
	 * @param event the event or payload
	 * @param publishedMicros when it was published, in microseconds since the epoch
	 */
	void offer(Object event, long publishedMicros) {
		this.offering.increment();
		try {
			if (this.state != State.OPEN) {
				this.drops.refusedStopped();
				return;
			}
			EventBuffer.Admission admission = accept();
			if (admission == EventBuffer.Admission.DROP_NEWEST) {
				this.drops.refusedFull();
				return;
			}
			if (admission == EventBuffer.Admission.DROP_OLDEST_QUEUED) {
				makeRoom();
			}
			enqueue(event, publishedMicros);
		}
		finally {
			this.offering.decrement();
		}
	}

	// Count the event in if the buffer has room: a compare-and-set, so that the count never
	// goes past the bound.
	private EventBuffer.Admission accept() {
		while (true) {
			long pending = this.accounting.pending();
			EventBuffer.Admission admission = this.buffer.admit(pending + 1);
			if (admission == EventBuffer.Admission.DROP_NEWEST || this.accounting.accept(pending)) {
				return admission;
			}
		}
	}

	// The forwarder's thread has not caught up with a flood. If it has taken every event in
	// meanwhile, the buffer drops its oldest once this one arrives.
	private void makeRoom() {
		if (this.queue.poll() != null) {
			this.drops.evicted(1);
		}
	}

	// Kept small, so that the JIT inlines the clock and leaves the Instant unallocated.
	private void enqueue(Object event, long publishedMicros) {
		try {
			this.queue.offer(new CapturedEvent(event, (publishedMicros != NOW) ? publishedMicros : nowMicros()));
		}
		catch (RuntimeException ex) {
			this.accounting.refuseAccepted();
			logger.debug("Dropped an event that could not be queued", ex);
			return;
		}
		signal();
	}

	// The Instant does not escape, so the JIT can leave it unallocated.
	long nowMicros() {
		Instant now = this.clock.instant();
		return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
	}

	/**
	 * Hand events to the forwarder's side from now on, those offered before too.
	 * @param worker the worker of the forwarder's thread that runs the drain task
	 * @param sink where the events go, on that thread
	 */
	void open(Scheduler.Worker worker, Sink sink) {
		this.drain = new Drain(worker, sink);
		this.state = State.OPEN;
		this.parked.set(false);
		signal();
	}

	/**
	 * Accept no more events. Once it returns, every accepted event is in the queue, and the
	 * drain task tells the sink it has {@link Sink#ended() ended} once it has taken the last.
	 */
	void close() {
		this.state = State.CLOSING;
		while (this.offering.sum() != 0) {
			Thread.onSpinWait();
		}
		signal();
		resume();
	}

	/**
	 * Go on handing events over if the drain task stopped because the sink wanted no more.
	 * Called on the forwarder's thread once the sink has made room, and by {@link #close()}.
	 */
	void resume() {
		Drain drain = this.drain;
		if (drain != null && this.parked.compareAndSet(true, false)) {
			drain.schedule();
		}
	}

	/**
	 * Stop handing events over, as the forwarder's thread goes away.
	 */
	void detach() {
		this.drain = null;
		this.parked.set(false);
		this.draining.set(false);
	}

	// Schedule the drain task unless it is scheduled or running already. Before open() there
	// is no drain: the events wait in the queue.
	private void signal() {
		Drain drain = this.drain;
		if (drain == null || this.draining.get() || !this.draining.compareAndSet(false, true)) {
			return;
		}
		drain.schedule();
	}

	/**
	 * Where the drain task hands the events, on the forwarder's thread.
	 */
	interface Sink {

		/**
		 * Take an event in.
		 * @param event the event and when it was published
		 */
		void take(CapturedEvent event);

		/**
		 * Return whether the sink takes another event now; when it does not, events wait in
		 * the hand-off until {@link HandOff#resume()}. Asked only while the hand-off is open.
		 * @return whether to hand over the next event
		 */
		default boolean wantsMore() {
			return true;
		}

		/**
		 * The hand-off was closed, and every event it accepted was taken in.
		 */
		void ended();

	}

	private enum State {

		/** Accepting events. */
		OPEN,

		/** Accepting no more; the sink is told once the last event was taken. */
		CLOSING,

		/** The sink was told. */
		CLOSED

	}

	/**
	 * The drain task of one run of the forwarder's thread.
	 */
	private final class Drain implements Runnable {

		private final Scheduler.Worker worker;

		private final Sink sink;

		Drain(Scheduler.Worker worker, Sink sink) {
			this.worker = worker;
			this.sink = sink;
		}

		void schedule() {
			try {
				this.worker.schedule(this);
			}
			catch (RejectedExecutionException ex) {
				// Stopped meanwhile: what is left is counted as queued and reported by stop().
				HandOff.this.draining.set(false);
			}
		}

		@Override
		public void run() {
			if (HandOff.this.drain != this) {
				HandOff.this.draining.set(false);
				return;
			}
			for (int i = 0; i < EVENTS_PER_TURN; i++) {
				if (HandOff.this.state == State.OPEN && !this.sink.wantsMore() && park()) {
					return;
				}
				CapturedEvent captured = HandOff.this.queue.poll();
				if (captured == null) {
					HandOff.this.draining.set(false);
					// A publisher that offered after the poll saw the task still scheduled: take
					// over again if its event is there and no new task was scheduled for it.
					if (!HandOff.this.queue.isEmpty() && HandOff.this.draining.compareAndSet(false, true)) {
						continue;
					}
					if (HandOff.this.state == State.CLOSING) {
						HandOff.this.state = State.CLOSED;
						this.sink.ended();
					}
					return;
				}
				this.sink.take(captured);
			}
			// Give way to the answers and timers waiting for the thread, and go on after them.
			schedule();
		}

		// Stop until resume(), unless the hand-off was closed meanwhile: then close() may
		// have found the task not parked yet, and it goes on.
		private boolean park() {
			HandOff.this.parked.set(true);
			return HandOff.this.state == State.OPEN || !HandOff.this.parked.compareAndSet(true, false);
		}

	}

}
