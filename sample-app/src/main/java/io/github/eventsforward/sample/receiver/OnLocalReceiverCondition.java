package io.github.eventsforward.sample.receiver;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches while {@code DATASETTE_API_URL} is unset or empty, that is while the sample forwards
 * to its own stand-in receiver.
 */
class OnLocalReceiverCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConditionMessage.Builder message = ConditionMessage.forCondition("Local Datasette receiver");
		if (StringUtils.hasText(context.getEnvironment().getProperty("DATASETTE_API_URL"))) {
			return ConditionOutcome.noMatch(message.because("DATASETTE_API_URL points at a real Datasette"));
		}
		return ConditionOutcome.match(message.because("DATASETTE_API_URL is not set"));
	}

}
