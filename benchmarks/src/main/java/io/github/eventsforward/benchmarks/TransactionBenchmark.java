package io.github.eventsforward.benchmarks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * 6. What {@code publishEvent(record)} costs in a transaction with
 * {@code transaction-phase: after-commit}: the starter holds the transaction's events in one
 * synchronization and offers them at its commit ({@code listener=starter}), against the
 * starter outside any transaction ({@code starterOutside}), a no-op
 * {@code @TransactionalEventListener} in the same transactions
 * ({@code transactionalListener}: Spring registers one synchronization per event for it),
 * and the transactions with no listener at all ({@code noListener}: what beginning and
 * committing them costs). Each transaction publishes {@value #PER_TRANSACTION} events.
 * <p>
 * The transaction manager holds no resource, so that what is measured is the
 * synchronization, not a database. As in {@link PublishBenchmark}, one iteration is one
 * timed burst and the forwarder drains between bursts, untimed; {@code dropped} must stay 0.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 100)
@Measurement(iterations = 50)
@Fork(2)
@State(Scope.Benchmark)
public class TransactionBenchmark {

	static final int BURST = 20_000;

	static final int PER_TRANSACTION = 10;

	@Param({ "starter", "starterOutside", "transactionalListener", "noListener" })
	public String listener;

	private final OrderPlaced event = OrderPlaced.number(42);

	private final PlatformTransactionManager transactions = new ResourcelessTransactionManager();

	private Receiver receiver;

	private ConfigurableApplicationContext context;

	private EventsForwarder forwarder;

	private ForwardCounts last = new ForwardCounts(0, 0, 0, 0, 0);

	@Setup(Level.Trial)
	public void start() {
		if (this.listener.startsWith("starter")) {
			this.receiver = new Receiver();
			Map<String, Object> properties = new LinkedHashMap<>(Map.of("datasette.events-forward.buffer-capacity",
					10 * BURST, "datasette.events-forward.flush-interval", "20ms"));
			this.context = Contexts.forwarding(this.receiver.apiUrl(), properties);
			this.forwarder = this.context.getBean(EventsForwarder.class);
		}
		else if ("transactionalListener".equals(this.listener)) {
			this.context = Contexts.transactionalListener();
		}
		else {
			this.context = Contexts.noListener();
		}
	}

	@Benchmark
	@OperationsPerInvocation(BURST)
	public void publish() {
		ConfigurableApplicationContext publisher = this.context;
		OrderPlaced event = this.event;
		if ("starterOutside".equals(this.listener)) {
			for (int i = 0; i < BURST; i++) {
				publisher.publishEvent(event);
			}
			return;
		}
		for (int t = 0; t < BURST / PER_TRANSACTION; t++) {
			TransactionStatus status = this.transactions.getTransaction(TransactionDefinition.withDefaults());
			for (int i = 0; i < PER_TRANSACTION; i++) {
				publisher.publishEvent(event);
			}
			this.transactions.commit(status);
		}
	}

	@TearDown(Level.Iteration)
	public void drain() {
		if (this.forwarder == null) {
			return;
		}
		boolean drained = this.forwarder.flush(Duration.ofMinutes(5));
		ForwardCounts counts = this.forwarder.counts();
		System.out.printf("%n  [forwarder] iteration: published %d, delivered %d, dropped %d, rolled back %d%s%n",
				counts.published() - this.last.published(), counts.delivered() - this.last.delivered(),
				counts.dropped() - this.last.dropped(), counts.rolledBack() - this.last.rolledBack(),
				drained ? "" : " (NOT DRAINED)");
		this.last = counts;
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.context.close();
		if (this.receiver != null) {
			this.receiver.close();
		}
	}

	/**
	 * Real transactions, with synchronization, over no resource.
	 */
	static final class ResourcelessTransactionManager extends AbstractPlatformTransactionManager {

		@Override
		protected Object doGetTransaction() {
			return new Object();
		}

		@Override
		protected void doBegin(Object transaction, TransactionDefinition definition) {
			// Nothing to begin: no resource.
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
			// Nothing to commit.
		}

		@Override
		protected void doRollback(DefaultTransactionStatus status) {
			// Nothing to roll back.
		}

	}

}
