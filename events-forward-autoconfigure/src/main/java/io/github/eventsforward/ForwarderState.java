package io.github.eventsforward;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Whether the forwarder is delivering, and if not, why: what a health check reads.
 *
 * @param status what the forwarder is doing
 * @param reason why it is retrying, paused or off, naming the likely cause; {@code null}
 * while it delivers
 * @param since when it entered this status
 * @param lastError the last failure of any request, or {@code null} if none failed yet
 * @param lastErrorAt when that failure happened, or {@code null}
 */
public record ForwarderState(Status status, @Nullable String reason, Instant since, @Nullable String lastError,
		@Nullable Instant lastErrorAt) {

	/**
	 * What the forwarder is doing.
	 */
	public enum Status {

		/**
		 * Delivering: the last request succeeded, or none was needed yet.
		 */
		DELIVERING,

		/**
		 * Retrying after transient failures (connection errors, timeouts, 408, 429, 5xx).
		 */
		RETRYING,

		/**
		 * Paused until the server accepts again (401, 403, 404 or a table that does not fit):
		 * events keep queueing, up to the buffer's capacity.
		 */
		PAUSED,

		/**
		 * Stopped with the application context.
		 */
		STOPPED,

		/**
		 * Switched off by configuration ({@code datasette.events-forward.enabled} is
		 * {@code false}, or {@code api-url} is not set): nothing is forwarded or counted.
		 */
		OFF

	}

}
