package io.github.eventsforward.transaction;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import javax.sql.DataSource;

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

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDelivered;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * With {@code outbox.enabled}, events are written to {@code datasette_events_outbox} in the
 * application's own database, in the transaction they are published in, and forwarded from
 * there: on H2 here, with the application's table beside it; two forwarders on one
 * PostgreSQL are in {@link OutboxInstancesTests}.
 */
class OutboxForwardingTests {

	private static final String TABLE = "datasette_events";

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final LogRecorder log = new LogRecorder("io.github.eventsforward");

	private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

	private final SwitchableDataSource dataSource = new SwitchableDataSource(this.url);

	private final JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);

	private final TransactionTemplate transaction = new TransactionTemplate(
			new DataSourceTransactionManager(this.dataSource));

	@BeforeEach
	void createShopTable() {
		this.log.attach();
		this.jdbc.execute("CREATE TABLE orders (id VARCHAR(40) PRIMARY KEY)");
	}

	@AfterEach
	void dropDatabase() {
		this.dataSource.up();
		this.jdbc.execute("SHUTDOWN");
		this.log.detach();
	}

	@Test
	void committedEventsAreForwardedFromTheOutboxAndRolledBackOnesNeverReachIt() {
		withOutbox().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			this.transaction.executeWithoutResult((status) -> {
				placeOrder(context, "o-1");
				placeOrder(context, "o-2");
				assertThat(outboxRows()).as("not visible before the commit, to another connection").isZero();
			});
			assertThatIllegalStateException().isThrownBy(() -> this.transaction.executeWithoutResult((status) -> {
				placeOrder(context, "o-rolled-back");
				throw new IllegalStateException("out of stock");
			}));
			placeOrder(context, "o-outside");
			awaitDelivered(forwarder, 3);
			assertThat(orderIds()).containsExactly("o-1", "o-2", "o-outside");
			waiting().until(() -> outboxRows() == 0);
			assertThat(forwarder.flush(Duration.ofSeconds(10))).isTrue();
			// queued is the table's count as the forwarder's thread last knew it: rows committed
			// while it read the table are counted twice until the next read.
			waiting().until(() -> forwarder.counts().queued() == 0);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(4, 3, 0, 0, 0, 0, 1));
			assertAddsUp(forwarder.counts());
		});
		assertThat(this.jdbc.queryForList("SELECT id FROM orders ORDER BY id", String.class))
			.containsExactly("o-1", "o-2", "o-outside");
	}

	@Test
	void aRowTheServerRefusesIsDeadLetteredAndLeavesTheOutbox() {
		this.datasette.rejectRows((row) -> row.path("properties").asString().contains("o-refused"),
				"CHECK constraint failed");
		withOutbox().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			this.transaction.executeWithoutResult((status) -> {
				placeOrder(context, "o-1");
				placeOrder(context, "o-refused");
				placeOrder(context, "o-2");
			});
			waiting().until(() -> forwarder.counts().failed() == 1 && forwarder.counts().delivered() == 2);
			waiting().until(() -> outboxRows() == 0);
			assertThat(orderIds()).containsExactly("o-1", "o-2");
		});
	}

	@Test
	void rowsLeftInTheOutboxDuringAnOutageAreSentByTheNextStartWithoutANewEvent() {
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		withOutbox("datasette.events-forward.shutdown-timeout=30s").run((context) -> {
			this.transaction.executeWithoutResult((status) -> {
				for (int i = 1; i <= 30; i++) {
					placeOrder(context, "o-" + i);
				}
			});
			waiting().until(() -> this.datasette.requestBodies().size() >= 2);
		});
		assertThat(this.log.messages(Level.INFO, "30 events stay in the outbox table datasette_events_outbox"))
			.hasSize(1);
		assertThat(outboxRows()).isEqualTo(30);
		assertThat(this.datasette.rows(TABLE)).isEmpty();

		this.datasette.acceptAll();
		withOutbox().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			awaitDelivered(forwarder, 30);
			assertThat(forwarder.counts().recovered()).isEqualTo(30);
		});
		assertThat(orderIds()).hasSize(30).doesNotHaveDuplicates();
		assertThat(outboxRows()).isZero();
		assertThat(this.log.messages(Level.INFO, "Found 30 events in the outbox table")).hasSize(1);
	}

	@Test
	void whileTheDatabaseIsDownTransactionsFailAsTheyWouldAndTheForwarderRecoversOnceItIsBack() {
		withOutbox().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			this.transaction.executeWithoutResult((status) -> placeOrder(context, "o-before"));
			awaitDelivered(forwarder, 1);
			this.dataSource.down();
			assertThatExceptionOfType(CannotCreateTransactionException.class).as("the application's own failure")
				.isThrownBy(() -> this.transaction.executeWithoutResult((status) -> placeOrder(context, "o-during")));
			context.publishEvent(new OrderPlaced("o-outside-during", "alice", 1, BigDecimal.ONE));
			assertThat(forwarder.counts().dropped()).as("outside a transaction: dropped, not thrown").isEqualTo(1);
			this.dataSource.up();
			this.transaction.executeWithoutResult((status) -> placeOrder(context, "o-after"));
			awaitDelivered(forwarder, 2);
			assertThat(orderIds()).containsExactly("o-before", "o-after");
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 2, 1, 0, 0));
		});
		assertThat(this.log.messages(Level.WARN, "the outbox could not be written")).isNotEmpty();
	}

	@Test
	void theTableIsCreatedInAnEmbeddedDatabaseAndItsAbsenceFailsStartUpWithTheScriptToRun() {
		withOutbox("datasette.events-forward.outbox.initialize-schema=never").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("datasette.events-forward.outbox.enabled")
				.hasMessageContaining("The outbox table datasette_events_outbox does not exist")
				.hasMessageContaining("classpath:io/github/eventsforward/outbox/schema-h2.sql")
				.hasMessageContaining("CREATE TABLE IF NOT EXISTS datasette_events_outbox (");
		});
		withOutbox().run((context) -> assertThat(context).hasNotFailed());
		assertThat(outboxRows()).isZero();
		withOutbox("datasette.events-forward.outbox.initialize-schema=never")
			.run((context) -> assertThat(context).as("the table is there now").hasNotFailed());
	}

	@Test
	void anOutboxWithoutADataSourceOrBesideTheSpoolFailsStartUpSayingWhatToDo() {
		forwarding("datasette.events-forward.outbox.enabled=true").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("datasette.events-forward.outbox.enabled")
				.hasMessageContaining("needs the application's DataSource");
		});
		withOutbox("datasette.events-forward.spool.enabled=true", "datasette.events-forward.spool.path=spool")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("cannot be set with spool.enabled"));
		withOutbox("datasette.events-forward.transaction-phase=none")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("cannot be set with transaction-phase none"));
	}

	private void placeOrder(ApplicationEventPublisher publisher, String orderId) {
		this.jdbc.update("INSERT INTO orders (id) VALUES (?)", orderId);
		publisher.publishEvent(new OrderPlaced(orderId, "alice", 1, BigDecimal.ONE));
	}

	// On a connection of its own, outside any transaction of the test's thread.
	private long outboxRows() {
		JdbcDataSource other = new JdbcDataSource();
		other.setURL(this.url);
		Long rows = new JdbcTemplate(other).queryForObject("SELECT COUNT(*) FROM datasette_events_outbox", Long.class);
		return (rows != null) ? rows : -1;
	}

	private List<String> orderIds() {
		return OrderEvents.orderIdsOf(this.datasette.rows(TABLE));
	}

	private ApplicationContextRunner withOutbox(String... properties) {
		return forwarding("datasette.events-forward.outbox.enabled=true",
				"datasette.events-forward.outbox.poll-interval=100ms")
			.withBean(DataSource.class, () -> this.dataSource)
			.withPropertyValues(properties);
	}

	private ApplicationContextRunner forwarding(String... properties) {
		return ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(ForwarderContextRunner.quickDelivery(
					"datasette.events-forward.api-url=" + this.server.createUrl(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN))
			.withPropertyValues(properties);
	}

	/**
	 * The application's database, which a test can take down and bring back: while it is
	 * down, no connection can be had, as when the server is unreachable.
	 */
	static final class SwitchableDataSource implements DataSource {

		private final JdbcDataSource target = new JdbcDataSource();

		private final AtomicBoolean down = new AtomicBoolean();

		SwitchableDataSource(String url) {
			this.target.setURL(url);
		}

		void down() {
			this.down.set(true);
		}

		void up() {
			this.down.set(false);
		}

		@Override
		public Connection getConnection() throws SQLException {
			if (this.down.get()) {
				throw new SQLException("Connection refused: the database is down", "08001");
			}
			return this.target.getConnection();
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return getConnection();
		}

		@Override
		public PrintWriter getLogWriter() {
			return this.target.getLogWriter();
		}

		@Override
		public void setLogWriter(PrintWriter out) {
			this.target.setLogWriter(out);
		}

		@Override
		public void setLoginTimeout(int seconds) {
			this.target.setLoginTimeout(seconds);
		}

		@Override
		public int getLoginTimeout() {
			return this.target.getLoginTimeout();
		}

		@Override
		public Logger getParentLogger() throws SQLFeatureNotSupportedException {
			throw new SQLFeatureNotSupportedException();
		}

		@Override
		public <T> T unwrap(Class<T> type) throws SQLException {
			throw new SQLException("Not a wrapper");
		}

		@Override
		public boolean isWrapperFor(Class<?> type) {
			return false;
		}

	}

}
