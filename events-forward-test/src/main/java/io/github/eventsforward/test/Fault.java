package io.github.eventsforward.test;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How {@link FakeDatasette} misbehaves for a request, given to
 * {@link FakeDatasette#failNext(Fault)} or {@link FakeDatasette#failAll(Fault)}. A fault that
 * answers with an error stores nothing; {@link #slowAnswer(Duration)} and
 * {@link #loseAnswer()} store the rows, as a server does whose answer is late or lost.
 */
public final class Fault {

	enum Kind {

		ANSWER, SLOW, DROP, LOSE

	}

	private final Kind kind;

	private final DatasetteWriteApi.@Nullable Answer answer;

	private final Duration delay;

	private final String description;

	private Fault(Kind kind, DatasetteWriteApi.@Nullable Answer answer, Duration delay, String description) {
		this.kind = kind;
		this.answer = answer;
		this.delay = delay;
		this.description = description;
	}

	/**
	 * Answer with this status and Datasette's JSON error body, such as 500 or 503.
	 * @param status the status code
	 * @return the fault
	 */
	public static Fault status(int status) {
		return status(status, reason(status));
	}

	/**
	 * Answer with this status and Datasette's JSON error body with this message.
	 * @param status the status code
	 * @param message the message
	 * @return the fault
	 */
	public static Fault status(int status, String message) {
		return answer(DatasetteWriteApi.Answer.error(status, message), status + " " + message);
	}

	/**
	 * Answer 401 {@code Invalid token signature}, as Datasette does when its secret changed
	 * and the token no longer matches; the forwarder pauses sending.
	 * @return the fault
	 */
	public static Fault invalidToken() {
		return answer(DatasetteWriteApi.Answer.error(401, "Invalid token signature")
			.withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\""), "401 Invalid token signature");
	}

	/**
	 * Answer 429 with a {@code Retry-After} header in seconds, as a proxy in front of
	 * Datasette that limits the rate does.
	 * @param retryAfter how long the client should wait, rounded up to whole seconds
	 * @return the fault
	 */
	public static Fault tooManyRequests(Duration retryAfter) {
		long seconds = retryAfter.toSeconds() + ((retryAfter.toNanosPart() > 0) ? 1 : 0);
		return answer(DatasetteWriteApi.Answer.error(429, "Too Many Requests")
			.withHeader("Retry-After", Long.toString(seconds)), "429 Retry-After: " + seconds);
	}

	/**
	 * Answer with exactly this, for answers not listed here.
	 * @param answer the answer
	 * @return the fault
	 */
	public static Fault answer(DatasetteWriteApi.Answer answer) {
		return answer(answer, answer.status() + " " + answer.body());
	}

	private static Fault answer(DatasetteWriteApi.Answer answer, String description) {
		return new Fault(Kind.ANSWER, answer, Duration.ZERO, description);
	}

	/**
	 * Handle the request as usual, storing its rows, but send the answer only after this
	 * delay, as a busy server does; past the forwarder's {@code request-timeout} the
	 * forwarder sends the batch again, and {@code ignore} stores each row once.
	 * @param delay how long to hold the answer
	 * @return the fault
	 */
	public static Fault slowAnswer(Duration delay) {
		return new Fault(Kind.SLOW, null, delay, "an answer " + delay.toMillis() + " ms late");
	}

	/**
	 * Close the connection without handling the request or answering it: nothing is stored.
	 * @return the fault
	 */
	public static Fault dropConnection() {
		return new Fault(Kind.DROP, null, Duration.ZERO, "a dropped connection");
	}

	/**
	 * Handle the request, storing its rows, then close the connection instead of answering,
	 * as when the answer is lost on its way: the forwarder cannot tell, and sends again.
	 * @return the fault
	 */
	public static Fault loseAnswer() {
		return new Fault(Kind.LOSE, null, Duration.ZERO, "a lost answer");
	}

	Kind kind() {
		return this.kind;
	}

	DatasetteWriteApi.@Nullable Answer answer() {
		return this.answer;
	}

	Duration delay() {
		return this.delay;
	}

	private static String reason(int status) {
		return switch (status) {
			case 400 -> "Bad Request";
			case 403 -> "Permission denied";
			case 404 -> "Not Found";
			case 408 -> "Request Timeout";
			case 429 -> "Too Many Requests";
			case 500 -> "Internal Server Error";
			case 502 -> "Bad Gateway";
			case 503 -> "Service Unavailable";
			case 504 -> "Gateway Timeout";
			default -> "Error " + status;
		};
	}

	@Override
	public String toString() {
		return this.description;
	}

}
