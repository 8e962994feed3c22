package io.github.eventsforward.internal;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonValue;
import org.jspecify.annotations.Nullable;

/**
 * The validated settings the forwarder runs with, grouped as the properties are: what the
 * actuator endpoint shows, as it is. Holds no secret (the token is only known to be there,
 * and the URL is the one requests go to, without userinfo), so it is safe to print.
 *
 * @param apiUrl the write API URL requests go to
 * @param endpoint whether {@code apiUrl} is a {@code /-/create} or an {@code /-/insert} URL
 * @param hasToken whether an API token is sent
 * @param instance the {@code instance} column, or {@code null}
 * @param table the table a {@code /-/create} request names
 * @param batchLimit most rows in one request
 * @param maxInFlight most requests waiting for their answers at once
 * @param maxRate most requests in one {@code timePeriod}
 * @param timePeriod window of the rate limit
 * @param flushInterval longest an event waits for its batch to fill
 * @param buffer what waits to be sent, and what a full buffer drops
 * @param maxRequestSize largest request body, in bytes; bigger batches are split
 * @param connectTimeout timeout for connecting to the server
 * @param requestTimeout longest one request may take
 * @param shutdownTimeout longest shutdown waits for queued events to be sent
 * @param retry how failed requests are retried
 * @param include event types or packages to forward
 * @param exclude event types or packages never to forward
 * @param ssl the TLS settings of the requests
 * @param spool where queued events are kept, if in a file
 * @param transactionPhase when an event published in a transaction is forwarded
 * @param outbox whether queued events wait in the application's database
 */
public record ForwarderSettings(URI apiUrl, WriteEndpoint endpoint, boolean hasToken, @Nullable String instance,
		String table, int batchLimit, int maxInFlight, int maxRate, Duration timePeriod, Duration flushInterval, Buffer buffer,
		long maxRequestSize, Duration connectTimeout, Duration requestTimeout, Duration shutdownTimeout, Retry retry,
		List<String> include, List<String> exclude, Ssl ssl, Spool spool, TransactionPhase transactionPhase,
		Outbox outbox) {

	/**
	 * Copy the lists, so that the settings cannot change.
	 */
	public ForwarderSettings {
		include = List.copyOf(include);
		exclude = List.copyOf(exclude);
	}

	/**
	 * Return the write API URL as messages show it.
	 * @return the URL to show
	 */
	public String displayUrl() {
		return this.apiUrl.toString();
	}

	/**
	 * Return a URL with the userinfo of its authority ({@code user:password@}) masked; a
	 * value that is no URL, or has none, is returned as it is.
	 * @param url the URL, parsed or not
	 * @return the URL to show
	 */
	public static String withoutCredentials(String url) {
		int scheme = url.indexOf("://");
		if (scheme < 0) {
			return url;
		}
		int start = scheme + 3;
		int end = start;
		while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
			end++;
		}
		int at = url.lastIndexOf('@', end - 1);
		return (at < start) ? url : url.substring(0, start) + "******" + url.substring(at);
	}

	/**
	 * Return whether a URL has userinfo ({@code user:password@}) in its authority.
	 * @param url the URL, parsed or not
	 * @return whether {@link #withoutCredentials(String)} masks anything
	 */
	public static boolean hasCredentials(String url) {
		return !withoutCredentials(url).equals(url);
	}

	/**
	 * What waits to be sent.
	 *
	 * @param capacity most events waiting to be sent
	 * @param overflow what a full buffer drops
	 */
	public record Buffer(int capacity, Overflow overflow) {

		/**
		 * Return whether a full buffer drops its oldest events rather than new ones.
		 * @return whether to drop the oldest
		 */
		public boolean dropOldest() {
			return this.overflow == Overflow.DROP_OLDEST;
		}

	}

	/**
	 * What a full buffer drops.
	 */
	public enum Overflow {

		/** Events published while the buffer is full. */
		DROP_NEWEST("drop-newest"),

		/** The oldest queued events, to make room. */
		DROP_OLDEST("drop-oldest");

		private final String value;

		Overflow(String value) {
			this.value = value;
		}

		/**
		 * Return the value as the property is written.
		 * @return the value
		 */
		@JsonValue
		public String value() {
			return this.value;
		}

	}

	/**
	 * How failed requests are retried.
	 *
	 * @param initialBackoff wait before the first retry, doubled for each further one
	 * @param maxBackoff longest wait between two attempts
	 * @param giveUpAfter how long a batch may keep failing transiently before it is
	 * dead-lettered
	 */
	public record Retry(Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {

	}

	/**
	 * Where queued events are kept: in memory only, or also in a file.
	 *
	 * @param enabled whether they are kept in a file
	 * @param path the file's directory, when enabled
	 * @param maxSize the largest size of the file, in bytes
	 */
	public record Spool(boolean enabled, @Nullable Path path, long maxSize) {

		/** Events in memory only. */
		public static final Spool NONE = new Spool(false, null, 0);

	}

	/**
	 * Whether queued events wait in an outbox table of the application's database.
	 *
	 * @param enabled whether they do
	 * @param initializeSchema when the table is created at start-up
	 * @param lease how long a forwarder holds the rows it claimed before others may take
	 * them
	 * @param pollInterval how often the table is read for rows that other instances, or an
	 * earlier run, wrote
	 */
	public record Outbox(boolean enabled, InitializeSchema initializeSchema, Duration lease, Duration pollInterval) {

		/** No outbox. */
		public static final Outbox NONE = new Outbox(false, InitializeSchema.EMBEDDED, Duration.ofMinutes(1),
				Duration.ofSeconds(1));

	}

	/**
	 * When the outbox table is created at start-up.
	 */
	public enum InitializeSchema {

		/** Only in an embedded database, such as H2 in memory. */
		EMBEDDED("embedded"),

		/** Always, when it is missing. */
		ALWAYS("always"),

		/** Never: the table must exist. */
		NEVER("never");

		private final String value;

		InitializeSchema(String value) {
			this.value = value;
		}

		/**
		 * Return the value as the property is written.
		 * @return the value
		 */
		@JsonValue
		public String value() {
			return this.value;
		}

	}

	/**
	 * When an event published in a Spring-managed transaction is forwarded.
	 */
	public enum TransactionPhase {

		/** Once the transaction has committed; never if it rolls back. */
		AFTER_COMMIT("after-commit"),

		/** At once, whatever becomes of the transaction. */
		NONE("none");

		private final String value;

		TransactionPhase(String value) {
			this.value = value;
		}

		/**
		 * Return the value as the property is written.
		 * @return the value
		 */
		@JsonValue
		public String value() {
			return this.value;
		}

	}

	/**
	 * The TLS settings of the requests.
	 *
	 * @param bundle the SSL bundle, or {@code null} for the JDK's defaults
	 */
	public record Ssl(@Nullable String bundle) {

	}

}
