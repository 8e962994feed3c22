package io.github.eventsforward.sample;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.sample.shop.PageViewed;
import io.github.eventsforward.test.FakeDatasette;
import io.github.eventsforward.test.ReceivedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts the whole sample for real, with its event generator and its spool, forwarding to a
 * fake Datasette; uses it as a visitor would, closes it, and checks that every event it
 * published arrived once, with the columns it should have.
 */
class SampleApplicationEndToEndTests {

	private static final List<String> COLUMNS = List.of("id", "instance", "event", "created", "actor_id",
			"database_name", "table_name", "properties");

	@TempDir
	Path folder;

	@Test
	void everyPublishedEventArrivesExactlyOnce() throws Exception {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--sample.generator.enabled=true",
				"--sample.generator.interval=20ms", "--datasette.events-forward.spool.enabled=true",
				"--datasette.events-forward.spool.path=" + this.folder.resolve("events-spool")));
		try (FakeDatasette datasette = FakeDatasette.start("events", "dstok_end-to-end")) {
			datasette.forwarderProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
			ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class, Witness.class)
				.run(args.toArray(String[]::new));
			EventsForwarder forwarder = app.getBean(EventsForwarder.class);
			EventCounter witness = app.getBean(EventCounter.class);
			WebTestClient shop = WebTestClient.bindToServer()
				.baseUrl("http://localhost:" + app.getEnvironment().getProperty("local.server.port"))
				.build();
			shop.post().uri("/users?name=zoe&plan=pro").exchange().expectStatus().isCreated();
			shop.post().uri("/login?user=zoe&method=passkey").exchange().expectStatus().isOk();
			shop.post().uri("/orders?user=zoe&item=mug&quantity=3").exchange().expectStatus().isCreated();
			shop.post().uri("/tables?database=analytics&table=visits&user=zoe&columns=4")
				.exchange()
				.expectStatus()
				.isCreated();
			await().until(() -> witness.count(PageViewed.class) >= 10);
			assertThat(datasette).hasReceivedEvent("order-placed")
				.withActorId("zoe")
				.withProperty("item", "mug")
				.withProperty("quantity", 3)
				.withProperty("total", new BigDecimal("24.00"));
			String received = new String(shop.get().uri("/events/received?limit=5").exchange()
				.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
			String health = new String(shop.get().uri("/actuator/health/eventsForward").exchange()
				.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
			String prometheus = new String(shop.get().uri("/actuator/prometheus").exchange()
				.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
			String endpoint = new String(shop.get().uri("/actuator/eventsforward").exchange()
				.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent());
			app.close();

			List<ReceivedEvent> rows = datasette.rows("datasette_events");
			ForwardCounts counts = forwarder.counts();
			assertThat(counts.published()).isEqualTo(witness.total());
			assertThat(counts.delivered()).isEqualTo(counts.published());
			assertThat(rows).hasSize(witness.total());
			assertThat(rows).extracting(ReceivedEvent::id).doesNotHaveDuplicates();
			assertThat(rows).allSatisfy((row) -> {
				assertThat(JsonMapper.shared().readTree(row.toString()).propertyNames()).containsExactlyElementsOf(COLUMNS);
				assertThat(row.instance()).isEqualTo("sample-shop");
				assertThat(row.created()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00");
				assertThat(JsonMapper.shared().readTree(row.propertiesJson()).isObject()).isTrue();
			});
			assertThat(only(rows, "user-signed-up")).satisfies((signUp) -> {
				assertThat(signUp.actorId()).isEqualTo("zoe");
				assertThat(signUp.propertiesJson()).isEqualTo("{\"plan\":\"pro\"}");
			});
			assertThat(rows).filteredOn((row) -> "login".equals(row.event()) && "zoe".equals(row.actorId()))
				.singleElement()
				.satisfies((login) -> assertThat(login.propertiesJson()).isEqualTo("{\"method\":\"passkey\"}"));
			assertThat(only(rows, "table-created")).satisfies((table) -> {
				assertThat(table.databaseName()).isEqualTo("analytics");
				assertThat(table.tableName()).isEqualTo("visits");
				assertThat(table.actorId()).isEqualTo("zoe");
			});
			assertThat(datasette.requests()).allSatisfy((request) -> assertThat(request.header("Authorization"))
				.isEqualTo("Bearer dstok_end-to-end"));

			assertThat(JsonMapper.shared().readTree(health).path("status").asString()).isEqualTo("UP");
			assertThat(prometheus).contains(
					"datasette_events_forward_delivered_events_total{instance=\"sample-shop\"}",
					"datasette_events_forward_requests_seconds_count{instance=\"sample-shop\",outcome=\"success\",status=\"2xx\"}");
			assertThat(JsonMapper.shared().readTree(endpoint).at("/configuration/hasToken").asBoolean()).isTrue();
			assertThat(endpoint).doesNotContain("dstok_end-to-end");
			JsonNode page = JsonMapper.shared().readTree(received);
			assertThat(page.get("forwardingTo").asString()).isEqualTo(datasette.apiUrl());
			assertThat(page.at("/counts/published").asLong()).isPositive();
		}
	}

	private static ReceivedEvent only(List<ReceivedEvent> rows, String event) {
		List<ReceivedEvent> matching = rows.stream().filter((row) -> event.equals(row.event())).toList();
		assertThat(matching).as(event).hasSize(1);
		return matching.get(0);
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
