package io.github.eventsforward.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Describes an invalid {@code datasette.events-forward.api-token} without its value. Boot's
 * own analyzer of {@link InvalidConfigurationPropertyValueException} prints the value it
 * finds in the environment, which for this property is a secret; this one runs first.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class EventsForwardTokenFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationPropertyValueException> {

	private static final String PROPERTY = "datasette.events-forward.api-token";

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationPropertyValueException cause) {
		if (!PROPERTY.equals(cause.getName())) {
			return null;
		}
		return new FailureAnalysis("Invalid value for configuration property '" + PROPERTY
				+ "' (not shown: it is a secret). Validation failed for the following reason:\n\n" + cause.getReason(),
				"Set " + PROPERTY + " to the token alone, as 'datasette create-token' prints it.", cause);
	}

}
