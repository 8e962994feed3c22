package io.github.eventsforward.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.internal.Failure.Kind;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Failure}: what the forwarder makes of each answer Datasette gives, and of
 * requests that got none, and what the reason tells the user to do about it.
 */
class FailureTests {

	private static final ForwarderSettings CREATE = TestSettings.defaults().build();

	private static final ForwarderSettings INSERT = TestSettings.defaults().insert().build();

	private static final ForwarderSettings NO_TOKEN = TestSettings.defaults().noToken().build();

	private static final Duration RETRY_AFTER = Duration.ofSeconds(7);

	@ParameterizedTest(name = "{0}")
	@MethodSource("answers")
	void classifiesAnAnswer(Case expected) {
		assertClassified(expected);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("nonAnswers")
	void classifiesARequestWithoutAnswerAsTransient(Case expected) {
		assertClassified(expected);
	}

	private static void assertClassified(Case expected) {
		Failure failure = Failure.of(expected.failure(), expected.settings());
		assertThat(failure.kind()).as("kind of %s", expected).isEqualTo(expected.kind());
		assertThat(failure.status()).as("status of %s", expected).isEqualTo(expected.status());
		assertThat(failure.retryAfter()).as("wait after %s", expected).isEqualTo(expected.retryAfter());
		assertThat(failure.reason()).as("reason of %s", expected).contains(expected.says());
		for (String absent : expected.doesNotSay()) {
			assertThat(failure.reason()).as("reason of %s", expected).doesNotContain(absent);
		}
	}

	static Stream<Case> answers() {
		return Stream.of(
				// Transient: retried with backoff, or after the Retry-After the server asked for.
				answer(408, datasette(408, "Request Timeout"), RETRY_AFTER).is(Kind.TRANSIENT)
					.carries(RETRY_AFTER)
					.says("HTTP 408", "Request Timeout"),
				answer(429, datasette(429, "Too many requests"), RETRY_AFTER).is(Kind.TRANSIENT)
					.carries(RETRY_AFTER)
					.says("HTTP 429", "Too many requests"),
				answer(500, datasette(500, "Internal Server Error"), null).is(Kind.TRANSIENT)
					.says("HTTP 500", "Internal Server Error"),
				answer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", null).is(Kind.TRANSIENT)
					.says("HTTP 502", "502 Bad Gateway")
					.doesNotSay("<"),
				answer(503, datasette(503, "Service Unavailable"), RETRY_AFTER).is(Kind.TRANSIENT)
					.carries(RETRY_AFTER)
					.says("HTTP 503", "Service Unavailable"),
				answer(504, "", null).is(Kind.TRANSIENT).says("HTTP 504", "(empty body)"),
				// Too large: split until it fits; a Retry-After is no reason to wait.
				answer(413, datasette(413, "Request body exceeded maximum size of 2097152 bytes"), RETRY_AFTER)
					.is(Kind.TOO_LARGE)
					.says("HTTP 413", "2097152 bytes"),
				// A row the server refuses: split to find it, dead-letter it.
				answer(400, datasette(400, "CHECK constraint failed: length(properties) < 100000"), null)
					.is(Kind.REJECTED)
					.says("HTTP 400", "CHECK constraint failed")
					.doesNotSay("does not fit"),
				answer(400, olderDatasette("UNIQUE constraint failed: datasette_events.id"), null).is(Kind.REJECTED)
					.says("UNIQUE constraint failed"),
				// The table does not fit the rows: every row would fail alike, so sending pauses.
				answer(400, datasette(400, "table datasette_events has no column named newcol"), null)
					.is(Kind.PAUSE)
					.says("no column named newcol", "does not fit the forwarder's rows", "primary key id",
							String.join(", ", RequestBodyWriter.COLUMNS), "datasette.events-forward.api-url"),
				answer(400, olderDatasette("Row 0 has invalid columns: newcol"), null).is(Kind.PAUSE)
					.says("invalid columns", "does not fit"),
				answer(400, datasette(400, "pk cannot be changed for existing table"), null).is(Kind.PAUSE)
					.says("does not fit"),
				// The token.
				answer(401, datasette(401, "Invalid token"), null).is(Kind.PAUSE)
					.says("HTTP 401", "Invalid token", "datasette create-token", "datasette.events-forward.api-token"),
				answer(403, datasette(403, "Permission denied"), null).is(Kind.PAUSE)
					.says("HTTP 403", "Permission denied", "/-/create needs create-table", "insert-row",
							"/-/insert URL"),
				answer(403, datasette(403, "Permission denied"), null).on(INSERT)
					.is(Kind.PAUSE)
					.says("lacks the insert-row permission")
					.doesNotSay("create-table"),
				answer(403, "{\"ok\": false, \"error\": \"Permission denied\", \"status\": 403}", null).on(NO_TOKEN)
					.is(Kind.PAUSE)
					.says("Permission denied", "No datasette.events-forward.api-token is set",
							"does not let anonymous users write", "datasette create-token")
					.doesNotSay("create-table"),
				// What the URL names does not exist.
				answer(404, datasette(404, "Table not found: datasette_events"), null).on(INSERT)
					.is(Kind.PAUSE)
					.says("HTTP 404", "Table not found", "does not exist", "/-/create", "creates it")
					.doesNotSay("The database"),
				answer(404, olderDatasette("Table not found: datasette_events"), null).on(INSERT)
					.is(Kind.PAUSE)
					.says("/-/create URL"),
				answer(404, "<!DOCTYPE html>\n<html><head><title>Error 404</title><style>body{margin:0}</style>"
						+ "</head><body><h1>Error 404</h1><p>Database not found: data</p></body></html>", null)
					.is(Kind.PAUSE)
					.says("HTTP 404", "Database not found: data", "The database in datasette.events-forward.api-url",
							CREATE.displayUrl())
					.doesNotSay("<", "margin", "Create it"),
				// Not an answer of the write API: most likely the URL points elsewhere.
				answer(302, "", null).is(Kind.PAUSE)
					.says("HTTP 302", "does not answer that way", "datasette.events-forward.api-url"),
				answer(418, "I'm a teapot", RETRY_AFTER).is(Kind.PAUSE)
					.says("HTTP 418", "I'm a teapot", "datasette.events-forward.api-url"));
	}

	static Stream<Case> nonAnswers() {
		return Stream.of(
				noAnswer(new TimeoutException("Did not observe any item or terminal signal"))
					.says("no answer within datasette.events-forward.request-timeout (PT30S)"),
				noAnswer(new ConnectException()).says("ConnectException: Connection refused"),
				noAnswer(new IOException("Connection reset by peer"))
					.says("IOException: Connection reset by peer"),
				noAnswer(clientError(new ConnectException()))
					.says("WebClientRequestException: ConnectException: Connection refused"),
				noAnswer(clientError(new ClosedChannelException()))
					.says("WebClientRequestException: ClosedChannelException"));
	}

	private static Case answer(int status, String body, @Nullable Duration retryAfter) {
		return new Case(DatasetteWriteException.of(status, body, retryAfter), CREATE, Kind.TRANSIENT, status, null,
				List.of(), List.of());
	}

	private static Case noAnswer(Throwable failure) {
		return new Case(failure, CREATE, Kind.TRANSIENT, 0, null, List.of(), List.of());
	}

	// The error body of Datasette 1.0.
	private static String datasette(int status, String error) {
		return "{\"ok\": false, \"error\": \"" + error + "\", \"errors\": [\"" + error + "\"], \"status\": " + status
				+ "}";
	}

	// The error body of Datasette before 1.0.
	private static String olderDatasette(String error) {
		return "{\"ok\": false, \"errors\": [\"" + error + "\"]}";
	}

	private static WebClientRequestException clientError(Throwable cause) {
		return new WebClientRequestException(cause, HttpMethod.POST, URI.create(CREATE.displayUrl()),
				new HttpHeaders());
	}

	/**
	 * A failed request and what it is expected to be classified as.
	 *
	 * @param failure what the request failed with
	 * @param settings the forwarder's settings
	 * @param kind the expected kind
	 * @param status the expected status
	 * @param retryAfter the expected wait
	 * @param says what the reason contains
	 * @param doesNotSay what the reason does not contain
	 */
	record Case(Throwable failure, ForwarderSettings settings, Kind kind, int status, @Nullable Duration retryAfter,
			List<String> says, List<String> doesNotSay) {

		Case on(ForwarderSettings settings) {
			return new Case(this.failure, settings, this.kind, this.status, this.retryAfter, this.says,
					this.doesNotSay);
		}

		Case is(Kind kind) {
			return new Case(this.failure, this.settings, kind, this.status, this.retryAfter, this.says,
					this.doesNotSay);
		}

		Case carries(Duration retryAfter) {
			return new Case(this.failure, this.settings, this.kind, this.status, retryAfter, this.says,
					this.doesNotSay);
		}

		Case says(String... fragments) {
			return new Case(this.failure, this.settings, this.kind, this.status, this.retryAfter, List.of(fragments),
					this.doesNotSay);
		}

		Case doesNotSay(String... fragments) {
			return new Case(this.failure, this.settings, this.kind, this.status, this.retryAfter, this.says,
					List.of(fragments));
		}

		@Override
		public String toString() {
			Throwable cause = this.failure.getCause();
			String failure = (this.status != 0) ? String.valueOf(this.failure.getMessage())
					: this.failure.getClass().getSimpleName()
							+ ((cause != null) ? " around " + cause.getClass().getSimpleName() : "");
			return failure + " to " + this.settings.endpoint() + (this.settings.hasToken() ? "" : " without a token");
		}

	}

}
