package io.github.eventsforward.autoconfigure;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.eventsforward.autoconfigure.EventsForwardProperties.BufferOverflow;
import io.github.eventsforward.internal.ForwarderSettings;
import io.github.eventsforward.internal.WriteEndpoint;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Checks {@link EventsForwardProperties} at start-up and turns them into the pipeline's
 * settings. A wrong value fails start-up with a message that names the property and says
 * what would be right.
 */
public final class EventsForwardPropertiesValidator {

	static final Log logger = LogFactory.getLog(EventsForwardPropertiesValidator.class);

	static final String PREFIX = "datasette.events-forward.";

	/** Rows per request the plugin's contract allows at most. */
	static final int MAX_BATCH_LIMIT = 1000;

	static final int MAX_IN_FLIGHT = 64;

	/** Datasette's default {@code max_insert_rows}, which applies to {@code /-/insert}. */
	static final int DATASETTE_MAX_INSERT_ROWS = 100;

	private static final Duration SHORT_TIMEOUT = Duration.ofMillis(100);

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]*)[^}]*}");

	private EventsForwardPropertiesValidator() {
	}

	/**
	 * Check the properties, log what is questionable, and return the settings.
	 * @param properties the properties
	 * @param instance the {@code instance} label: the property, else the application's name
	 * @param classLoader where the {@code include} and {@code exclude} types are
	 * @return the settings
	 * @throws InvalidConfigurationPropertyValueException for a wrong value
	 */
	public static ForwarderSettings validate(EventsForwardProperties properties, @Nullable String instance,
			@Nullable ClassLoader classLoader) {
		checkResolved("api-url", properties.getApiUrl());
		checkResolved("api-token", properties.getApiToken());
		URI apiUrl = ApiUrl.parse(properties.getApiUrl(), properties.getApiToken() != null);
		WriteEndpoint endpoint = endpoint(apiUrl);
		checkToken(properties.getApiToken());
		List<String> include = EventTypes.check("include", properties.getInclude(), classLoader);
		List<String> exclude = EventTypes.check("exclude", properties.getExclude(), classLoader);
		if (instance == null) {
			logger.warn("Neither " + PREFIX + "instance nor spring.application.name is set: rows carry"
					+ " \"instance\": null, and the metrics are tagged instance=none. Set spring.application.name (or "
					+ PREFIX + "instance) to tell this application's events apart");
		}
		if (endpoint == WriteEndpoint.CREATE && !StringUtils.hasText(properties.getTable())) {
			throw invalid("table", properties.getTable(), "must name the table that /-/create writes to");
		}
		int batchLimit = properties.getBatchLimit();
		if (batchLimit < 1 || batchLimit > MAX_BATCH_LIMIT) {
			throw invalid("batch-limit", batchLimit, "must be between 1 and " + MAX_BATCH_LIMIT);
		}
		if (endpoint == WriteEndpoint.INSERT && batchLimit > DATASETTE_MAX_INSERT_ROWS) {
			logger.warn(PREFIX + "batch-limit is " + batchLimit + ", but Datasette accepts at most "
					+ DATASETTE_MAX_INSERT_ROWS + " rows per /-/insert request unless its max_insert_rows setting"
					+ " is raised; lower batch-limit, raise max_insert_rows, or use a /-/create URL, which has"
					+ " no such limit");
		}
		if (properties.getMaxRate() < 1) {
			throw invalid("max-rate", properties.getMaxRate(),
					"must be at least 1 request per time-period; to send less often, lengthen time-period");
		}
		positive("time-period", properties.getTimePeriod());
		int maxInFlight = properties.getMaxInFlight();
		if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
			throw invalid("max-in-flight", maxInFlight, "must be between 1 and " + MAX_IN_FLIGHT
					+ " requests at once; 1 sends one batch after the other");
		}
		if (maxInFlight > properties.getMaxRate()) {
			logger.warn(PREFIX + "max-in-flight is " + maxInFlight + ", but max-rate lets only "
					+ properties.getMaxRate() + " request(s) out per time-period (" + properties.getTimePeriod()
					+ "), so no more than that are ever in flight; raise max-rate for max-in-flight to take effect");
		}
		positive("flush-interval", properties.getFlushInterval());
		if (properties.getBufferCapacity() < 1) {
			throw invalid("buffer-capacity", properties.getBufferCapacity(), "must be at least 1 event");
		}
		if (properties.getShutdownTimeout().isNegative()) {
			throw invalid("shutdown-timeout", properties.getShutdownTimeout(), "must not be negative");
		}
		if (properties.getMaxRequestSize().toBytes() < 1024) {
			throw invalid("max-request-size", properties.getMaxRequestSize(),
					"must be at least 1KB; Datasette accepts up to 2MB by default");
		}
		positive("connect-timeout", properties.getConnectTimeout());
		positive("request-timeout", properties.getRequestTimeout());
		warnIfShort("shutdown-timeout", properties.getShutdownTimeout(), "shutdown then gives up on the events"
				+ " still queued");
		warnIfShort("connect-timeout", properties.getConnectTimeout(), "connections to Datasette then fail");
		warnIfShort("request-timeout", properties.getRequestTimeout(), "requests to Datasette then time out");
		EventsForwardProperties.Retry retry = properties.getRetry();
		positive("retry.initial-backoff", retry.getInitialBackoff());
		if (retry.getMaxBackoff().compareTo(retry.getInitialBackoff()) < 0) {
			throw invalid("retry.max-backoff", retry.getMaxBackoff(),
					"must not be shorter than retry.initial-backoff (" + retry.getInitialBackoff() + ")");
		}
		positive("retry.give-up-after", retry.getGiveUpAfter());
		ForwarderSettings.Overflow overflow = (properties.getBufferOverflow() == BufferOverflow.DROP_OLDEST)
				? ForwarderSettings.Overflow.DROP_OLDEST : ForwarderSettings.Overflow.DROP_NEWEST;
		return new ForwarderSettings(apiUrl, endpoint, properties.getApiToken() != null, instance,
				properties.getTable(), batchLimit, maxInFlight, properties.getMaxRate(), properties.getTimePeriod(),
				properties.getFlushInterval(), new ForwarderSettings.Buffer(properties.getBufferCapacity(), overflow),
				properties.getMaxRequestSize().toBytes(), properties.getConnectTimeout(),
				properties.getRequestTimeout(), properties.getShutdownTimeout(),
				new ForwarderSettings.Retry(retry.getInitialBackoff(), retry.getMaxBackoff(), retry.getGiveUpAfter()),
				include, exclude, new ForwarderSettings.Ssl(properties.getSsl().getBundle()),
				spool(properties.getSpool(), classLoader),
				(properties.getTransactionPhase() == EventsForwardProperties.TransactionPhase.NONE)
						? ForwarderSettings.TransactionPhase.NONE : ForwarderSettings.TransactionPhase.AFTER_COMMIT,
				outbox(properties, classLoader));
	}

	private static ForwarderSettings.Outbox outbox(EventsForwardProperties properties,
			@Nullable ClassLoader classLoader) {
		EventsForwardProperties.Outbox outbox = properties.getOutbox();
		if (!outbox.isEnabled()) {
			return ForwarderSettings.Outbox.NONE;
		}
		if (properties.getSpool().isEnabled()) {
			throw invalid("outbox.enabled", true, "cannot be set with spool.enabled: queued events wait either in the"
					+ " application's database or in a file. Set one of them to false");
		}
		if (properties.getTransactionPhase() == EventsForwardProperties.TransactionPhase.NONE) {
			throw invalid("outbox.enabled", true, "cannot be set with transaction-phase none: the outbox writes each"
					+ " event in the transaction it is published in, so it is forwarded after commit and never after a"
					+ " rollback. Leave transaction-phase at after-commit, or turn the outbox off");
		}
		if (!ClassUtils.isPresent("org.springframework.jdbc.core.simple.JdbcClient", classLoader)) {
			throw invalid("outbox.enabled", true, "needs Spring's JDBC support and a DataSource: add the dependency"
					+ " org.springframework.boot:spring-boot-starter-jdbc to the application");
		}
		if (outbox.getLease().compareTo(Duration.ofSeconds(1)) < 0) {
			throw invalid("outbox.lease", outbox.getLease(), "must be at least 1s, longer than a request to Datasette"
					+ " takes, or another instance would send the same rows again");
		}
		positive("outbox.poll-interval", outbox.getPollInterval());
		ForwarderSettings.InitializeSchema initialize = switch (outbox.getInitializeSchema()) {
			case ALWAYS -> ForwarderSettings.InitializeSchema.ALWAYS;
			case NEVER -> ForwarderSettings.InitializeSchema.NEVER;
			case EMBEDDED -> ForwarderSettings.InitializeSchema.EMBEDDED;
		};
		return new ForwarderSettings.Outbox(true, initialize, outbox.getLease(), outbox.getPollInterval());
	}

	private static ForwarderSettings.Spool spool(EventsForwardProperties.Spool spool, @Nullable ClassLoader classLoader) {
		if (!spool.isEnabled()) {
			return ForwarderSettings.Spool.NONE;
		}
		if (!StringUtils.hasText(spool.getPath())) {
			throw invalid("spool.path", spool.getPath(), "must name the directory of the spool, such as"
					+ " /var/lib/shop/events-spool, while spool.enabled is true");
		}
		if (spool.getMaxSize().toMegabytes() < 1) {
			throw invalid("spool.max-size", spool.getMaxSize(), "must be at least 1MB");
		}
		if (!ClassUtils.isPresent("org.sqlite.JDBC", classLoader)) {
			throw invalid("spool.enabled", true, "needs the SQLite driver: add the dependency org.xerial:sqlite-jdbc"
					+ " to the application");
		}
		Path path;
		try {
			path = Path.of(spool.getPath().strip()).toAbsolutePath();
		}
		catch (InvalidPathException ex) {
			throw invalid("spool.path", spool.getPath(), "must be a directory path (" + ex.getReason() + ")");
		}
		return new ForwarderSettings.Spool(true, path, spool.getMaxSize().toBytes());
	}

	private static WriteEndpoint endpoint(URI apiUrl) {
		WriteEndpoint endpoint = WriteEndpoint.of(apiUrl);
		if (endpoint == null) {
			throw invalid("api-url", ForwarderSettings.withoutCredentials(apiUrl.toString()), "must end in /-/create"
					+ " (http://host/<database>/-/create, which creates the table when it is missing) or /-/insert"
					+ " (http://host/<database>/<table>/-/insert)");
		}
		return endpoint;
	}

	// Boot leaves a placeholder it cannot resolve as it is, so an unset FORWARD_TOKEN would be
	// sent as the token "${FORWARD_TOKEN}". Only the placeholder is shown, never the value.
	private static void checkResolved(String name, @Nullable String value) {
		if (value == null) {
			return;
		}
		Matcher placeholder = PLACEHOLDER.matcher(value);
		if (placeholder.find()) {
			String variable = placeholder.group(1);
			throw invalid(name, placeholder.group(), "holds the placeholder " + placeholder.group()
					+ ", which nothing resolves: set the environment variable " + variable + " (or a property of that"
					+ " name) before the application starts, or give the placeholder a default, such as ${" + variable
					+ ":}");
		}
	}

	private static void warnIfShort(String name, Duration value, String consequence) {
		if (value.compareTo(SHORT_TIMEOUT) < 0) {
			logger.warn(PREFIX + name + " is " + value.toMillis() + "ms, under " + SHORT_TIMEOUT.toMillis() + "ms: "
					+ consequence + " almost at once. A number without a unit means milliseconds: write the unit,"
					+ " such as 10s");
		}
	}

	private static void checkToken(@Nullable String token) {
		if (token == null) {
			logger.warn(PREFIX + "api-token is not set: requests are sent without a token, and Datasette"
					+ " answers them with 403 unless it lets anonymous users write");
			return;
		}
		String reason = null;
		if (token.isBlank()) {
			reason = "is empty; set it to a token made with 'datasette create-token', or leave it unset";
		}
		else if (token.regionMatches(true, 0, "Bearer ", 0, 7)) {
			reason = "must be the token alone, without the 'Bearer ' prefix";
		}
		else if (token.chars().anyMatch(Character::isWhitespace)) {
			reason = "must not contain spaces or line breaks";
		}
		if (reason != null) {
			// The value itself is never shown: it is a secret.
			throw invalid("api-token", "******", reason);
		}
	}

	private static void positive(String name, Duration value) {
		if (value.isZero() || value.isNegative()) {
			throw invalid(name, value, "must be longer than zero");
		}
	}

	static InvalidConfigurationPropertyValueException invalid(String name, @Nullable Object value,
			String reason) {
		return new InvalidConfigurationPropertyValueException(PREFIX + name, value, reason);
	}

}
