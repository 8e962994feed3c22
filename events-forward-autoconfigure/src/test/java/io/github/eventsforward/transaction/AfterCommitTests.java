package io.github.eventsforward.transaction;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Level;
import com.example.shop.OrderPlaced;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.LogRecorder;
import io.github.eventsforward.testsupport.OrderEvents;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDelivered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * With {@code transaction-phase: after-commit}, the default, an event published in a
 * Spring-managed transaction is forwarded once the transaction commits and never if it rolls
 * back, against a real {@link DataSourceTransactionManager} on H2 with the application's
 * own table beside it.
 */
class AfterCommitTests {

	private static final String TABLE = "datasette_events";

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final LogRecorder log = new LogRecorder("io.github.eventsforward");

	private final JdbcDataSource dataSource = new JdbcDataSource();

	private DataSourceTransactionManager transactions;

	private JdbcTemplate jdbc;

	@BeforeEach
	void createShopDatabase() {
		this.log.attach();
		this.dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		this.transactions = new DataSourceTransactionManager(this.dataSource);
		this.transactions.setNestedTransactionAllowed(true);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.jdbc.execute("CREATE TABLE orders (id VARCHAR(40) PRIMARY KEY)");
	}

	@AfterEach
	void dropShopDatabase() {
		this.jdbc.execute("SHUTDOWN");
		this.log.detach();
	}

	@Test
	void aCommittedTransactionsEventsAreForwardedOnceItCommitsWithTheirPublishTime() {
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED, () -> {
				placeOrder(context, "o-1");
				placeOrder(context, "o-2");
				assertThat(TransactionSynchronizationManager.getSynchronizations()).as("one for the transaction")
					.hasSize(1);
				assertThat(forwarder.counts()).as("waiting for the commit")
					.isEqualTo(new ForwardCounts(2, 0, 0, 0, 2));
				assertThat(forwarder.flush(Duration.ZERO)).as("nothing accepted yet to wait for").isTrue();
				// Published later, outside the transaction, and delivered before its commit.
				CompletableFuture.runAsync(() -> context
					.publishEvent(new OrderPlaced("o-outside", "alice", 1, BigDecimal.ONE))).join();
				awaitDelivered(forwarder, 1);
				assertThat(orderIds()).containsExactly("o-outside");
			});
			awaitDelivered(forwarder, 3);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 3, 0, 0, 0));
			assertThat(orderIds()).containsExactly("o-outside", "o-1", "o-2");
			// The same fixed-width format throughout, so the text sorts as the time does.
			List<String> created = this.datasette.rows(TABLE).stream().map((row) -> row.get("created").asString()).toList();
			assertThat(List.of(created.get(1), created.get(2), created.get(0)))
				.as("o-1 and o-2 carry their publish time, before o-outside's, not their commit's")
				.isSorted();
		});
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class)).isEqualTo(2);
	}

	@Test
	void aRolledBackTransactionsEventsAreNeverForwardedAndAreCountedAsRolledBack() {
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertThatIllegalStateException().isThrownBy(() -> inTransaction(TransactionDefinition.PROPAGATION_REQUIRED,
					() -> {
						placeOrder(context, "o-1");
						placeOrder(context, "o-2");
						throw new IllegalStateException("out of stock");
					}));
			placeOrder(context, "o-outside");
			awaitDelivered(forwarder, 1);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 1, 0, 0, 0, 0, 2));
			assertAddsUp(forwarder.counts());
			assertThat(orderIds()).containsExactly("o-outside");
		});
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class)).isEqualTo(1);
		assertThat(this.log.events()).as("nothing logged per event").noneMatch((event) -> event.getLevel()
			.isGreaterOrEqual(Level.INFO) && event.getFormattedMessage().contains("o-"));
	}

	@Test
	void aRollbackOnlyTransactionsEventsAreCountedAsRolledBack() {
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			new TransactionTemplate(this.transactions).executeWithoutResult((status) -> {
				placeOrder(context, "o-1");
				status.setRollbackOnly();
			});
			placeOrder(context, "o-2");
			awaitDelivered(forwarder, 1);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(2, 1, 0, 0, 0, 0, 1));
			assertThat(orderIds()).containsExactly("o-2");
		});
		assertThat(this.jdbc.queryForList("SELECT id FROM orders", String.class)).containsExactly("o-2");
	}

	@Test
	void aRequiresNewTransactionCommitsItsOwnEventsWhateverBecomesOfTheOuterOne() {
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertThatIllegalStateException().isThrownBy(() -> inTransaction(TransactionDefinition.PROPAGATION_REQUIRED,
					() -> {
						placeOrder(context, "o-outer-rolled-back");
						inTransaction(TransactionDefinition.PROPAGATION_REQUIRES_NEW,
								() -> placeOrder(context, "o-inner-committed"));
						throw new IllegalStateException("outer fails");
					}));
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED, () -> {
				placeOrder(context, "o-outer-committed");
				assertThatIllegalStateException()
					.isThrownBy(() -> inTransaction(TransactionDefinition.PROPAGATION_REQUIRES_NEW, () -> {
						placeOrder(context, "o-inner-rolled-back");
						throw new IllegalStateException("inner fails");
					}));
			});
			awaitDelivered(forwarder, 2);
			assertThat(orderIds()).containsExactly("o-inner-committed", "o-outer-committed");
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(4, 2, 0, 0, 0, 0, 2));
		});
		assertThat(this.jdbc.queryForList("SELECT id FROM orders ORDER BY id", String.class))
			.containsExactly("o-inner-committed", "o-outer-committed");
	}

	@Test
	void aNestedTransactionRolledBackToItsSavepointTakesItsEventsWithIt() {
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED, () -> {
				placeOrder(context, "o-before");
				assertThatIllegalStateException()
					.isThrownBy(() -> inTransaction(TransactionDefinition.PROPAGATION_NESTED, () -> {
						placeOrder(context, "o-nested-rolled-back");
						throw new IllegalStateException("nested fails");
					}));
				inTransaction(TransactionDefinition.PROPAGATION_NESTED, () -> placeOrder(context, "o-nested-kept"));
				placeOrder(context, "o-after");
			});
			// A savepoint set before the transaction's first event.
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED, () -> assertThatIllegalStateException()
				.isThrownBy(() -> inTransaction(TransactionDefinition.PROPAGATION_NESTED, () -> {
					placeOrder(context, "o-only-nested-rolled-back");
					throw new IllegalStateException("nested fails");
				})));
			awaitDelivered(forwarder, 3);
			assertThat(orderIds()).containsExactly("o-before", "o-nested-kept", "o-after");
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(5, 3, 0, 0, 0, 0, 2));
		});
		assertThat(this.jdbc.queryForList("SELECT id FROM orders ORDER BY id", String.class))
			.containsExactlyInAnyOrder("o-before", "o-nested-kept", "o-after");
	}

	@Test
	void eventsPublishedInAnotherSynchronizationsAfterCommitAreForwarded() {
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			// The transaction has events of its own already.
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED, () -> {
				placeOrder(context, "o-in-transaction");
				publishAfterCommit(context, "o-after-commit-1");
			});
			// Its only event comes in afterCommit.
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED,
					() -> publishAfterCommit(context, "o-after-commit-2"));
			// And in afterCompletion, when synchronization is over.
			inTransaction(TransactionDefinition.PROPAGATION_REQUIRED, () -> TransactionSynchronizationManager
				.registerSynchronization(new TransactionSynchronization() {
					@Override
					public void afterCompletion(int status) {
						placeOrder(context, "o-after-completion");
					}
				}));
			awaitDelivered(forwarder, 4);
			assertThat(orderIds()).containsExactlyInAnyOrder("o-in-transaction", "o-after-commit-1",
					"o-after-commit-2", "o-after-completion");
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(4, 4, 0, 0, 0));
		});
	}

	@Test
	void aTransactionStillOpenWhenTheContextClosesHasItsEventsDroppedIfItCommitsLater() {
		TransactionStatus[] open = new TransactionStatus[1];
		EventsForwarder[] forwarder = new EventsForwarder[1];
		forwarding().run((context) -> {
			forwarder[0] = context.getBean(EventsForwarder.class);
			open[0] = this.transactions.getTransaction(new DefaultTransactionDefinition());
			placeOrder(context, "o-1");
			placeOrder(context, "o-2");
			assertThat(forwarder[0].counts().queued()).isEqualTo(2);
		});
		assertThat(this.log.messages(Level.WARN, "2 events wait for transactions that have not ended")).hasSize(1);
		this.transactions.commit(open[0]);
		assertThat(forwarder[0].counts()).as("dropped, as the forwarder had stopped")
			.isEqualTo(new ForwardCounts(2, 0, 2, 0, 0));
		assertThat(this.datasette.rows(TABLE)).isEmpty();
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class)).isEqualTo(2);
	}

	@Test
	void withTransactionPhaseNoneEventsAreForwardedAtOnceWhateverBecomesOfTheTransaction() {
		forwarding().withPropertyValues("datasette.events-forward.transaction-phase=none").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertThatIllegalStateException().isThrownBy(() -> inTransaction(TransactionDefinition.PROPAGATION_REQUIRED,
					() -> {
						placeOrder(context, "o-1");
						assertThat(TransactionSynchronizationManager.getSynchronizations()).isEmpty();
						throw new IllegalStateException("rolled back");
					}));
			awaitDelivered(forwarder, 1);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(1, 1, 0, 0, 0));
			assertThat(orderIds()).containsExactly("o-1");
		});
	}

	private void publishAfterCommit(ApplicationEventPublisher publisher, String orderId) {
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				publisher.publishEvent(new OrderPlaced(orderId, "alice", 1, BigDecimal.ONE));
			}

			@Override
			public int getOrder() {
				// Before the forwarder's own synchronization, as an application's would be.
				return HIGHEST_PRECEDENCE;
			}
		});
	}

	// The business data and the event, in the transaction of the calling thread if any.
	private void placeOrder(ApplicationEventPublisher publisher, String orderId) {
		this.jdbc.update("INSERT INTO orders (id) VALUES (?)", orderId);
		publisher.publishEvent(new OrderPlaced(orderId, "alice", 1, BigDecimal.ONE));
	}

	private void inTransaction(int propagation, Runnable work) {
		TransactionTemplate template = new TransactionTemplate(this.transactions);
		template.setPropagationBehavior(propagation);
		template.executeWithoutResult((status) -> work.run());
	}

	private List<String> orderIds() {
		return OrderEvents.orderIdsOf(this.datasette.rows(TABLE));
	}

	private ApplicationContextRunner forwarding() {
		return ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(ForwarderContextRunner.quickDelivery(
					"datasette.events-forward.api-url=" + this.server.createUrl(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN));
	}

}
