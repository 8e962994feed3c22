package io.github.eventsforward.autoconfigure;

import java.time.Clock;

import javax.sql.DataSource;

import io.github.eventsforward.BatchSender;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.internal.EventFilter;
import io.github.eventsforward.internal.ForwarderLifecycle;
import io.github.eventsforward.internal.ForwarderObserver;
import io.github.eventsforward.internal.ForwarderSettings;
import io.github.eventsforward.internal.ForwardingEventListener;
import io.github.eventsforward.internal.ForwardingOff;
import io.github.eventsforward.internal.ForwardingPipeline;
import io.github.eventsforward.internal.UnusableOutboxException;
import io.github.eventsforward.internal.UnusableSpoolException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration that forwards the application's events to a Datasette server, once
 * {@code datasette.events-forward.api-url} is set and unless {@code enabled} is
 * {@code false}. While forwarding is off, the {@link EventsForwarder} bean says so. An
 * {@link EventsForwarder} bean of the application's replaces the forwarder, and a
 * {@link BatchSender} bean the way batches are sent.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration",
		"org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration",
		"org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
		"org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration" })
@ConditionalOnClass({ WebClient.class, ClientHttpConnectorBuilder.class })
@EnableConfigurationProperties(EventsForwardProperties.class)
public final class EventsForwardAutoConfiguration {

	private static final Log logger = LogFactory.getLog(EventsForwardAutoConfiguration.class);

	/**
	 * Return the {@code instance} label: the property, else the application's name.
	 * @param properties the properties
	 * @param environment the environment
	 * @return the label, or {@code null} when neither is set
	 */
	static @Nullable String instance(EventsForwardProperties properties, Environment environment) {
		return StringUtils.hasText(properties.getInstance()) ? properties.getInstance()
				: environment.getProperty("spring.application.name");
	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnForwardingCondition.Off.class)
	static class ForwardingOffConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EventsForwarder eventsForwarder(Environment environment) {
			String reason = OnForwardingCondition.offReason(environment);
			if (reason == null) {
				// Only under Spring AOT, which decided the conditions at build time.
				reason = "the application was processed ahead of time (Spring AOT) with forwarding off, and the"
						+ " settings it starts with cannot turn it on. Run the AOT processing with "
						+ OnForwardingCondition.API_URL + " set to forward events";
				logger.warn("Datasette events forwarding is off: " + reason);
			}
			else {
				logger.info("Datasette events forwarding is off: " + reason);
			}
			return new ForwardingOff(reason, Clock.systemUTC());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnForwardingCondition.class)
	@ConditionalOnMissingBean(EventsForwarder.class)
	@Import(WriteClientConfiguration.class)
	static class ForwardingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ForwarderSettings eventsForwarderSettings(EventsForwardProperties properties, Environment environment,
				ResourceLoader resourceLoader) {
			if (!properties.isEnabled()) {
				// Only under Spring AOT, which decided the conditions at build time.
				logger.warn(OnForwardingCondition.ENABLED + " is false, but the application was processed ahead of"
						+ " time (Spring AOT) with forwarding on, so it forwards anyway. Run the AOT processing with"
						+ " it set to false to build an application that does not forward");
			}
			return EventsForwardPropertiesValidator.validate(properties, instance(properties, environment),
					resourceLoader.getClassLoader());
		}

		@Bean
		@ConditionalOnMissingBean
		EventRowMapper eventRowMapper(ObjectProvider<JsonMapper> jsonMapper) {
			return new DefaultEventRowMapper(jsonMapper.getIfAvailable(JsonMapper::shared));
		}

		@Bean
		ForwardingPipeline eventsForwarder(ForwarderSettings settings, EventRowMapper eventRowMapper,
				ObjectProvider<JsonMapper> jsonMapper, BatchSender sender,
				ObjectProvider<DeadLetterHandler> deadLetterHandlers, ObjectProvider<ForwarderObserver> observers,
				ObjectProvider<DataSource> dataSource) {
			try {
				return new ForwardingPipeline(settings, eventRowMapper, jsonMapper.getIfAvailable(JsonMapper::shared),
						sender, deadLetterHandlers.orderedStream().toList(),
						ForwarderObserver.of(observers.orderedStream().toList()),
						settings.outbox().enabled() ? dataSource.getIfUnique() : null);
			}
			catch (UnusableSpoolException ex) {
				throw new InvalidConfigurationPropertyValueException("datasette.events-forward.spool.path",
						settings.spool().path(), ex.getMessage());
			}
			catch (UnusableOutboxException ex) {
				throw new InvalidConfigurationPropertyValueException("datasette.events-forward.outbox.enabled", true,
						ex.getMessage());
			}
		}

		@Bean
		ForwarderLifecycle eventsForwarderLifecycle(ForwardingPipeline eventsForwarder) {
			return new ForwarderLifecycle(eventsForwarder);
		}

		@Bean
		ForwardingEventListener eventsForwardListener(ForwarderSettings settings,
				ForwardingPipeline eventsForwarder) {
			return new ForwardingEventListener(new EventFilter(settings.include(), settings.exclude()),
					eventsForwarder);
		}

	}

}
