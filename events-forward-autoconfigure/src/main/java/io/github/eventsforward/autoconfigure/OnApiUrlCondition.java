package io.github.eventsforward.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when {@code datasette.events-forward.api-url} has a value. An empty value, as
 * {@code ${DATASETTE_API_URL:}} gives when the variable is unset, counts as unset.
 */
class OnApiUrlCondition extends SpringBootCondition {

	static final String PROPERTY = "datasette.events-forward.api-url";

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConditionMessage.Builder message = ConditionMessage.forCondition("Datasette events forward API URL");
		if (StringUtils.hasText(context.getEnvironment().getProperty(PROPERTY))) {
			return ConditionOutcome.match(message.found("property").items(PROPERTY));
		}
		return ConditionOutcome.noMatch(message.didNotFind("property").items(PROPERTY));
	}

}
