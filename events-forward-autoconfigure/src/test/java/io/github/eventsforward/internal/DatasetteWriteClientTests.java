package io.github.eventsforward.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.testsupport.HttpConnector;
import io.github.eventsforward.testsupport.NoDelayServerSocketFactory;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DatasetteWriteClient}: what a request and a refusal look like on the
 * wire, on each HTTP client. How {@code Retry-After} is read is in {@link RetryAfterTests}.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(HttpConnector.class)
class DatasetteWriteClientTests {

	private static final String TOKEN = "dstok_test-token";

	private static final EventRow ROW = new EventRow("01JWNNSVG0FJZ563NSFJBEZWCM", "test", "order-placed",
			"2025-06-01T12:00:00.000000+00:00", "alice", null, null, "{\"orderId\":\"o-0\"}");

	private final MockWebServer server = NoDelayServerSocketFactory.mockWebServer();

	private final HttpConnector connector;

	DatasetteWriteClientTests(HttpConnector connector) {
		this.connector = connector;
	}

	@BeforeEach
	void startServer() throws Exception {
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	// ---------------------------------------------------------------- on the wire

	@Test
	void surfacesATooManyRequestsAnswerWithRetryAfterAsAnExceptionCarryingTheWait() throws Exception {
		this.server.enqueue(new MockResponse.Builder().code(429)
			.setHeader("Retry-After", "3")
			.setHeader("Content-Type", "application/json")
			.body("{\"ok\": false, \"errors\": [\"Too many requests\"]}")
			.build());
		byte[] body = body();
		StepVerifier.create(client().send(List.of(ROW), body)).expectErrorSatisfies((ex) -> {
			assertThat(ex).isInstanceOf(DatasetteWriteException.class)
				.hasMessageContaining("HTTP 429", "Too many requests");
			DatasetteWriteException answer = (DatasetteWriteException) ex;
			assertThat(answer.getStatus()).isEqualTo(429);
			assertThat(answer.getRetryAfter()).isEqualTo(Duration.ofSeconds(3));
			assertThat(answer.getErrors()).containsExactly("Too many requests");
		}).verify(Duration.ofSeconds(10));
		RecordedRequest request = this.server.takeRequest(10, TimeUnit.SECONDS);
		assertThat(request).isNotNull();
		assertThat(request.getMethod()).isEqualTo("POST");
		assertThat(request.getUrl().encodedPath()).isEqualTo("/data/-/create");
		assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
		assertThat(request.getBody().utf8()).isEqualTo(new String(body, StandardCharsets.UTF_8));
	}

	@Test
	void surfacesAServerErrorWithoutRetryAfterAsAnExceptionWithoutAWait() {
		this.server.enqueue(new MockResponse.Builder().code(503)
			.setHeader("Content-Type", "text/html")
			.body("<html><body><h1>503 Service Unavailable</h1></body></html>")
			.build());
		StepVerifier.create(client().send(List.of(ROW), body())).expectErrorSatisfies((ex) -> {
			assertThat(ex).isInstanceOf(DatasetteWriteException.class)
				.hasMessageContaining("HTTP 503", "503 Service Unavailable");
			assertThat(((DatasetteWriteException) ex).getRetryAfter()).isNull();
		}).verify(Duration.ofSeconds(10));
	}

	@Test
	void sendsOneRequestPerSubscriptionAndNoneBeforeSoThatRetriesResend() {
		this.server.enqueue(new MockResponse.Builder().code(201).body("{\"ok\": true}").build());
		this.server.enqueue(new MockResponse.Builder().code(201).body("{\"ok\": true}").build());
		Mono<Void> send = client().send(List.of(ROW), body());
		assertThat(this.server.getRequestCount()).isZero();
		StepVerifier.create(send).verifyComplete();
		StepVerifier.create(send).verifyComplete();
		assertThat(this.server.getRequestCount()).isEqualTo(2);
	}

	@Test
	void measuresARetryAfterDateFromItsClock() {
		this.server.enqueue(new MockResponse.Builder().code(503)
			.setHeader("Retry-After", "Tue Dec  1 22:53:00 2026")
			.body("{\"ok\": false, \"errors\": [\"Down for maintenance\"]}")
			.build());
		Clock clock = Clock.fixed(Instant.parse("2026-12-01T22:50:30Z"), ZoneOffset.UTC);
		StepVerifier.create(client(clock).send(List.of(ROW), body()))
			.expectErrorSatisfies((ex) -> assertThat(((DatasetteWriteException) ex).getRetryAfter())
				.isEqualTo(Duration.ofSeconds(150)))
			.verify(Duration.ofSeconds(10));
	}

	private DatasetteWriteClient client() {
		return client(Clock.systemUTC());
	}

	private DatasetteWriteClient client(Clock clock) {
		URI apiUrl = URI.create(this.server.url("/data/-/create").toString());
		return new DatasetteWriteClient(WebClient.builder().clientConnector(this.connector.build()).build(), apiUrl, TOKEN,
				clock);
	}

	private static byte[] body() {
		RequestBodyWriter writer = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		return writer.write(List.of(writer.encode(ROW, 0)));
	}

}
