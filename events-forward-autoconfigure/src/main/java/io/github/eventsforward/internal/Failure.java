package io.github.eventsforward.internal;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

import io.github.eventsforward.DatasetteWriteException;
import org.jspecify.annotations.Nullable;

/**
 * A failed write API request, sorted by what the forwarder does about it.
 *
 * @param kind what to do
 * @param reason what happened and, where it can tell, the likely cause and the fix
 * @param status the HTTP status, or {@code 0} when there was no answer
 * @param retryAfter the wait the server asked for, if any
 */
record Failure(Kind kind, String reason, int status, @Nullable Duration retryAfter) {

	// 400 answers that concern the table or the request as a whole, never one row: every
	// row would fail the same way, so pausing beats dead-lettering them all.
	private static final List<String> TABLE_PROBLEMS = List.of("no column named", "invalid columns",
			"pk cannot be changed", "invalid parameter", "invalid keys", "require pk", "mutually exclusive",
			"datatype mismatch", "json must");

	/**
	 * What the forwarder does about a failure.
	 */
	enum Kind {

		/** Retry the batch with backoff, and give up on it after a while. */
		TRANSIENT,

		/** Hold all sending until the server accepts again; give up on nothing. */
		PAUSE,

		/** The server rejected a row: split the batch to find it, dead-letter it. */
		REJECTED,

		/** The request was too large: split the batch until it fits. */
		TOO_LARGE

	}

	/**
	 * Classify the failure of a request.
	 * @param ex what the request failed with
	 * @param settings the forwarder's settings, for the hints
	 * @return the failure
	 */
	static Failure of(Throwable ex, ForwarderSettings settings) {
		if (ex instanceof DatasetteWriteException answer) {
			return ofAnswer(answer, settings);
		}
		if (ex instanceof TimeoutException) {
			return new Failure(Kind.TRANSIENT, "no answer within datasette.events-forward.request-timeout ("
					+ settings.requestTimeout() + ")", 0, null);
		}
		return new Failure(Kind.TRANSIENT, describe(ex), 0, null);
	}

	// Reactor Netty's exceptions carry their cause's message; the JDK client's often have
	// none, and a refused connection is a ConnectException without one.
	private static String describe(Throwable ex) {
		String name = ex.getClass().getSimpleName();
		String message = ex.getMessage();
		if (message != null && !message.isBlank()) {
			return name + ": " + message;
		}
		if (ex instanceof ConnectException) {
			return name + ": Connection refused";
		}
		Throwable cause = ex.getCause();
		return (cause != null && cause != ex) ? name + ": " + describe(cause) : name;
	}

	private static Failure ofAnswer(DatasetteWriteException answer, ForwarderSettings settings) {
		int status = answer.getStatus();
		// The exception's only constructor always sets its message.
		String said = Objects.requireNonNull(answer.getMessage());
		if (status == 408 || status == 429 || status >= 500) {
			return new Failure(Kind.TRANSIENT, said, status, answer.getRetryAfter());
		}
		if (status == 413) {
			return new Failure(Kind.TOO_LARGE, said, status, null);
		}
		if (status == 400) {
			String lower = said.toLowerCase(Locale.ROOT);
			if (TABLE_PROBLEMS.stream().anyMatch(lower::contains)) {
				return pause(said + ". The table on the server does not fit the forwarder's rows (columns "
						+ String.join(", ", RequestBodyWriter.COLUMNS) + "; primary key id): fix or rename the"
						+ " table, or point datasette.events-forward.api-url elsewhere", status);
			}
			return new Failure(Kind.REJECTED, said, status, null);
		}
		if (status == 401) {
			return pause(said + ". The token is invalid, expired or signed with another secret: make a new one"
					+ " with 'datasette create-token' and set datasette.events-forward.api-token", status);
		}
		if (status == 403) {
			String hint = !settings.hasToken() ? "No datasette.events-forward.api-token is set, and the server"
					+ " does not let anonymous users write: set one made with 'datasette create-token'"
					: (settings.endpoint() == WriteEndpoint.CREATE)
							? "The token lacks a permission: /-/create needs create-table, even when the table"
									+ " exists, as well as insert-row. Give the token both, or use the table's"
									+ " /-/insert URL with an insert-row token"
							: "The token lacks the insert-row permission for this table";
			return pause(said + ". " + hint, status);
		}
		if (status == 404) {
			boolean tableNotFound = answer.getErrors().stream().anyMatch((error) -> error.contains("Table not found"));
			String hint = tableNotFound ? "The table in datasette.events-forward.api-url does not exist. Create it,"
					+ " or use a /-/create URL (http://host/<database>/-/create), which creates it on the first"
					+ " request"
					: "The database in datasette.events-forward.api-url (" + settings.displayUrl()
							+ ") does not exist on the server, or the URL is wrong";
			return pause(said + ". " + hint, status);
		}
		return pause(said + ". Datasette's write API does not answer that way: check that"
				+ " datasette.events-forward.api-url points at it", status);
	}

	private static Failure pause(String reason, int status) {
		return new Failure(Kind.PAUSE, reason, status, null);
	}

}
