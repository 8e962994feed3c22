package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.github.eventsforward.BatchSender;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.ClassUtils;

/**
 * The forwarder: wires the parts together and runs them on a thread of its own between
 * {@link #start()} and {@link #stop()}.
 * <p>
 * An event goes from a publisher thread through the {@link HandOff} to the forwarder's
 * thread, which makes it a row ({@link RowEncoder}) and adds it to the {@link EventBuffer};
 * the {@link Batcher} cuts batches from the buffer when the rate limit allows, the
 * {@link Delivery} sends them through the {@link BatchSender} until every row has an
 * outcome, and {@link Accounting}, {@link DeadLetters} and {@link Drops} keep what became of
 * each event.
 */
public final class ForwardingPipeline implements EventsForwarder {

	private static final Log logger = LogFactory.getLog(ForwardingPipeline.class);

	private final ForwarderSettings settings;

	private final BatchSender sender;

	private final @Nullable Scheduler providedScheduler;

	private final ForwarderObserver observer;

	private final ForwarderStatus status;

	private final Accounting accounting = new Accounting();

	private final RequestBodyWriter bodyWriter;

	private final EventBuffer buffer;

	private final Drops drops;

	private final DeadLetters deadLetters;

	private final RowEncoder rows;

	private final HandOff handOff;

	// Holds events published in a transaction until it commits, when the settings ask for it
	// and Spring's transactions are on the class path.
	private final @Nullable AfterCommit afterCommit;

	// With outbox.enabled: the table, and what writes events to it on the publishing threads.
	private final @Nullable OutboxBuffer outbox;

	private final @Nullable OutboxWriter outboxWriter;

	// What runs while the forwarder is started: its thread and the parts that use it.
	private volatile @Nullable Run run;

	/**
	 * Create a pipeline that runs on a thread of its own once started.
	 * @param settings the settings
	 * @param mapper maps events to columns
	 * @param jsonMapper writes the {@code properties} column
	 * @param sender sends batches
	 * @param deadLetterHandlers called with each event given up on
	 * @param observer told what happens, for metrics
	 */
	public ForwardingPipeline(ForwarderSettings settings, EventRowMapper mapper, JsonMapper jsonMapper,
			BatchSender sender, List<DeadLetterHandler> deadLetterHandlers, ForwarderObserver observer) {
		this(settings, mapper, jsonMapper, sender, deadLetterHandlers, observer, null);
	}

	/**
	 * Create a pipeline that runs on a thread of its own once started, with its outbox in a
	 * database when the settings ask for one.
	 * @param settings the settings
	 * @param mapper maps events to columns
	 * @param jsonMapper writes the {@code properties} column
	 * @param sender sends batches
	 * @param deadLetterHandlers called with each event given up on
	 * @param observer told what happens, for metrics
	 * @param outboxDataSource the application's database, for {@code outbox.enabled}
	 * @throws UnusableOutboxException when the outbox is asked for and cannot be used
	 */
	public ForwardingPipeline(ForwarderSettings settings, EventRowMapper mapper, JsonMapper jsonMapper,
			BatchSender sender, List<DeadLetterHandler> deadLetterHandlers, ForwarderObserver observer,
			@Nullable DataSource outboxDataSource) {
		this(settings, new RowFactory(mapper, jsonMapper, settings.instance()), sender, deadLetterHandlers, null,
				Clock.systemUTC(), observer,
				// Only then: without the outbox, spring-jdbc need not be on the class path.
				settings.outbox().enabled() ? OutboxStore.open(outboxDataSource, settings) : null);
	}

	ForwardingPipeline(ForwarderSettings settings, RowFactory rows, BatchSender sender,
			List<DeadLetterHandler> deadLetterHandlers, @Nullable Scheduler scheduler, Clock clock) {
		this(settings, rows, sender, deadLetterHandlers, scheduler, clock, ForwarderObserver.NONE);
	}

	ForwardingPipeline(ForwarderSettings settings, RowFactory rows, BatchSender sender,
			List<DeadLetterHandler> deadLetterHandlers, @Nullable Scheduler scheduler, Clock clock,
			ForwarderObserver observer) {
		this(settings, rows, sender, deadLetterHandlers, scheduler, clock, observer, null);
	}

	ForwardingPipeline(ForwarderSettings settings, RowFactory rows, BatchSender sender,
			List<DeadLetterHandler> deadLetterHandlers, @Nullable Scheduler scheduler, Clock clock,
			ForwarderObserver observer, @Nullable OutboxStore outbox) {
		this.settings = settings;
		this.sender = sender;
		this.providedScheduler = scheduler;
		this.observer = observer;
		this.status = new ForwarderStatus(clock);
		this.bodyWriter = new RequestBodyWriter(settings.endpoint(), settings.table());
		this.outbox = (outbox != null)
				? new OutboxBuffer(outbox, this.bodyWriter, settings.outbox().pollInterval()) : null;
		this.buffer = (this.outbox != null) ? this.outbox : EventBuffer.of(settings, this.bodyWriter, clock);
		this.drops = new Drops(settings, this.accounting, observer, this.status);
		this.deadLetters = new DeadLetters(deadLetterHandlers, this.accounting, observer, settings.displayUrl());
		this.rows = new RowEncoder(rows, this.bodyWriter, this.deadLetters);
		this.handOff = new HandOff(clock, this.accounting, this.buffer, this.drops, settings.buffer().dropOldest());
		if (outbox != null && this.outbox != null) {
			// The outbox counts what it found itself, and follows the transaction by its nature.
			this.outboxWriter = new OutboxWriter(outbox, rows, this.handOff, this.accounting, this.deadLetters,
					this.drops, this.outbox);
			this.afterCommit = null;
		}
		else {
			this.outboxWriter = null;
			this.accounting.recovered(this.buffer.recovered());
			this.afterCommit = (settings.transactionPhase() == ForwarderSettings.TransactionPhase.AFTER_COMMIT
					&& ClassUtils.isPresent(AfterCommit.TRANSACTIONS_CLASS, getClass().getClassLoader()))
							? new AfterCommit(this.handOff, this.accounting) : null;
		}
	}

	/**
	 * Accept an event from a publisher thread. Never blocks and never throws: when the
	 * buffer is full or the forwarder has stopped, the event is dropped and counted. In a
	 * transaction, the event waits for its commit, if the settings say so.
	 * @param event the event or payload to forward
	 */
	public void offer(Object event) {
		OutboxWriter outboxWriter = this.outboxWriter;
		if (outboxWriter != null) {
			outboxWriter.write(event);
			return;
		}
		AfterCommit afterCommit = this.afterCommit;
		if (afterCommit == null || !afterCommit.hold(event)) {
			this.handOff.offer(event);
		}
	}

	@Override
	public boolean flush(Duration timeout) {
		OutboxBuffer outbox = this.outbox;
		return (outbox != null) ? outbox.awaitEmptied(timeout) : this.accounting.awaitOutcomes(timeout);
	}

	@Override
	public ForwardCounts counts() {
		OutboxWriter outboxWriter = this.outboxWriter;
		OutboxBuffer outbox = this.outbox;
		return (outboxWriter != null && outbox != null)
				? this.accounting.outboxCounts(outboxWriter.published(), outbox.inTable(), outbox.recovered())
				: this.accounting.counts();
	}

	@Override
	public long queuedBytes() {
		return this.buffer.bytes();
	}

	@Override
	public ForwarderState state() {
		return this.status.get();
	}

	@Override
	public Duration oldestQueuedAge() {
		Run run = this.run;
		long since = this.buffer.oldestArrival();
		return (run == null || since == EventBuffer.NONE) ? Duration.ZERO
				: Duration.ofNanos(Math.max(0, run.scheduler.now(TimeUnit.NANOSECONDS) - since));
	}

	EventBuffer buffer() {
		return this.buffer;
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
		if (this.run != null) {
			return;
		}
		Run run = new Run();
		this.status.started();
		this.drops.start(run.scheduler);
		this.run = run;
		// On the forwarder's thread, before the events offered meanwhile: rows left in a spool
		// go first.
		run.drainWorker.schedule(() -> {
			this.buffer.start(run.scheduler, run.batcher::rowsAdded);
			run.batcher.rowsAdded();
		});
		this.handOff.open(run.drainWorker, run);
	}

	/**
	 * Stop accepting events, send what is queued within the shutdown timeout, and release
	 * the thread. Logs how many events could not be sent, and the drops not reported yet.
	 */
	public synchronized void stop() {
		Run run = this.run;
		if (run == null) {
			return;
		}
		// Once closed, every accepted event is in the hand-off, and the batcher is told what
		// to do once the last has reached it: send what is left, or, when the buffer keeps it,
		// finish the request in flight.
		this.handOff.close();
		Duration timeout = this.settings.shutdownTimeout();
		boolean done = this.buffer.durable() ? run.awaitIdle(timeout) : this.accounting.awaitOutcomes(timeout);
		run.dispose();
		this.handOff.detach();
		// Sent at the next start, if there is one.
		this.buffer.requeue();
		this.buffer.close();
		this.run = null;
		this.status.stopped();
		this.drops.stop();
		long left = (this.outbox != null) ? this.outbox.inTable() : this.accounting.pending();
		long held = this.accounting.held();
		if (held > 0) {
			logger.warn(held + " events wait for transactions that have not ended; the forwarder has stopped, so they"
					+ " are dropped if those commit");
		}
		if (this.buffer.durable() && left > 0) {
			logger.info(left + " events stay in " + this.buffer.describe() + " and are sent "
					+ ((this.outbox != null) ? "by the next forwarder that reads it" : "at the next start"));
		}
		else if (!done) {
			logger.warn(left + " events could not be sent to " + this.settings.displayUrl()
					+ " within datasette.events-forward.shutdown-timeout (" + timeout + ") and are lost");
		}
	}

	/**
	 * Return whether the pipeline is running.
	 * @return whether it was started and not stopped since
	 */
	public boolean isRunning() {
		return this.run != null;
	}

	/**
	 * One run of the forwarder: its scheduler, the tasks on it, and where the events the
	 * hand-off drains go.
	 */
	private final class Run implements HandOff.Sink {

		private final Scheduler scheduler;

		private final Scheduler.Worker drainWorker;

		private final Batcher batcher;

		private final CountDownLatch idle = new CountDownLatch(1);

		private final ForwarderThread.@Nullable Own own;

		// Rows are made from events only this far ahead of the batches being sent, so that a
		// backlog waits as the events that were published, a fraction of the heap of their
		// rows, and the forwarder's thread maps each event only once it is about to go. Not
		// with a spool, which keeps every row as soon as it is made, nor with drop-oldest,
		// whose buffer makes room by evicting rows.
		private final int rowsAhead;

		Run() {
			Scheduler provided = ForwardingPipeline.this.providedScheduler;
			this.own = (provided != null) ? null : new ForwarderThread.Own();
			this.scheduler = (this.own != null) ? this.own.scheduler() : Objects.requireNonNull(provided);
			ForwarderSettings settings = ForwardingPipeline.this.settings;
			RateGate gate = new RateGate(settings.maxRate(), settings.timePeriod(), this.scheduler);
			Delivery delivery = new Delivery(settings, ForwardingPipeline.this.bodyWriter,
					ForwardingPipeline.this.sender, gate, this.scheduler, ForwardingPipeline.this.status,
					ForwardingPipeline.this.observer);
			this.batcher = new Batcher(settings.batchLimit(), settings.maxInFlight(), settings.flushInterval(),
					ForwardingPipeline.this.buffer, gate, delivery, ForwardingPipeline.this.accounting, ForwardingPipeline.this.deadLetters,
					this.scheduler);
			this.drainWorker = this.scheduler.createWorker();
			EventBuffer buffer = ForwardingPipeline.this.buffer;
			this.rowsAhead = (buffer.durable() || settings.buffer().dropOldest()) ? Integer.MAX_VALUE
					: 2 * settings.batchLimit() * settings.maxInFlight();
			this.batcher.onRowsTaken(ForwardingPipeline.this.handOff::resume);
		}

		@Override
		public boolean wantsMore() {
			return ForwardingPipeline.this.buffer.size() < this.rowsAhead;
		}

		@Override
		public void take(CapturedEvent event) {
			int evicted = ForwardingPipeline.this.rows.add(event, this.scheduler, ForwardingPipeline.this.buffer);
			if (evicted > 0) {
				ForwardingPipeline.this.drops.evicted(evicted);
			}
			if (evicted >= 0) {
				this.batcher.rowsAdded();
			}
		}

		@Override
		public void ended() {
			if (ForwardingPipeline.this.buffer.durable()) {
				this.batcher.finish(this.idle::countDown);
			}
			else {
				this.batcher.complete();
			}
		}

		boolean awaitIdle(Duration timeout) {
			try {
				return this.idle.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}

		void dispose() {
			this.drainWorker.dispose();
			this.batcher.dispose();
			if (this.own != null) {
				this.own.dispose();
			}
		}

	}

}
