package io.github.eventsforward.autoconfigure;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.actuate.EventsForwardEndpoint;
import io.github.eventsforward.actuate.EventsForwardHealthIndicator;
import io.github.eventsforward.internal.ForwarderSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Actuator support of the events forwarder: the {@code eventsForward} health indicator, the
 * {@code eventsforward} endpoint, and masking of the API token and of the API URL's
 * credentials in the {@code configprops} and {@code env} endpoints.
 */
@AutoConfiguration(after = EventsForwardAutoConfiguration.class)
public final class EventsForwardActuatorAutoConfiguration {

	// Not conditional on the forwarder: the token and the URL stay in the environment, and
	// must stay masked, while forwarding is switched off or cannot run.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(SanitizingFunction.class)
	static class SecretsSanitizingConfiguration {

		@Bean
		SanitizingFunction eventsForwardTokenSanitizingFunction(Environment environment) {
			return (data) -> isToken(data, environment) ? data.withValue(SanitizableData.SANITIZED_VALUE) : data;
		}

		@Bean
		SanitizingFunction eventsForwardApiUrlSanitizingFunction(Environment environment) {
			return (data) -> isApiUrlWithCredentials(data, environment)
					? data.withValue(ForwarderSettings.withoutCredentials(String.valueOf(data.getValue()))) : data;
		}

		private static boolean isToken(SanitizableData data, Environment environment) {
			if (data.getLowerCaseKey().endsWith("events-forward.api-token")
					|| data.getLowerCaseKey().endsWith("events-forward.apitoken")) {
				return true;
			}
			// The same secret under another name, such as the FORWARD_TOKEN variable it came from.
			String token = bound(environment, "datasette.events-forward.api-token");
			return token != null && !token.isEmpty() && token.equals(String.valueOf(data.getValue()));
		}

		private static boolean isApiUrlWithCredentials(SanitizableData data, Environment environment) {
			String value = String.valueOf(data.getValue());
			if (!ForwarderSettings.hasCredentials(value)) {
				return false;
			}
			if (data.getLowerCaseKey().endsWith("events-forward.api-url")
					|| data.getLowerCaseKey().endsWith("events-forward.apiurl")) {
				return true;
			}
			// The same URL under another name, such as the DATASETTE_API_URL variable it came from.
			return value.equals(bound(environment, "datasette.events-forward.api-url"));
		}

		private static @Nullable String bound(Environment environment, String name) {
			return Binder.get(environment).bind(name, String.class).orElse(null);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnBean(EventsForwarder.class)
	@Conditional(OnForwardingCondition.class)
	@ConditionalOnEnabledHealthIndicator("eventsforward")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "eventsForwardHealthIndicator")
		EventsForwardHealthIndicator eventsForwardHealthIndicator(EventsForwarder eventsForwarder,
				EventsForwardProperties properties) {
			return new EventsForwardHealthIndicator(eventsForwarder, properties.getHealth().getMaxQueueAge());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
	@ConditionalOnBean(EventsForwarder.class)
	@Conditional(OnForwardingCondition.class)
	@ConditionalOnAvailableEndpoint(EventsForwardEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EventsForwardEndpoint eventsForwardEndpoint(EventsForwarder eventsForwarder,
				ObjectProvider<ForwarderSettings> settings, EventsForwardProperties properties) {
			return new EventsForwardEndpoint(eventsForwarder, settings.getIfAvailable(),
					properties.getShutdownTimeout());
		}

	}

}
