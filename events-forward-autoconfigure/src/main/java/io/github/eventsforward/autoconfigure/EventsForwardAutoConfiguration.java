package io.github.eventsforward.autoconfigure;

import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.internal.DatasetteWriteClient;
import io.github.eventsforward.internal.EventFilter;
import io.github.eventsforward.internal.ForwarderLifecycle;
import io.github.eventsforward.internal.ForwarderSettings;
import io.github.eventsforward.internal.ForwardingEventListener;
import io.github.eventsforward.internal.ForwardingPipeline;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration that forwards the application's events to a Datasette server. Active
 * once {@code datasette.events-forward.api-url} is set.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration",
		"org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration",
		"org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@ConditionalOnClass({ WebClient.class, ClientHttpConnectorBuilder.class })
@ConditionalOnBooleanProperty(name = "datasette.events-forward.enabled", matchIfMissing = true)
@EnableConfigurationProperties(EventsForwardProperties.class)
public final class EventsForwardAutoConfiguration {

	private static final Log logger = LogFactory.getLog(EventsForwardAutoConfiguration.class);

	EventsForwardAutoConfiguration(EventsForwardProperties properties) {
		if (!StringUtils.hasText(properties.getApiUrl())) {
			logger.info("Datasette events forwarding is off: datasette.events-forward.api-url is not set."
					+ " Set it to a write API URL such as http://localhost:8001/mydb/-/create to forward events");
		}
	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnApiUrlCondition.class)
	static class ForwardingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EventRowMapper eventRowMapper(ObjectProvider<JsonMapper> jsonMapper) {
			return new DefaultEventRowMapper(jsonMapper.getIfAvailable(JsonMapper::shared));
		}

		@Bean
		@ConditionalOnMissingBean
		ForwardingPipeline eventsForwarder(EventsForwardProperties properties, EventRowMapper eventRowMapper,
				ObjectProvider<JsonMapper> jsonMapper, ObjectProvider<WebClient.Builder> webClientBuilder,
				ObjectProvider<ClientHttpConnectorBuilder<?>> connectorBuilder,
				ObjectProvider<HttpClientSettings> httpClientSettings, ObjectProvider<DeadLetterHandler> deadLetterHandlers,
				ResourceLoader resourceLoader, Environment environment) {
			ForwarderSettings settings = EventsForwardPropertiesValidator.validate(properties);
			HttpClientSettings clientSettings = httpClientSettings.getIfAvailable(HttpClientSettings::defaults)
				.withConnectTimeout(properties.getConnectTimeout());
			ClientHttpConnector connector = connectorBuilder
				.getIfAvailable(() -> ClientHttpConnectorBuilder.detect(resourceLoader.getClassLoader()))
				.build(clientSettings);
			// A clone, so the application's codecs, filters and observations apply but our
			// connector does not leak into the application's builder.
			WebClient webClient = webClientBuilder.getIfAvailable(WebClient::builder)
				.clone()
				.clientConnector(connector)
				.build();
			DatasetteWriteClient client = new DatasetteWriteClient(webClient, settings.apiUrl(),
					properties.getApiToken());
			String instance = StringUtils.hasText(properties.getInstance()) ? properties.getInstance()
					: environment.getProperty("spring.application.name");
			return new ForwardingPipeline(settings, eventRowMapper, jsonMapper.getIfAvailable(JsonMapper::shared),
					instance, client, deadLetterHandlers.orderedStream().toList());
		}

		@Bean
		@ConditionalOnMissingBean
		ForwarderLifecycle eventsForwarderLifecycle(ForwardingPipeline eventsForwarder) {
			return new ForwarderLifecycle(eventsForwarder);
		}

		@Bean
		@ConditionalOnMissingBean
		ForwardingEventListener eventsForwardListener(EventsForwardProperties properties,
				ForwardingPipeline eventsForwarder) {
			return new ForwardingEventListener(new EventFilter(properties.getInclude(), properties.getExclude()),
					eventsForwarder);
		}

	}

}
