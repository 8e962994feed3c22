package io.github.eventsforward.autoconfigure;

import io.github.eventsforward.internal.ForwarderSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Describes an invalid {@code datasette.events-forward.api-token} without its value, and an
 * invalid {@code api-url} without the credentials it may hold. Boot's own analyzer of
 * {@link InvalidConfigurationPropertyValueException} prints the value it finds in the
 * environment; this one runs first.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class EventsForwardFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationPropertyValueException> {

	private static final String TOKEN = "datasette.events-forward.api-token";

	private static final String URL = "datasette.events-forward.api-url";

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationPropertyValueException cause) {
		if (TOKEN.equals(cause.getName())) {
			return new FailureAnalysis("Invalid value for configuration property '" + TOKEN
					+ "' (not shown: it is a secret). Validation failed for the following reason:\n\n"
					+ cause.getReason(), "Set " + TOKEN + " to the token alone, as 'datasette create-token' prints it.",
					cause);
		}
		if (URL.equals(cause.getName())) {
			String shown = ForwarderSettings.withoutCredentials(String.valueOf(cause.getValue()));
			return new FailureAnalysis("Invalid value '" + shown + "' for configuration property '" + URL
					+ "'. Validation failed for the following reason:\n\n" + cause.getReason(),
					"Set " + URL + " to the write API URL of a Datasette server.", cause);
		}
		return null;
	}

}
