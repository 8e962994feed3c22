package io.github.eventsforward.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for forwarding application events to Datasette.
 */
@ConfigurationProperties("datasette.events-forward")
public class EventsForwardProperties {

	/**
	 * Whether to forward events to Datasette.
	 */
	private boolean enabled = true;

	/**
	 * Datasette write API URL: "http://host/<db>/-/create" creates the table when it is
	 * missing, "http://host/<db>/<table>/-/insert" needs it to exist. Forwarding is off
	 * while unset.
	 */
	private @Nullable String apiUrl;

	/**
	 * API token, sent as "Authorization: Bearer <token>". It needs the "insert-row"
	 * permission, and "create-table" for a "/-/create" URL.
	 */
	private @Nullable String apiToken;

	/**
	 * Label written to the "instance" column to tell applications apart. Defaults to
	 * "spring.application.name".
	 */
	private @Nullable String instance;

	/**
	 * Table that a "/-/create" URL creates and writes to.
	 */
	private String table = "datasette_events";

	/**
	 * Maximum number of events in one request.
	 */
	private int batchLimit = 10;

	/**
	 * Maximum number of requests in one time period.
	 */
	private int maxRate = 1;

	/**
	 * Maximum number of requests sent at once, waiting for their answers. 1 sends one batch
	 * after the other; more suit a server far away, within max-rate.
	 */
	private int maxInFlight = 1;

	/**
	 * Window of the rate limit. A bare number means seconds.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration timePeriod = Duration.ofSeconds(10);

	/**
	 * Longest time an event waits for its batch to fill before the batch is sent anyway.
	 */
	private Duration flushInterval = Duration.ofSeconds(1);

	/**
	 * Maximum number of events waiting to be sent. Events published while it is reached
	 * are dropped and counted.
	 */
	private int bufferCapacity = 10_000;

	/**
	 * What to drop when the buffer is full.
	 */
	private BufferOverflow bufferOverflow = BufferOverflow.DROP_NEWEST;

	/**
	 * Largest request body. Batches that would be larger are split; an event whose row alone
	 * is larger is given up on. Datasette refuses bodies over 2MB by default.
	 */
	private DataSize maxRequestSize = DataSize.ofKilobytes(2000);

	/**
	 * Longest time shutdown waits for queued events to be sent.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(10);

	/**
	 * Timeout for connecting to the Datasette server.
	 */
	private Duration connectTimeout = Duration.ofSeconds(5);

	/**
	 * Longest time one request may take, from sending it to the end of the answer.
	 */
	private Duration requestTimeout = Duration.ofSeconds(30);

	/**
	 * Event types or packages to forward, subtypes and sub-packages included. When empty,
	 * every event but Spring's own ("org.springframework") is forwarded.
	 */
	private List<String> include = new ArrayList<>();

	/**
	 * Event types or packages never to forward, subtypes and sub-packages included.
	 */
	private List<String> exclude = new ArrayList<>();

	/**
	 * When an event published while a Spring-managed transaction is active is forwarded:
	 * "after-commit" once the transaction has committed, and never if it rolls back, so
	 * that Datasette shows only what happened; "none" at once, whatever becomes of the
	 * transaction.
	 */
	private TransactionPhase transactionPhase = TransactionPhase.AFTER_COMMIT;

	private final Retry retry = new Retry();

	private final Ssl ssl = new Ssl();

	private final Health health = new Health();

	private final Spool spool = new Spool();

	private final Outbox outbox = new Outbox();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getApiUrl() {
		return this.apiUrl;
	}

	public void setApiUrl(@Nullable String apiUrl) {
		this.apiUrl = apiUrl;
	}

	public @Nullable String getApiToken() {
		return this.apiToken;
	}

	public void setApiToken(@Nullable String apiToken) {
		this.apiToken = apiToken;
	}

	public @Nullable String getInstance() {
		return this.instance;
	}

	public void setInstance(@Nullable String instance) {
		this.instance = instance;
	}

	public String getTable() {
		return this.table;
	}

	public void setTable(String table) {
		this.table = table;
	}

	public int getBatchLimit() {
		return this.batchLimit;
	}

	public void setBatchLimit(int batchLimit) {
		this.batchLimit = batchLimit;
	}

	public int getMaxRate() {
		return this.maxRate;
	}

	public void setMaxRate(int maxRate) {
		this.maxRate = maxRate;
	}

	public int getMaxInFlight() {
		return this.maxInFlight;
	}

	public void setMaxInFlight(int maxInFlight) {
		this.maxInFlight = maxInFlight;
	}

	public Duration getTimePeriod() {
		return this.timePeriod;
	}

	public void setTimePeriod(Duration timePeriod) {
		this.timePeriod = timePeriod;
	}

	public Duration getFlushInterval() {
		return this.flushInterval;
	}

	public void setFlushInterval(Duration flushInterval) {
		this.flushInterval = flushInterval;
	}

	public int getBufferCapacity() {
		return this.bufferCapacity;
	}

	public void setBufferCapacity(int bufferCapacity) {
		this.bufferCapacity = bufferCapacity;
	}

	public BufferOverflow getBufferOverflow() {
		return this.bufferOverflow;
	}

	public void setBufferOverflow(BufferOverflow bufferOverflow) {
		this.bufferOverflow = bufferOverflow;
	}

	public DataSize getMaxRequestSize() {
		return this.maxRequestSize;
	}

	public void setMaxRequestSize(DataSize maxRequestSize) {
		this.maxRequestSize = maxRequestSize;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	public void setRequestTimeout(Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public List<String> getInclude() {
		return this.include;
	}

	public void setInclude(List<String> include) {
		this.include = include;
	}

	public List<String> getExclude() {
		return this.exclude;
	}

	public void setExclude(List<String> exclude) {
		this.exclude = exclude;
	}

	public TransactionPhase getTransactionPhase() {
		return this.transactionPhase;
	}

	public void setTransactionPhase(TransactionPhase transactionPhase) {
		this.transactionPhase = transactionPhase;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Ssl getSsl() {
		return this.ssl;
	}

	public Health getHealth() {
		return this.health;
	}

	public Spool getSpool() {
		return this.spool;
	}

	public Outbox getOutbox() {
		return this.outbox;
	}

	/**
	 * Outbox settings: events written to a table of the application's own database, in the
	 * transaction they were published in, and sent from there by whichever instance of the
	 * application claims them.
	 */
	public static class Outbox {

		/**
		 * Whether to write events to the "datasette_events_outbox" table of the
		 * application's DataSource, in the transaction they are published in (or at once
		 * outside one), and send them from there. Needs "spring-jdbc" and a DataSource.
		 */
		private boolean enabled;

		/**
		 * When to create the outbox table at start-up, if it is missing: "embedded" (only in
		 * an embedded database), "always" or "never" (the table must exist).
		 */
		private InitializeSchema initializeSchema = InitializeSchema.EMBEDDED;

		/**
		 * How long a forwarder holds the rows it claimed: if it dies, other instances send
		 * them once this has passed.
		 */
		private Duration lease = Duration.ofMinutes(1);

		/**
		 * How often the outbox is read for rows that other instances, or an earlier run,
		 * wrote. Rows this application commits are sent without waiting for it.
		 */
		private Duration pollInterval = Duration.ofSeconds(1);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public InitializeSchema getInitializeSchema() {
			return this.initializeSchema;
		}

		public void setInitializeSchema(InitializeSchema initializeSchema) {
			this.initializeSchema = initializeSchema;
		}

		public Duration getLease() {
			return this.lease;
		}

		public void setLease(Duration lease) {
			this.lease = lease;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

	}

	/**
	 * When the outbox table is created.
	 */
	public enum InitializeSchema {

		/**
		 * Only in an embedded database, such as H2 in memory.
		 */
		EMBEDDED,

		/**
		 * Always, when it is missing.
		 */
		ALWAYS,

		/**
		 * Never: the table must exist.
		 */
		NEVER

	}

	/**
	 * Spool settings: queued events kept in a file, so that they survive a restart or a
	 * crash and are sent at the next start.
	 */
	public static class Spool {

		/**
		 * Whether to keep queued events in a SQLite file in "path" rather than in memory
		 * only. Needs "org.xerial:sqlite-jdbc" on the class path.
		 */
		private boolean enabled;

		/**
		 * Directory of the spool, created if missing. Each application needs one of its own.
		 */
		private @Nullable String path;

		/**
		 * Largest size of the spool's file. Beyond it, "buffer-overflow" says what is dropped.
		 */
		private DataSize maxSize = DataSize.ofMegabytes(256);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getPath() {
			return this.path;
		}

		public void setPath(@Nullable String path) {
			this.path = path;
		}

		public DataSize getMaxSize() {
			return this.maxSize;
		}

		public void setMaxSize(DataSize maxSize) {
			this.maxSize = maxSize;
		}

	}

	/**
	 * TLS settings of the requests to Datasette.
	 */
	public static class Ssl {

		/**
		 * SSL bundle (spring.ssl.bundle.*) that the requests to Datasette use, for a private
		 * certificate authority or client certificates.
		 */
		private @Nullable String bundle;

		public @Nullable String getBundle() {
			return this.bundle;
		}

		public void setBundle(@Nullable String bundle) {
			this.bundle = bundle;
		}

	}

	/**
	 * Health indicator settings.
	 */
	public static class Health {

		/**
		 * How long the oldest queued event may wait before the health indicator reports the
		 * forwarder out of service.
		 */
		private Duration maxQueueAge = Duration.ofMinutes(5);

		public Duration getMaxQueueAge() {
			return this.maxQueueAge;
		}

		public void setMaxQueueAge(Duration maxQueueAge) {
			this.maxQueueAge = maxQueueAge;
		}

	}

	/**
	 * Retries of a failed request.
	 */
	public static class Retry {

		/**
		 * Wait before the first retry of a failed request, doubled for each further one.
		 */
		private Duration initialBackoff = Duration.ofSeconds(1);

		/**
		 * Longest wait between two attempts of one request, and longest pause while the server
		 * refuses the token or the table.
		 */
		private Duration maxBackoff = Duration.ofSeconds(30);

		/**
		 * How long a batch may keep failing with connection errors, timeouts, 408, 429 or 5xx
		 * before its events are given up on (dead-lettered).
		 */
		private Duration giveUpAfter = Duration.ofMinutes(10);

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public Duration getGiveUpAfter() {
			return this.giveUpAfter;
		}

		public void setGiveUpAfter(Duration giveUpAfter) {
			this.giveUpAfter = giveUpAfter;
		}

	}

	/**
	 * When an event published in a transaction is forwarded.
	 */
	public enum TransactionPhase {

		/**
		 * Once the transaction has committed; never if it rolls back.
		 */
		AFTER_COMMIT,

		/**
		 * At once, whatever becomes of the transaction.
		 */
		NONE

	}

	/**
	 * What a full buffer drops.
	 */
	public enum BufferOverflow {

		/**
		 * Drop events published while the buffer is full: what was queued first is kept.
		 */
		DROP_NEWEST,

		/**
		 * Drop the oldest queued events to make room: the most recent events are kept.
		 */
		DROP_OLDEST

	}

}
