package io.github.eventsforward.test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.eventsforward.test.WriteApiClient.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;

import static io.github.eventsforward.test.WriteApiClient.createBody;
import static io.github.eventsforward.test.WriteApiClient.post;
import static io.github.eventsforward.test.WriteApiClient.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What a test does with the fake: read the rows, wait for them, assert on them, and make
 * the server misbehave.
 */
class FakeDatasetteTests {

	private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final FakeDatasette datasette = FakeDatasette.start();

	@AfterEach
	void stop() {
		this.datasette.close();
	}

	// The rows

	@Test
	void rowsAreTypedEventsInTheOrderTheyWereStored() {
		ObjectNode order = row().put("event", "order-placed")
			.put("actor_id", "alice")
			.put("database_name", "shop")
			.put("table_name", "orders")
			.put("created", "2026-11-26T23:59:01.123456+00:00")
			.put("properties", "{\"item\":\"mug\",\"quantity\":2,\"address\":{\"city\":\"Lyon\"}}");
		send(row(), order);

		List<ReceivedEvent> rows = this.datasette.rows();

		assertThat(rows).extracting(ReceivedEvent::event).containsExactly("page-viewed", "order-placed");
		ReceivedEvent placed = rows.get(1);
		assertThat(placed.table()).isEqualTo("datasette_events");
		assertThat(placed.id()).isEqualTo(order.get("id").asString());
		assertThat(placed.instance()).isEqualTo("shop");
		assertThat(placed.actorId()).isEqualTo("alice");
		assertThat(placed.databaseName()).isEqualTo("shop");
		assertThat(placed.tableName()).isEqualTo("orders");
		assertThat(placed.createdAt())
			.isEqualTo(OffsetDateTime.of(2026, 11, 26, 23, 59, 1, 123_456_000, ZoneOffset.UTC));
		assertThat(placed.properties()).containsEntry("item", "mug").containsEntry("quantity", 2);
		assertThat(placed.property("address.city")).isEqualTo("Lyon");
		assertThat(placed.property("missing")).isNull();
		assertThat(placed.hasProperty("quantity", 2L)).isTrue();
		assertThat(placed.hasProperty("quantity", new BigDecimal("2.0"))).isTrue();
		assertThat(placed.hasProperty("quantity", 3)).isFalse();
		assertThat(placed.hasProperty("item", "mug")).isTrue();
		assertThat(placed.propertiesJson()).startsWith("{\"item\"");
	}

	@Test
	void awaitRowsReturnsOnceTheRowsAreStored() {
		CompletableFuture.runAsync(() -> send(row(), row(), row()));

		assertThat(this.datasette.awaitRows(3)).hasSize(3);
		assertThat(this.datasette.awaitRequests(1)).singleElement()
			.satisfies((request) -> {
				assertThat(request.method()).isEqualTo("POST");
				assertThat(request.path()).isEqualTo("/data/-/create");
				assertThat(request.status()).isEqualTo(201);
				assertThat(request.header("Authorization")).isEqualTo("Bearer " + FakeDatasette.DEFAULT_TOKEN);
				assertThat(request.bodyText()).contains("\"table\":\"datasette_events\"");
				assertThat(request.toString()).doesNotContain(FakeDatasette.DEFAULT_TOKEN);
			});
	}

	@Test
	void awaitRowsFailsWithWhatCameWhenTheRowsDoNotCome() {
		send(row());

		assertThatThrownBy(() -> this.datasette.awaitRows(2, Duration.ofMillis(50))).isInstanceOf(AssertionError.class)
			.hasMessageContaining("Expected the fake Datasette to store 2 rows within PT0.05S, but it stored 1")
			.hasMessageContaining("POST /data/-/create")
			.hasMessageContaining("page-viewed");
	}

	// Assertions

	@Test
	void assertionsFindTheRowThatMatchesEverythingAskedWhateverTheOrder() {
		CompletableFuture.runAsync(() -> {
			send(row().put("event", "order-placed").put("actor_id", "bob").put("properties", "{\"quantity\":2}"));
			send(row().put("event", "order-placed").put("actor_id", "alice").put("properties", "{\"quantity\":1}"));
			send(row().put("event", "order-placed").put("actor_id", "alice").put("properties", "{\"quantity\":2}"));
		});

		assertThat(this.datasette).hasReceivedEvent("order-placed")
			.withActorId("alice")
			.withProperty("quantity", 2)
			.satisfies((row) -> assertThat(row.instance()).isEqualTo("shop"));
		assertThat(this.datasette).hasReceivedRows(3).hasNotReceivedEvent("order-cancelled");
	}

	@Test
	void aFailedAssertionSaysWhatWasExpectedAndWhatArrived() {
		send(row().put("event", "order-placed").put("actor_id", "bob").put("properties", "{\"quantity\":2}"));

		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(this.datasette).within(Duration.ofMillis(50))
				.hasReceivedEvent("order-placed")
				.withActorId("alice"))
			.withMessageContaining("a row with event \"order-placed\" and actor_id \"alice\" within PT0.05S")
			.withMessageContaining("none of the 1 rows it stored matches")
			.withMessageContaining("\"actor_id\":\"bob\"");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(this.datasette).within(Duration.ofMillis(50)).hasReceivedRows(2));
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(this.datasette).hasNotReceivedEvent("order-placed"));
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThat(this.datasette).hasReceivedNothing());
	}

	// Faults

	@Test
	void failNextAnswersTheNextRequestsWithTheFaultThenAsUsual() {
		this.datasette.failNext(2, Fault.status(503));

		Answer first = send(row());
		Answer second = send(row());
		Answer third = send(row());

		assertThat(first.status()).isEqualTo(503);
		assertThat(first.error()).isEqualTo("Service Unavailable");
		assertThat(second.status()).isEqualTo(503);
		assertThat(third.status()).isEqualTo(201);
		assertThat(this.datasette.rows()).hasSize(1);
		assertThat(this.datasette.requests()).extracting(ReceivedRequest::status).containsExactly(503, 503, 201);
	}

	@Test
	void failAllAnswersEveryRequestUntilRecover() {
		this.datasette.failAll(Fault.status(500));
		assertThat(send(row()).status()).isEqualTo(500);
		assertThat(send(row()).status()).isEqualTo(500);

		this.datasette.recover();

		assertThat(send(row()).status()).isEqualTo(201);
	}

	@Test
	void invalidTokenAnswers401WithTheChallenge() {
		this.datasette.failNext(Fault.invalidToken());

		Answer answer = send(row());

		assertThat(answer.status()).isEqualTo(401);
		assertThat(answer.error()).isEqualTo("Invalid token signature");
		assertThat(answer.wwwAuthenticate()).isEqualTo("Bearer error=\"invalid_token\"");
	}

	@Test
	void tooManyRequestsAnswers429WithRetryAfterInWholeSeconds() {
		this.datasette.failNext(Fault.tooManyRequests(Duration.ofMillis(1500)));

		Answer answer = send(row());

		assertThat(answer.status()).isEqualTo(429);
		assertThat(answer.retryAfter()).isEqualTo("2");
		assertThat(this.datasette.rows()).isEmpty();
	}

	@Test
	void rejectRowsRefusesEveryRequestWithAMatchingRowAndStoresNoneOfIt() {
		this.datasette.rejectRows((row) -> "mallory".equals(row.actorId()));

		Answer mixed = send(row(), row().put("actor_id", "mallory"));
		Answer clean = send(row());

		assertThat(mixed.status()).isEqualTo(400);
		assertThat(mixed.error()).isEqualTo("CHECK constraint failed: refused by the test");
		assertThat(clean.status()).isEqualTo(201);
		assertThat(this.datasette.rows()).hasSize(1);
	}

	@Test
	void anotherAcceptedTokenMakesTheFirstAnInvalidSignature() {
		this.datasette.acceptToken("dstok_rotated");

		assertThat(send(row()).status()).isEqualTo(401);

		this.datasette.recover();
		assertThat(send(row()).status()).isEqualTo(201);
	}

	@Test
	void aSlowAnswerStoresTheRowsAtOnceAndAnswersLater() {
		this.datasette.failNext(Fault.slowAnswer(Duration.ofSeconds(30)));

		CompletableFuture<Answer> answer = CompletableFuture.supplyAsync(() -> send(row()));

		assertThat(this.datasette.awaitRows(1)).hasSize(1);
		assertThat(answer).isNotDone();
	}

	@Test
	void aDroppedConnectionStoresNothingAndALostAnswerStoresTheRows() {
		this.datasette.failNext(Fault.dropConnection());
		this.datasette.failNext(Fault.loseAnswer());

		assertThatExceptionOfType(IOException.class).isThrownBy(() -> sendRaw(row()));
		assertThat(this.datasette.rows()).isEmpty();
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> sendRaw(row()));
		assertThat(this.datasette.rows()).hasSize(1);
		assertThat(this.datasette.requests()).extracting(ReceivedRequest::status).containsExactly(0, 0);
	}

	@Test
	void heldAnswersWaitUntilReleased() {
		this.datasette.holdAnswers();
		CompletableFuture<Answer> answer = CompletableFuture.supplyAsync(() -> send(row()));

		this.datasette.releaseAnswers();

		assertThat(answer.join().status()).isEqualTo(201);
		assertThat(this.datasette.rows()).hasSize(1);
	}

	@Test
	void downRefusesConnectionsUntilItComesBackOnTheSamePortWithItsRows() {
		send(row());
		int port = this.datasette.port();

		this.datasette.goDown();

		assertThat(this.datasette.isUp()).isFalse();
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> sendRaw(row()));
		this.datasette.comeBack();
		assertThat(this.datasette.port()).isEqualTo(port);
		assertThat(send(row()).status()).isEqualTo(201);
		assertThat(this.datasette.rows()).hasSize(2);
	}

	@Test
	void downForComesBackByItself() {
		this.datasette.downFor(Duration.ofMillis(200));

		assertThat(this.datasette.isUp()).isFalse();
		await().until(this.datasette::isUp);
		assertThat(send(row()).status()).isEqualTo(201);
	}

	@Test
	void resetForgetsRowsRequestsAndFaultsButKeepsTheTable() {
		send(row());
		this.datasette.failAll(Fault.status(500));

		this.datasette.reset();

		assertThat(this.datasette.rows()).isEmpty();
		assertThat(this.datasette.requests()).isEmpty();
		Answer insert = post(this.datasette.url("/data/datasette_events/-/insert"),
				WriteApiClient.insertBody(row()).toString(), "Bearer " + FakeDatasette.DEFAULT_TOKEN);
		assertThat(insert.status()).isEqualTo(201);
	}

	// Wiring

	@Test
	void asAnInitializerItPointsTheForwarderAtItselfAndIsABean() {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			this.datasette.initialize(context);
			context.refresh();

			assertThat(context.getEnvironment().getProperty("datasette.events-forward.api-url"))
				.isEqualTo(this.datasette.apiUrl())
				.startsWith("http://127.0.0.1:" + this.datasette.port() + "/data/-/create");
			assertThat(context.getEnvironment().getProperty("datasette.events-forward.api-token"))
				.isEqualTo(FakeDatasette.DEFAULT_TOKEN);
			assertThat(context.getEnvironment().getProperty("datasette.events-forward.flush-interval"))
				.isEqualTo("20ms");
			assertThat(context.getBean(FakeDatasette.class)).isSameAs(this.datasette);
		}
		assertThat(this.datasette.forwarderProperties()).containsKeys("datasette.events-forward.max-rate",
				"datasette.events-forward.shutdown-timeout");
	}

	@Test
	void insertUrlFindsATableCreatedBeforehand() {
		this.datasette.createTable("audit_events");

		Answer insert = post(java.net.URI.create(this.datasette.insertUrl("audit_events")),
				WriteApiClient.insertBody(row()).toString(), "Bearer " + FakeDatasette.DEFAULT_TOKEN);

		assertThat(insert.status()).isEqualTo(201);
		assertThat(this.datasette.rows("audit_events")).hasSize(1);
		assertThat(this.datasette.toString()).doesNotContain(FakeDatasette.DEFAULT_TOKEN);
	}

	private Answer send(ObjectNode... rows) {
		return post(this.datasette.url("/data/-/create"), createBody("datasette_events", rows).toString(),
				"Bearer " + FakeDatasette.DEFAULT_TOKEN);
	}

	private void sendRaw(ObjectNode row) throws IOException, InterruptedException {
		client.send(HttpRequest.newBuilder(this.datasette.url("/data/-/create"))
			.header("Authorization", "Bearer " + FakeDatasette.DEFAULT_TOKEN)
			.POST(HttpRequest.BodyPublishers.ofString(createBody("datasette_events", row).toString()))
			.build(), HttpResponse.BodyHandlers.ofString());
	}


}
