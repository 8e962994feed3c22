package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.github.eventsforward.DeadLetter;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;
import tools.jackson.databind.json.JsonMapper;

/**
 * The forwarder: a bounded hand-off from the publisher threads to one serial pipeline that
 * maps events to rows, batches them, holds to the rate limit and sends one request at a
 * time, in publish order.
 * <p>
 * Publisher threads only read the clock, bump counters and offer to a lock-free
 * multi-producer queue; they schedule the forwarder's drain task only when it is idle, and
 * the WARN about dropped events only when none is scheduled, for the forwarder's thread to
 * log. The bound is kept by the {@code pending} counter, which covers every event that has
 * no outcome yet, wherever it is in the pipeline. The drain task maps a few events per turn
 * and then gives way, so that answers to requests and timers are acted on while a backlog is
 * mapped.
 */
public final class ForwardingPipeline implements EventsForwarder {

	private static final Log logger = LogFactory.getLog(ForwardingPipeline.class);

	private static final Duration WARNING_INTERVAL = Duration.ofSeconds(10);

	private static final long DROP_OLDEST_SLACK = 1024;

	private static final String THREAD_NAME = "datasette-events-forward";

	private static final Duration THREAD_END_TIMEOUT = Duration.ofSeconds(1);

	// Events mapped per turn of the drain task before it gives way to the other tasks of the
	// forwarder's thread: about 15 us of work.
	private static final int EVENTS_PER_TURN = 16;

	private static final AtomicLong THREADS = new AtomicLong();

	private final ForwarderSettings settings;

	private final RowFactory rows;

	private final RequestBodyWriter bodyWriter;

	private final BatchSender sender;

	private final List<DeadLetterHandler> deadLetterHandlers;

	private final @Nullable Scheduler providedScheduler;

	private final ForwarderStatus status;

	private final ForwarderObserver observer;

	// Most events without an outcome. With drop-oldest the batcher evicts the oldest waiting
	// events once they are over capacity, when the newer ones reach it; this hard bound, with
	// room for a burst in transit, only holds while it catches up with a flood.
	private final long pendingBound;

	private final Clock clock;

	// Dropped before they were accepted (buffer full, stopped), and accepted but dropped
	// later to make room (drop-oldest).
	private final LongAdder refused = new LongAdder();

	private final AtomicLong evicted = new AtomicLong();

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final AtomicLong pending = new AtomicLong();

	// Events handed to the queue, and events with an outcome after that. Both grow in
	// publish order, so "settled >= accepted at time t" means everything accepted before t
	// has an outcome.
	private final AtomicLong accepted = new AtomicLong();

	private final AtomicLong settled = new AtomicLong();

	private final Object outcomes = new Object();

	private final Set<Class<?>> unmappableTypes = ConcurrentHashMap.newKeySet();

	private final ThrottledWarning overflowWarning;

	private final ThrottledWarning stoppedWarning;

	// Publishers between their check of accepting and the end of their offer: stop() waits
	// for none to be left, so that every accepted event is in the queue before it completes.
	private final LongAdder offering = new LongAdder();

	// Whether the drain task is scheduled or running; publishers schedule it only when not.
	private final AtomicBoolean draining = new AtomicBoolean();

	// With drop-oldest, publishers that find the buffer full take the oldest event out of
	// this queue, so it must allow a second consumer.
	private volatile Queue<CapturedEvent> handOff;

	private volatile boolean accepting = true;

	// stop() asks the drain task to complete the batcher once it has taken the last event.
	private volatile boolean completing;

	// Touched by the drain task only, and by start() before the task can run.
	private boolean completed;

	private volatile Scheduler.@Nullable Worker drainWorker;

	private @Nullable Scheduler scheduler;

	private volatile @Nullable Batcher batcher;

	private volatile @Nullable Thread thread;

	/**
	 * Create a pipeline that runs on a thread of its own once started.
	 * @param settings the settings
	 * @param mapper maps events to columns
	 * @param jsonMapper writes the {@code properties} column
	 * @param instance the {@code instance} column
	 * @param sender sends batches
	 * @param deadLetterHandlers called with each event given up on
	 * @param observer told what happens, for metrics
	 */
	public ForwardingPipeline(ForwarderSettings settings, EventRowMapper mapper, JsonMapper jsonMapper,
			@Nullable String instance, BatchSender sender, List<DeadLetterHandler> deadLetterHandlers,
			ForwarderObserver observer) {
		this(settings, new RowFactory(mapper, jsonMapper, instance), sender, deadLetterHandlers, null,
				Clock.systemUTC(), observer);
	}

	ForwardingPipeline(ForwarderSettings settings, RowFactory rows, BatchSender sender,
			List<DeadLetterHandler> deadLetterHandlers, @Nullable Scheduler scheduler, Clock clock) {
		this(settings, rows, sender, deadLetterHandlers, scheduler, clock, ForwarderObserver.NONE);
	}

	ForwardingPipeline(ForwarderSettings settings, RowFactory rows, BatchSender sender,
			List<DeadLetterHandler> deadLetterHandlers, @Nullable Scheduler scheduler, Clock clock,
			ForwarderObserver observer) {
		this.settings = settings;
		this.rows = rows;
		this.bodyWriter = new RequestBodyWriter(settings.endpoint(), settings.table());
		this.sender = sender;
		this.deadLetterHandlers = List.copyOf(deadLetterHandlers);
		this.providedScheduler = scheduler;
		this.clock = clock;
		this.observer = observer;
		long capacity = settings.bufferCapacity();
		this.pendingBound = settings.dropOldest() ? capacity + Math.max(capacity, DROP_OLDEST_SLACK) : capacity;
		this.status = new ForwarderStatus(clock);
		this.overflowWarning = new ThrottledWarning(logger, WARNING_INTERVAL, this::overflowMessage);
		this.stoppedWarning = new ThrottledWarning(logger, WARNING_INTERVAL,
				(count) -> "Dropped " + count + " events published while the forwarder was stopped");
		this.handOff = newHandOff();
	}

	private Queue<CapturedEvent> newHandOff() {
		return this.settings.dropOldest() ? new ConcurrentLinkedQueue<>()
				: Queues.<CapturedEvent>unboundedMultiproducer().get();
	}

	private String overflowMessage(long count) {
		String which = this.settings.dropOldest() ? "oldest" : "newest";
		String cause = switch (this.status.get().status()) {
			case PAUSED, RETRYING -> "Datasette is not accepting events (" + this.status.get().reason() + ")";
			default -> "events are published faster than " + this.settings.maxRate() + " requests of "
					+ this.settings.batchLimit() + " rows per " + this.settings.timePeriod() + " can carry";
		};
		return "Dropped the " + which + " " + count + " events: " + this.settings.bufferCapacity()
				+ " events were already waiting to be sent, and " + cause
				+ ". Raise datasette.events-forward.buffer-capacity to ride out longer bursts or outages, or"
				+ " batch-limit or max-rate to send more";
	}

	/**
	 * Accept an event from a publisher thread. Never blocks and never throws: when the
	 * buffer is full or the forwarder has stopped, the event is dropped and counted.
	 * @param event the event or payload to forward
	 */
	public void offer(Object event) {
		boolean pendingCounted = false;
		this.offering.increment();
		try {
			if (!this.accepting) {
				drop(ForwarderObserver.DropReason.STOPPED);
				return;
			}
			pendingCounted = true;
			if (this.pending.incrementAndGet() > this.pendingBound) {
				if (!this.settings.dropOldest()) {
					this.pending.decrementAndGet();
					pendingCounted = false;
					drop(ForwarderObserver.DropReason.BUFFER_FULL);
					return;
				}
				// Make room by dropping the oldest event the pipeline has not taken yet. If it has
				// taken them all, it is keeping up, and evicts the oldest once this one arrives.
				if (this.handOff.poll() != null) {
					evict();
				}
			}
			this.handOff.offer(new CapturedEvent(event, nowMicros()));
			pendingCounted = false;
			this.accepted.incrementAndGet();
			signal();
		}
		catch (RuntimeException ex) {
			if (pendingCounted) {
				this.pending.decrementAndGet();
			}
			this.refused.increment();
			logger.debug("Dropped an event that could not be queued", ex);
		}
		finally {
			this.offering.decrement();
		}
	}

	// Schedule the drain task unless it is scheduled or running already. Before start() there
	// is no worker: the events wait in the queue, and start() drains them.
	private void signal() {
		Scheduler.Worker worker = this.drainWorker;
		if (worker == null || this.draining.get() || !this.draining.compareAndSet(false, true)) {
			return;
		}
		try {
			worker.schedule(this::drain);
		}
		catch (RejectedExecutionException ex) {
			// Stopped meanwhile: what is left is counted as queued and reported by stop().
			this.draining.set(false);
		}
	}

	// One turn of the drain task, on the forwarder's thread.
	private void drain() {
		Batcher batcher = this.batcher;
		Scheduler.Worker worker = this.drainWorker;
		if (batcher == null || worker == null) {
			this.draining.set(false);
			return;
		}
		for (int i = 0; i < EVENTS_PER_TURN; i++) {
			CapturedEvent captured = this.handOff.poll();
			if (captured == null) {
				this.draining.set(false);
				// A publisher that offered after the poll saw the task still scheduled: take
				// over again if its event is there and no new task was scheduled for it.
				if (!this.handOff.isEmpty() && this.draining.compareAndSet(false, true)) {
					continue;
				}
				if (this.completing && !this.completed) {
					this.completed = true;
					batcher.complete();
				}
				return;
			}
			EncodedRow row = toRow(captured);
			if (row != null) {
				batcher.add(row);
			}
		}
		// Give way to the answers and timers waiting for the thread, and go on after them.
		try {
			worker.schedule(this::drain);
		}
		catch (RejectedExecutionException ex) {
			this.draining.set(false);
		}
	}

	// The Instant does not escape, so the JIT can leave it unallocated.
	private long nowMicros() {
		Instant now = this.clock.instant();
		return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
	}

	private void evict() {
		this.evicted.incrementAndGet();
		this.observer.dropped(ForwarderObserver.DropReason.BUFFER_FULL, 1);
		this.overflowWarning.record(1);
		settle(1);
	}

	private void drop(ForwarderObserver.DropReason reason) {
		this.refused.increment();
		this.observer.dropped(reason, 1);
		((reason == ForwarderObserver.DropReason.STOPPED) ? this.stoppedWarning : this.overflowWarning).record(1);
	}

	@Override
	public boolean flush(Duration timeout) {
		return awaitSettled(this.accepted.get(), timeout);
	}

	@Override
	public ForwardCounts counts() {
		// An event leaves the buffer only after it was accepted: reading accepted before the
		// outcomes never counts more events as queued than the buffer held. Published is
		// derived, so that the four figures always add up to it.
		long accepted = this.accepted.get();
		long delivered = this.delivered.get();
		long failed = this.failed.get();
		long evicted = this.evicted.get();
		long refused = this.refused.sum();
		long queued = Math.max(0, accepted - delivered - failed - evicted);
		long published = delivered + failed + evicted + queued + refused;
		return new ForwardCounts(published, delivered, refused + evicted, failed, queued);
	}

	@Override
	public ForwarderState state() {
		return this.status.get();
	}

	@Override
	public Duration oldestQueuedAge() {
		Batcher batcher = this.batcher;
		Scheduler scheduler = this.scheduler;
		if (batcher == null || scheduler == null) {
			return Duration.ZERO;
		}
		long since = batcher.oldestSince();
		return (since == Batcher.NONE) ? Duration.ZERO
				: Duration.ofNanos(Math.max(0, scheduler.now(TimeUnit.NANOSECONDS) - since));
	}

	/**
	 * Return the settings the forwarder runs with.
	 * @return the settings
	 */
	public ForwarderSettings settings() {
		return this.settings;
	}

	/**
	 * Start sending. Events offered before are sent too.
	 */
	public synchronized void start() {
		if (this.batcher != null) {
			return;
		}
		Scheduler scheduler = (this.providedScheduler != null) ? this.providedScheduler
				: Schedulers.newSingle(this::newThread);
		this.scheduler = scheduler;
		if (!this.accepting) {
			this.handOff = newHandOff();
			this.completing = false;
			this.completed = false;
			this.accepting = true;
		}
		this.status.started();
		this.overflowWarning.start(scheduler);
		this.stoppedWarning.start(scheduler);
		RateGate gate = new RateGate(this.settings.maxRate(), this.settings.timePeriod(), scheduler);
		Delivery delivery = new Delivery(this.settings, this.bodyWriter, this.sender, gate, scheduler,
				this.status, new Outcomes(), this.observer);
		Batcher.Overflow overflow = this.settings.dropOldest() ? new DropOldest() : null;
		this.batcher = new Batcher(this.settings.batchLimit(), this.settings.flushInterval(), gate, scheduler,
				delivery::deliver, overflow);
		this.drainWorker = scheduler.createWorker();
		// Events offered before now waited in the queue.
		signal();
	}

	/**
	 * Stop accepting events, send what is queued within the shutdown timeout, and release
	 * the thread. Logs how many events could not be sent, and the drops not reported yet.
	 */
	public synchronized void stop() {
		Batcher batcher = this.batcher;
		Scheduler.Worker worker = this.drainWorker;
		if (batcher == null || worker == null) {
			return;
		}
		this.accepting = false;
		// Publishers that got past the check finish their offer: then every accepted event is
		// in the queue, and the drain task completes the batcher once it has taken the last.
		while (this.offering.sum() != 0) {
			Thread.onSpinWait();
		}
		this.completing = true;
		signal();
		Duration timeout = this.settings.shutdownTimeout();
		boolean sent = awaitSettled(this.accepted.get(), timeout);
		worker.dispose();
		batcher.dispose();
		this.drainWorker = null;
		this.batcher = null;
		this.draining.set(false);
		if (this.providedScheduler == null && this.scheduler != null) {
			this.scheduler.dispose();
			awaitThreadEnd();
		}
		this.scheduler = null;
		this.status.stopped();
		this.stoppedWarning.stop();
		this.overflowWarning.stop();
		if (!sent) {
			logger.warn(this.pending.get() + " events could not be sent to " + this.settings.displayUrl()
					+ " within datasette.events-forward.shutdown-timeout (" + timeout + ") and are lost");
		}
	}

	private Thread newThread(Runnable task) {
		Thread thread = new ForwarderThread(task, THREAD_NAME + "-" + THREADS.incrementAndGet());
		this.thread = thread;
		return thread;
	}

	// dispose() only interrupts the thread: wait until it has ended, so that no thread of the
	// forwarder outlives the context (servlet containers report those as leaks).
	private void awaitThreadEnd() {
		Thread thread = this.thread;
		this.thread = null;
		if (thread == null || thread == Thread.currentThread()) {
			return;
		}
		try {
			thread.join(THREAD_END_TIMEOUT.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Return whether the pipeline is running.
	 * @return whether it was started and not stopped since
	 */
	public synchronized boolean isRunning() {
		return this.batcher != null;
	}

	private boolean awaitSettled(long target, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.outcomes) {
			while (this.settled.get() < target) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				try {
					this.outcomes.wait(Math.max(1, remaining / 1_000_000));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
			}
			return true;
		}
	}

	private @Nullable EncodedRow toRow(CapturedEvent captured) {
		try {
			return this.bodyWriter.encode(this.rows.create(captured));
		}
		catch (RuntimeException ex) {
			Class<?> type = captured.event().getClass();
			if (this.unmappableTypes.add(type)) {
				logger.error("Skipping events of type " + type.getName() + ": they cannot be mapped to a row ("
						+ ex.getMessage() + "). Further events of this type are skipped and counted as failed"
						+ " without another log entry", ex);
			}
			this.failed.incrementAndGet();
			this.observer.deadLettered(ForwarderObserver.DeadLetterCause.UNMAPPABLE, 1);
			settle(1);
			return null;
		}
	}

	private void settle(long events) {
		this.pending.addAndGet(-events);
		this.settled.addAndGet(events);
		synchronized (this.outcomes) {
			this.outcomes.notifyAll();
		}
	}

	/**
	 * Counts what deliveries end in, and hands dead letters on.
	 */
	private final class Outcomes implements Delivery.Outcomes {

		@Override
		public void delivered(List<EventRow> rows) {
			ForwardingPipeline.this.delivered.addAndGet(rows.size());
			settle(rows.size());
		}

		@Override
		public void deadLettered(List<EventRow> rows, ForwarderObserver.DeadLetterCause cause, String reason,
				int status) {
			for (EventRow row : rows) {
				logger.error("Gave up on event " + row.id() + " (" + row.event() + "), not delivered to "
						+ ForwardingPipeline.this.settings.displayUrl() + ": " + reason);
				DeadLetter deadLetter = new DeadLetter(row, reason, status);
				for (DeadLetterHandler handler : ForwardingPipeline.this.deadLetterHandlers) {
					try {
						handler.handle(deadLetter);
					}
					catch (RuntimeException ex) {
						logger.warn("Dead letter handler " + handler + " failed on event " + row.id(), ex);
					}
				}
			}
			// Counted once the handlers are done, so that flush() and the counts cover them.
			ForwardingPipeline.this.failed.addAndGet(rows.size());
			ForwardingPipeline.this.observer.deadLettered(cause, rows.size());
			settle(rows.size());
		}

	}

	/**
	 * The forwarder's thread: a daemon, on which blocking calls fail as on Reactor's own.
	 */
	private static final class ForwarderThread extends Thread implements NonBlocking {

		ForwarderThread(Runnable task, String name) {
			super(task, name);
			setDaemon(true);
		}

	}

	/**
	 * With {@code buffer-overflow: drop-oldest}, makes room for new events by dropping the
	 * oldest ones that wait for a batch.
	 */
	private final class DropOldest implements Batcher.Overflow {

		@Override
		public boolean isOver() {
			return ForwardingPipeline.this.pending.get() > ForwardingPipeline.this.settings.bufferCapacity();
		}

		@Override
		public void evicted() {
			evict();
		}

	}

}
