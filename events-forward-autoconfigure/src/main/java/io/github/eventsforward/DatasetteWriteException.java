package io.github.eventsforward;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A write API request the server answered with a status other than 2xx. A
 * {@link BatchSender} fails with it to have the answer classified by its status: retried,
 * paused, split or dead-lettered.
 */
public class DatasetteWriteException extends RuntimeException {

	private static final int EXCERPT_LENGTH = 200;

	private final int status;

	private final List<String> errors;

	private final @Nullable Duration retryAfter;

	DatasetteWriteException(int status, List<String> errors, String reason, @Nullable Duration retryAfter) {
		super("Datasette answered HTTP " + status + ": " + reason);
		this.status = status;
		this.errors = List.copyOf(errors);
		this.retryAfter = retryAfter;
	}

	/**
	 * Build the exception from the status and body of a response. Datasette's error body is
	 * {@code {"ok": false, "errors": [...]}} (newer versions add {@code error} and
	 * {@code status}); some answers, such as a missing database, are HTML instead.
	 * @param status the HTTP status code
	 * @param body the response body, possibly empty
	 * @param retryAfter the wait the server asked for with {@code Retry-After}, if any
	 * @return the exception
	 */
	public static DatasetteWriteException of(int status, String body, @Nullable Duration retryAfter) {
		List<String> errors = errors(body);
		String reason = errors.isEmpty() ? excerpt(body) : String.join("; ", errors);
		return new DatasetteWriteException(status, errors, reason, retryAfter);
	}

	private static List<String> errors(String body) {
		try {
			JsonNode json = JsonMapper.shared().readTree(body);
			JsonNode errors = json.path("errors");
			if (errors.isArray() && !errors.isEmpty()) {
				return errors.valueStream().map(JsonNode::asString).toList();
			}
			JsonNode error = json.path("error");
			if (error.isString()) {
				return List.of(error.asString());
			}
		}
		catch (RuntimeException ex) {
			// Not JSON: fall back to an excerpt of the body.
		}
		return List.of();
	}

	private static String excerpt(String body) {
		String text = body.replaceAll("(?is)<(head|script|style)[^>]*>.*?</\\1>", " ")
			.replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").strip();
		if (text.isEmpty()) {
			return "(empty body)";
		}
		return (text.length() > EXCERPT_LENGTH) ? text.substring(0, EXCERPT_LENGTH) + "..." : text;
	}

	/**
	 * Return the HTTP status code.
	 * @return the status
	 */
	public int getStatus() {
		return this.status;
	}

	/**
	 * Return the server's error messages ({@code errors} of the JSON body).
	 * @return the messages, empty when the body had none
	 */
	public List<String> getErrors() {
		return this.errors;
	}

	/**
	 * Return how long the server asked to wait ({@code Retry-After}).
	 * @return the wait, or {@code null} if it did not say
	 */
	public @Nullable Duration getRetryAfter() {
		return this.retryAfter;
	}

}
