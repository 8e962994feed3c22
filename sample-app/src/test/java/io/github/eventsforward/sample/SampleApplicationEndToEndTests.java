package io.github.eventsforward.sample;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.sample.shop.PageViewed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.test.util.TestSocketUtils;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts the whole sample for real, uses it as a visitor would, closes it, and reads the
 * SQLite file the rows landed in.
 */
class SampleApplicationEndToEndTests {

	private static final List<String> COLUMNS = List.of("id", "instance", "event", "created", "actor_id",
			"database_name", "table_name", "properties");

	@TempDir
	Path folder;

	@Test
	void everyPublishedEventLandsInTheDatabaseFileExactlyOnce() throws Exception {
		int port = TestSocketUtils.findAvailableTcpPort();
		Path database = this.folder.resolve("events.db");
		ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class,
				Witness.class)
			.run("--server.port=" + port, "--sample.receiver.database-file=" + database,
					"--sample.generator.interval=20ms", "--datasette.events-forward.time-period=100ms",
					"--datasette.events-forward.flush-interval=50ms",
					"--datasette.events-forward.spool.path=" + this.folder.resolve("events-spool"));
		EventsForwarder forwarder = app.getBean(EventsForwarder.class);
		EventCounter witness = app.getBean(EventCounter.class);
		WebTestClient shop = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
		shop.post().uri("/users?name=zoe&plan=pro").exchange().expectStatus().isCreated();
		shop.post().uri("/login?user=zoe&method=passkey").exchange().expectStatus().isOk();
		shop.post().uri("/orders?user=zoe&item=mug&quantity=3").exchange().expectStatus().isCreated();
		shop.post().uri("/tables?database=analytics&table=visits&user=zoe&columns=4")
			.exchange()
			.expectStatus()
			.isCreated();
		await().until(() -> witness.count(PageViewed.class) >= 10);
		await().until(() -> forwarder.counts().delivered() >= 20);
		String received = new String(shop.get().uri("/events/received?limit=5").exchange()
			.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
		String health = new String(shop.get().uri("/actuator/health/eventsForward").exchange()
			.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
		String prometheus = new String(shop.get().uri("/actuator/prometheus").exchange()
			.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
		String endpoint = new String(shop.get().uri("/actuator/eventsforward").exchange()
			.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
		app.close();

		List<Map<String, Object>> rows = readRows(database);
		ForwardCounts counts = forwarder.counts();
		assertThat(counts.published()).isEqualTo(witness.total());
		assertThat(counts.delivered()).isEqualTo(counts.published());
		assertThat(rows).hasSize(witness.total());
		assertThat(rows).extracting((row) -> row.get("id")).doesNotHaveDuplicates();
		assertThat(rows).allSatisfy((row) -> {
			assertThat(row.keySet()).containsExactlyElementsOf(COLUMNS);
			assertThat(row.get("instance")).isEqualTo("sample-shop");
			assertThat((String) row.get("created")).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00");
			assertThat(JsonMapper.shared().readTree((String) row.get("properties")).isObject()).isTrue();
		});

		Map<String, Object> signUp = only(rows, "user-signed-up");
		assertThat(signUp.get("actor_id")).isEqualTo("zoe");
		assertThat(signUp.get("properties")).isEqualTo("{\"plan\":\"pro\"}");
		Map<String, Object> login = rows.stream()
			.filter((row) -> "login".equals(row.get("event")) && "zoe".equals(row.get("actor_id")))
			.findFirst()
			.orElseThrow();
		assertThat(login.get("properties")).isEqualTo("{\"method\":\"passkey\"}");
		Map<String, Object> table = only(rows, "table-created");
		assertThat(table).containsEntry("database_name", "analytics").containsEntry("table_name", "visits")
			.containsEntry("actor_id", "zoe");
		JsonNode order = rows.stream()
			.filter((row) -> "order-placed".equals(row.get("event")) && "zoe".equals(row.get("actor_id")))
			.map((row) -> JsonMapper.shared().readTree((String) row.get("properties")))
			.findFirst()
			.orElseThrow();
		assertThat(order.get("item").asString()).isEqualTo("mug");
		assertThat(order.get("quantity").asInt()).isEqualTo(3);
		assertThat(order.get("total").decimalValue()).isEqualByComparingTo("24.00");

		assertThat(JsonMapper.shared().readTree(health).path("status").asString()).isEqualTo("UP");
		assertThat(prometheus).contains("datasette_events_forward_delivered_events_total{instance=\"sample-shop\"}",
				"datasette_events_forward_requests_seconds_count{instance=\"sample-shop\",outcome=\"success\",status=\"2xx\"}");
		assertThat(JsonMapper.shared().readTree(endpoint).at("/configuration/hasToken").asBoolean()).isTrue();
		assertThat(endpoint).doesNotContain("dstok_sample-receiver-token");

		JsonNode page = JsonMapper.shared().readTree(received);
		assertThat(page.at("/counts/published").asLong()).isPositive();
		assertThat(page.get("newest")).hasSize(5);
		List<String> newestIds = new ArrayList<>();
		page.get("newest").forEach((row) -> newestIds.add(row.get("id").asString()));
		assertThat(newestIds).isSortedAccordingTo((a, b) -> b.compareTo(a));
	}

	private static Map<String, Object> only(List<Map<String, Object>> rows, String event) {
		List<Map<String, Object>> matching = rows.stream().filter((row) -> event.equals(row.get("event"))).toList();
		assertThat(matching).as(event).hasSize(1);
		return matching.get(0);
	}

	private static List<Map<String, Object>> readRows(Path database) throws Exception {
		List<Map<String, Object>> rows = new ArrayList<>();
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
				ResultSet result = connection.createStatement()
					.executeQuery("SELECT * FROM datasette_events ORDER BY id")) {
			ResultSetMetaData meta = result.getMetaData();
			while (result.next()) {
				Map<String, Object> row = new LinkedHashMap<>();
				for (int i = 1; i <= meta.getColumnCount(); i++) {
					row.put(meta.getColumnName(i), result.getObject(i));
				}
				rows.add(row);
			}
		}
		return rows;
	}

	/**
	 * Counts the shop's events as they are published: an independent witness of what the
	 * forwarder was given.
	 */
	@Configuration(proxyBeanMethods = false)
	static class Witness {

		@Bean
		EventCounter eventCounter() {
			return new EventCounter();
		}

	}

	static class EventCounter {

		private final Map<Class<?>, AtomicInteger> counts = new java.util.concurrent.ConcurrentHashMap<>();

		@EventListener
		void on(Object event) {
			Object payload = (event instanceof org.springframework.context.PayloadApplicationEvent<?> wrapped)
					? wrapped.getPayload() : event;
			if (payload.getClass().getPackageName().equals("io.github.eventsforward.sample.shop")) {
				this.counts.computeIfAbsent(payload.getClass(), (type) -> new AtomicInteger()).incrementAndGet();
			}
		}

		int count(Class<?> type) {
			AtomicInteger count = this.counts.get(type);
			return (count != null) ? count.get() : 0;
		}

		int total() {
			return this.counts.values().stream().mapToInt(AtomicInteger::get).sum();
		}

	}

}
