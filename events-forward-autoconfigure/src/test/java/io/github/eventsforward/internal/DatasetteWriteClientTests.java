package io.github.eventsforward.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventRow;
import io.github.eventsforward.testsupport.NoDelayServerSocketFactory;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DatasetteWriteClient}: how it reads {@code Retry-After}, and what a
 * request and a refusal look like on the wire.
 */
class DatasetteWriteClientTests {

	private static final String TOKEN = "dstok_test-token";

	private static final EventRow ROW = new EventRow("01JWNNSVG0FJZ563NSFJBEZWCM", "test", "order-placed",
			"2025-06-01T12:00:00.000000+00:00", "alice", null, null, "{\"orderId\":\"o-0\"}");

	private final MockWebServer server = NoDelayServerSocketFactory.mockWebServer();

	@BeforeEach
	void startServer() throws Exception {
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	// ---------------------------------------------------------------- Retry-After

	@Test
	void readsRetryAfterGivenInSeconds() {
		assertThat(DatasetteWriteClient.retryAfter("3")).isEqualTo(Duration.ofSeconds(3));
		assertThat(DatasetteWriteClient.retryAfter(" 120 ")).isEqualTo(Duration.ofMinutes(2));
		assertThat(DatasetteWriteClient.retryAfter("0")).isEqualTo(Duration.ZERO);
	}

	@Test
	void readsRetryAfterGivenAsAnHttpDateInTheFutureAsTheWaitUntilThen() {
		String inAnHour = DateTimeFormatter.RFC_1123_DATE_TIME
			.format(ZonedDateTime.now(ZoneOffset.UTC).plusHours(1).withNano(0));
		// The date has whole seconds, and some time passes between formatting and parsing.
		assertThat(DatasetteWriteClient.retryAfter(inAnHour)).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
	}

	@Test
	void readsRetryAfterGivenAsAnHttpDateInThePastAsNoWait() {
		assertThat(DatasetteWriteClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
	}

	@Test
	void readsRetryAfterGivenInTheObsoleteHttpDateForms() {
		ZonedDateTime inAnHour = ZonedDateTime.now(ZoneOffset.UTC).plusHours(1).withNano(0);
		String rfc850 = DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", java.util.Locale.US)
			.format(inAnHour);
		String asctime = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", java.util.Locale.US).format(inAnHour);
		assertThat(DatasetteWriteClient.retryAfter(rfc850)).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
		assertThat(DatasetteWriteClient.retryAfter(asctime)).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "   ", "soon", "3s", "1.5", "Wed, 21 Oct 2015", "2015-10-21T07:28:00Z",
			"99999999999999999999" })
	void ignoresRetryAfterThatIsNeitherSecondsNorAnHttpDate(String value) {
		assertThat(DatasetteWriteClient.retryAfter(value)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "-1", "-3600" })
	void ignoresRetryAfterWithANegativeNumberOfSeconds(String value) {
		// RFC 9110 allows only digits; "retry at once" would be a misreading of a broken header.
		assertThat(DatasetteWriteClient.retryAfter(value)).isNull();
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

	private DatasetteWriteClient client() {
		URI apiUrl = URI.create(this.server.url("/data/-/create").toString());
		return new DatasetteWriteClient(WebClient.create(), apiUrl, TOKEN);
	}

	private static byte[] body() {
		RequestBodyWriter writer = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		return writer.write(List.of(writer.encode(ROW)));
	}

}
