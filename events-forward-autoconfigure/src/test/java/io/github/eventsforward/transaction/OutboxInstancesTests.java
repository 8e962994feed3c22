package io.github.eventsforward.transaction;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.example.shop.OrderPlaced;
import com.zaxxer.hikari.HikariDataSource;
import io.github.eventsforward.BatchSender;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of an application share one outbox on a real PostgreSQL: every row is
 * delivered once, none by both, and the rows of an instance that dies holding them are sent
 * by the other once their lease has run out.
 */
class OutboxInstancesTests {

	private static final int EVENTS_EACH = 10_000;

	private static final int PER_TRANSACTION = 100;

	private static HikariDataSource dataSource;

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	@BeforeAll
	static void createDatabase() {
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(PostgresServer.freshDatabase());
		dataSource.setMaximumPoolSize(8);
		new JdbcTemplate(dataSource).execute("CREATE TABLE orders (id VARCHAR(40) PRIMARY KEY)");
	}

	@AfterAll
	static void closePool() {
		dataSource.close();
	}

	@Test
	void twoInstancesDeliverEveryRowOnceAndTheSurvivorSendsWhatTheDeadOneHeld() throws Exception {
		AtomicBoolean dead = new AtomicBoolean();
		instance().withBean(BeanPostProcessor.class, () -> hangingOnceDead(dead)).run((first) -> {
			instance().run((second) -> {
				EventsForwarder one = first.getBean(EventsForwarder.class);
				EventsForwarder two = second.getBean(EventsForwarder.class);
				CompletableFuture<Void> publishingOne = CompletableFuture.runAsync(() -> placeOrders(first, "a"));
				CompletableFuture<Void> publishingTwo = CompletableFuture.runAsync(() -> placeOrders(second, "b"));
				// Half-way through the events, the first instance stops answering: its batch in
				// flight is never acknowledged, and its lease on those rows is never released.
				waiting().atMost(Duration.ofMinutes(2))
					.until(() -> one.counts().delivered() + two.counts().delivered() >= EVENTS_EACH);
				dead.set(true);
				publishingOne.get();
				publishingTwo.get();
				waiting().atMost(Duration.ofMinutes(2)).until(() -> this.datasette.rows("datasette_events").size()
						== 2 * EVENTS_EACH);
				long deliveredAfterDeath = one.counts().delivered();
				assertThat(deliveredAfterDeath).as("the first stopped half-way").isLessThan(2L * EVENTS_EACH);
				assertThat(two.counts().delivered()).as("the second sent the rest, the held rows included")
					.isEqualTo(2L * EVENTS_EACH - deliveredAfterDeath);
				List<String> sent = rowIdsSent();
				System.out.printf("Two instances: %d rows sent, first instance %d (then dead), second %d, in %d"
						+ " requests%n", sent.size(), deliveredAfterDeath, two.counts().delivered(),
						this.datasette.requestBodies().size());
				assertThat(sent).as("no row sent by both").hasSize(2 * EVENTS_EACH).doesNotHaveDuplicates();
				assertThat(orderIds()).hasSize(2 * EVENTS_EACH);
			});
		});
		Long left = new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM datasette_events_outbox",
				Long.class);
		assertThat(left).isZero();
	}

	private void placeOrders(ApplicationEventPublisher publisher, String prefix) {
		TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		for (int from = 0; from < EVENTS_EACH; from += PER_TRANSACTION) {
			int first = from;
			transaction.executeWithoutResult((status) -> {
				for (int i = first; i < first + PER_TRANSACTION; i++) {
					String orderId = prefix + "-" + i;
					jdbc.update("INSERT INTO orders (id) VALUES (?)", orderId);
					publisher.publishEvent(new OrderPlaced(orderId, "alice", 1, BigDecimal.ONE));
				}
			});
		}
	}

	// Wraps the instance's sender: once dead, a request is never answered (and never made).
	private static BeanPostProcessor hangingOnceDead(AtomicBoolean dead) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof BatchSender sender) {
					return (BatchSender) (rows, body) -> dead.get() ? Mono.never() : sender.send(rows, body);
				}
				return bean;
			}
		};
	}

	private List<String> rowIdsSent() {
		List<String> ids = new ArrayList<>();
		for (String body : this.datasette.requestBodies()) {
			for (JsonNode row : JsonMapper.shared().readTree(body).path("rows")) {
				ids.add(row.path("id").asString());
			}
		}
		return ids;
	}

	private Set<String> orderIds() {
		Set<String> ids = new HashSet<>();
		this.datasette.rows("datasette_events")
			.forEach((row) -> ids.add(JsonMapper.shared().readTree(row.get("properties").asString())
				.path("orderId")
				.asString()));
		return ids;
	}

	private ApplicationContextRunner instance() {
		return ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(ForwarderContextRunner.quickDelivery(
					"datasette.events-forward.api-url=" + this.server.createUrl(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.batch-limit=100", "datasette.events-forward.outbox.enabled=true",
					"datasette.events-forward.outbox.initialize-schema=always",
					"datasette.events-forward.outbox.lease=1s", "datasette.events-forward.outbox.poll-interval=100ms",
					"datasette.events-forward.shutdown-timeout=500ms"))
			// Not the pool itself: a context closes the DataSource bean it was given.
			.withBean(DataSource.class, () -> new DelegatingDataSource(dataSource));
	}

}
