package io.github.eventsforward.transaction;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.testsupport.ChildJvm;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code kill -9} after a commit loses nothing: an application in a JVM of its own places
 * orders into a real PostgreSQL with the outbox on, and is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) mid-stream, some of its rows claimed and in flight; a
 * forwarder started on the same database sends every event of every committed order, once,
 * and no other.
 */
class OutboxCrashTests {

	private static final Pattern COMMITTED = Pattern.compile("committed (\\d+)");

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private String jdbcUrl;

	private HikariDataSource dataSource;

	private ChildJvm application;

	@BeforeEach
	void createDatabase() {
		this.jdbcUrl = PostgresServer.freshDatabase();
		this.dataSource = new HikariDataSource();
		this.dataSource.setJdbcUrl(this.jdbcUrl);
		new JdbcTemplate(this.dataSource).execute("CREATE TABLE orders (id VARCHAR(40) PRIMARY KEY)");
	}

	@AfterEach
	void stop() throws Exception {
		if (this.application != null) {
			this.application.kill();
		}
		this.dataSource.close();
	}

	@Test
	void everyCommittedEventIsDeliveredOnceAfterTheApplicationIsKilled() throws Exception {
		// Slow answers, so that the killed application holds rows in flight.
		this.datasette.alterNextAnswer((answer) -> answer.headersDelay(60, TimeUnit.SECONDS));
		start();
		waiting().atMost(Duration.ofSeconds(60)).until(() -> committed() >= 2_000);
		this.application.kill();
		long committed = committed();
		long ordersCommitted = count("SELECT COUNT(*) FROM orders");
		long inOutbox = count("SELECT COUNT(*) FROM datasette_events_outbox");
		long leased = count("SELECT COUNT(*) FROM datasette_events_outbox WHERE lease_until IS NOT NULL");

		ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(properties().toArray(String[]::new))
			.withBean(DataSource.class, () -> new DelegatingDataSource(this.dataSource))
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				waiting().atMost(Duration.ofSeconds(60))
					.until(() -> count("SELECT COUNT(*) FROM datasette_events_outbox") == 0);
				assertThat(forwarder.counts().recovered()).isEqualTo(inOutbox);
			});
		List<String> ids = deliveredOrders();
		System.out.printf("Outbox crash test: %d orders committed before the kill (%d reported), %d events"
				+ " in the outbox then, %d of them leased; %d delivered%n", ordersCommitted, committed, inOutbox, leased,
				ids.size());
		assertThat(committed).isGreaterThanOrEqualTo(2_000);
		assertThat(ids).as("each event once").doesNotHaveDuplicates();
		assertThat(new HashSet<>(ids)).as("the event of every committed order, and no other")
			.isEqualTo(committedOrders());
		assertThat(leased).as("some were in flight at the kill").isPositive();
	}

	private void start() throws IOException {
		List<String> arguments = new ArrayList<>(List.of(this.jdbcUrl));
		properties().forEach((property) -> arguments.add("--" + property));
		arguments.add("--logging.level.root=WARN");
		this.application = ChildJvm.start(OutboxApplication.class, arguments);
	}

	private List<String> properties() {
		return List.of("datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
				"datasette.events-forward.outbox.enabled=true", "datasette.events-forward.outbox.initialize-schema=always",
				"datasette.events-forward.outbox.lease=1s", "datasette.events-forward.outbox.poll-interval=100ms",
				"datasette.events-forward.batch-limit=100", "datasette.events-forward.flush-interval=50ms",
				"datasette.events-forward.max-rate=1000", "datasette.events-forward.time-period=1s",
				"datasette.events-forward.retry.initial-backoff=10ms", "datasette.events-forward.retry.max-backoff=50ms",
				"datasette.events-forward.shutdown-timeout=500ms", "spring.application.name=shop");
	}

	private long committed() {
		return this.application.largest((line) -> {
			Matcher matcher = COMMITTED.matcher(line);
			return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
		});
	}

	private long count(String sql) {
		Long count = new JdbcTemplate(this.dataSource).queryForObject(sql, Long.class);
		return (count != null) ? count : -1;
	}

	private Set<String> committedOrders() {
		return new HashSet<>(new JdbcTemplate(this.dataSource).queryForList("SELECT id FROM orders", String.class));
	}

	private List<String> deliveredOrders() {
		List<String> ids = new ArrayList<>();
		this.datasette.rows("datasette_events")
			.forEach((row) -> ids.add(JsonMapper.shared().readTree(row.get("properties").asString())
				.path("orderId")
				.asString()));
		return ids;
	}

}
