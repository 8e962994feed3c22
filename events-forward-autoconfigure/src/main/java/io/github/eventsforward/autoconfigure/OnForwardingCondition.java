package io.github.eventsforward.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when forwarding is on: {@code datasette.events-forward.enabled} is not
 * {@code false} and {@code datasette.events-forward.api-url} has a value. An empty value, as
 * {@code ${DATASETTE_API_URL:}} gives when the variable is unset, counts as unset.
 */
class OnForwardingCondition extends SpringBootCondition {

	static final String ENABLED = "datasette.events-forward.enabled";

	static final String API_URL = "datasette.events-forward.api-url";

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConditionMessage.Builder message = ConditionMessage.forCondition("Datasette events forwarding");
		String off = offReason(context.getEnvironment());
		return (off != null) ? ConditionOutcome.noMatch(message.because(off))
				: ConditionOutcome.match(message.found("property").items(API_URL));
	}

	/**
	 * Return why forwarding is off, naming the setting and how to turn it on.
	 * @param environment the environment
	 * @return the reason, or {@code null} when forwarding is on
	 */
	static @Nullable String offReason(Environment environment) {
		// Bound as the properties are, so that a placeholder nothing resolves stays as it is
		// and the validator can name it, rather than failing here without the property's name.
		Binder binder = Binder.get(environment);
		if (!binder.bind(ENABLED, Boolean.class).orElse(true)) {
			return ENABLED + " is false. Remove it, or set it to true, to forward events";
		}
		if (!StringUtils.hasText(binder.bind(API_URL, String.class).orElse(null))) {
			return API_URL + " is not set. Set it to a write API URL such as"
					+ " http://localhost:8001/mydb/-/create to forward events";
		}
		return null;
	}

	/**
	 * Matches when forwarding is off.
	 */
	static class Off extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage.forCondition("Datasette events forwarding off");
			String off = offReason(context.getEnvironment());
			return (off != null) ? ConditionOutcome.match(message.because(off))
					: ConditionOutcome.noMatch(message.found("property").items(API_URL));
		}

	}

}
