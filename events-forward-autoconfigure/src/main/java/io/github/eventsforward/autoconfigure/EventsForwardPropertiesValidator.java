package io.github.eventsforward.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

import io.github.eventsforward.internal.ForwarderSettings;
import io.github.eventsforward.internal.WriteEndpoint;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.StringUtils;

/**
 * Checks {@link EventsForwardProperties} at start-up and turns them into the pipeline's
 * settings. A wrong value fails start-up with a message that names the property and says
 * what would be right.
 */
final class EventsForwardPropertiesValidator {

	private static final Log logger = LogFactory.getLog(EventsForwardPropertiesValidator.class);

	private static final String PREFIX = "datasette.events-forward.";

	/** Rows per request the plugin's contract allows at most. */
	static final int MAX_BATCH_LIMIT = 1000;

	/** Datasette's default {@code max_insert_rows}, which applies to {@code /-/insert}. */
	static final int DATASETTE_MAX_INSERT_ROWS = 100;

	private EventsForwardPropertiesValidator() {
	}

	static ForwarderSettings validate(EventsForwardProperties properties) {
		URI apiUrl = apiUrl(properties.getApiUrl());
		WriteEndpoint endpoint = endpoint(apiUrl);
		checkToken(properties.getApiToken());
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
		EventsForwardProperties.Retry retry = properties.getRetry();
		positive("retry.initial-backoff", retry.getInitialBackoff());
		if (retry.getMaxBackoff().compareTo(retry.getInitialBackoff()) < 0) {
			throw invalid("retry.max-backoff", retry.getMaxBackoff(),
					"must not be shorter than retry.initial-backoff (" + retry.getInitialBackoff() + ")");
		}
		positive("retry.give-up-after", retry.getGiveUpAfter());
		return new ForwarderSettings(apiUrl, endpoint, properties.getApiToken() != null, properties.getTable(),
				batchLimit, properties.getMaxRate(), properties.getTimePeriod(), properties.getFlushInterval(),
				properties.getBufferCapacity(),
				properties.getBufferOverflow() == EventsForwardProperties.BufferOverflow.DROP_OLDEST,
				properties.getMaxRequestSize().toBytes(), properties.getRequestTimeout(),
				properties.getShutdownTimeout(), retry.getInitialBackoff(), retry.getMaxBackoff(),
				retry.getGiveUpAfter());
	}

	private static URI apiUrl(@Nullable String value) {
		String hint = "must be the absolute http or https URL of a Datasette write API endpoint, such as"
				+ " http://localhost:8001/mydb/-/create";
		if (!StringUtils.hasText(value)) {
			throw invalid("api-url", value, hint);
		}
		try {
			URI uri = new URI(value.strip());
			if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
					|| uri.getHost() == null) {
				throw invalid("api-url", value, hint);
			}
			return uri;
		}
		catch (URISyntaxException ex) {
			throw invalid("api-url", value, hint + " (" + ex.getReason() + ")");
		}
	}

	private static WriteEndpoint endpoint(URI apiUrl) {
		WriteEndpoint endpoint = WriteEndpoint.of(apiUrl);
		if (endpoint == null) {
			throw invalid("api-url", apiUrl, "must end in /-/create (http://host/<database>/-/create, which creates"
					+ " the table when it is missing) or /-/insert (http://host/<database>/<table>/-/insert)");
		}
		return endpoint;
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

	private static InvalidConfigurationPropertyValueException invalid(String name, @Nullable Object value,
			String reason) {
		return new InvalidConfigurationPropertyValueException(PREFIX + name, value, reason);
	}

}
