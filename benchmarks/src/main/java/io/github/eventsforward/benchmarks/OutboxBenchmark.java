package io.github.eventsforward.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventsForwarder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * 7. What a transaction pays per published event to make its events durable in the
 * application's own database, on one embedded PostgreSQL: with the starter's outbox
 * ({@code store=outbox}: a row in {@code datasette_events_outbox} per event, forwarded to a
 * local receiver meanwhile), with Spring Modulith's JDBC event publication registry and one
 * no-op {@code @TransactionalEventListener} ({@code store=modulith}: a publication row per
 * event, marked completed after the commit), and with neither ({@code store=none}: the
 * transaction alone). Each transaction inserts one row of the application's own and
 * publishes {@value #EVENTS} events; the figure is per event.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class OutboxBenchmark {

	static final int EVENTS = 10;

	@Param({ "outbox", "modulith", "none" })
	public String store;

	// Each event its own, as an application's are: Modulith finds a publication by its event.
	private int next;

	private EmbeddedPostgres postgres;

	private Receiver receiver;

	private ConfigurableApplicationContext context;

	private TransactionTemplate transaction;

	private JdbcClient jdbc;

	@Setup(Level.Trial)
	public void start() throws IOException {
		this.postgres = EmbeddedPostgres.start();
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", this.postgres.getJdbcUrl("postgres", "postgres"));
		properties.put("spring.datasource.username", "postgres");
		properties.put("spring.sql.init.mode", "never");
		Class<?> application = NoListener.class;
		if ("outbox".equals(this.store)) {
			this.receiver = new Receiver();
			properties.put("spring.autoconfigure.exclude", Contexts.NO_MODULITH);
			properties.put("datasette.events-forward.api-url", this.receiver.apiUrl());
			properties.put("datasette.events-forward.api-token", "benchmark");
			properties.put("datasette.events-forward.batch-limit", 100);
			properties.put("datasette.events-forward.max-rate", 1_000_000);
			properties.put("datasette.events-forward.time-period", "1s");
			properties.put("datasette.events-forward.outbox.enabled", true);
			properties.put("datasette.events-forward.outbox.initialize-schema", "always");
		}
		else if ("modulith".equals(this.store)) {
			properties.put("spring.autoconfigure.exclude", "");
			properties.put("spring.modulith.events.jdbc.schema-initialization.enabled", true);
			application = ModulithListener.class;
		}
		else {
			properties.put("spring.autoconfigure.exclude", Contexts.NO_MODULITH);
		}
		this.context = Contexts.start(application, properties);
		this.transaction = new TransactionTemplate(this.context.getBean(PlatformTransactionManager.class));
		this.jdbc = this.context.getBean(JdbcClient.class);
		this.jdbc.sql("CREATE TABLE IF NOT EXISTS orders (id BIGSERIAL PRIMARY KEY, item TEXT)").update();
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void placeOrder() {
		this.transaction.executeWithoutResult((status) -> {
			this.jdbc.sql("INSERT INTO orders (item) VALUES ('book')").update();
			for (int i = 0; i < EVENTS; i++) {
				this.context.publishEvent(OrderPlaced.number(this.next++));
			}
		});
	}

	@TearDown(Level.Iteration)
	public void report() {
		if (this.receiver != null) {
			EventsForwarder forwarder = this.context.getBean(EventsForwarder.class);
			System.out.printf("%n  [outbox] %s; receiver rows %d%n", forwarder.counts(), this.receiver.rows());
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		if (this.receiver != null) {
			this.context.getBean(EventsForwarder.class).flush(Duration.ofMinutes(1));
		}
		this.context.close();
		if (this.receiver != null) {
			this.receiver.close();
		}
		try {
			this.postgres.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class NoListener {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ModulithListener {

		@TransactionalEventListener
		public void on(OrderPlaced event) {
			// A listener that does nothing: what is measured is the registry.
		}

	}

}
