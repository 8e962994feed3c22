package io.github.eventsforward.autoconfigure;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.net.UnknownHostException;
import java.util.Locale;

import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.EventsForwardWebClientCustomizer;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.internal.DatasetteWriteClient;
import io.github.eventsforward.internal.EventFilter;
import io.github.eventsforward.internal.ForwarderLifecycle;
import io.github.eventsforward.internal.ForwarderObserver;
import io.github.eventsforward.internal.ForwarderSettings;
import io.github.eventsforward.internal.ForwardingOff;
import io.github.eventsforward.internal.ForwardingEventListener;
import io.github.eventsforward.internal.ForwardingPipeline;
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
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.JdkClientHttpConnectorBuilder;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration that forwards the application's events to a Datasette server, once
 * {@code datasette.events-forward.api-url} is set and unless {@code enabled} is
 * {@code false}. While forwarding is off, the {@link EventsForwarder} bean says so.
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
				ObjectProvider<EventsForwardWebClientCustomizer> customizers,
				ObjectProvider<ClientHttpConnectorBuilder<?>> connectorBuilder,
				ObjectProvider<HttpClientSettings> httpClientSettings, ObjectProvider<SslBundles> sslBundles,
				ObjectProvider<DeadLetterHandler> deadLetterHandlers, ObjectProvider<ForwarderObserver> observer,
				ResourceLoader resourceLoader, Environment environment) {
			if (!properties.isEnabled()) {
				// Only under Spring AOT, which decided the conditions at build time.
				logger.warn(OnForwardingCondition.ENABLED + " is false, but the application was processed ahead of"
						+ " time (Spring AOT) with forwarding on, so it forwards anyway. Run the AOT processing with"
						+ " it set to false to build an application that does not forward");
			}
			ForwarderSettings settings = EventsForwardPropertiesValidator.validate(properties,
					resourceLoader.getClassLoader());
			warnIfTokenTravelsInClearText(settings, properties.getApiToken());
			String instance = instance(properties, environment);
			if (instance == null) {
				logger.warn("Neither datasette.events-forward.instance nor spring.application.name is set: rows"
						+ " carry \"instance\": null, and the metrics are tagged instance=none. Set"
						+ " spring.application.name (or datasette.events-forward.instance) to tell this"
						+ " application's events apart");
			}
			ClientHttpConnector connector = http11(connectorBuilder
				.getIfAvailable(() -> ClientHttpConnectorBuilder.detect(resourceLoader.getClassLoader())))
				.build(clientSettings(properties, httpClientSettings, sslBundles));
			// A clone, so the application's codecs, filters and observations apply but nothing of
			// ours leaks into the application's builder.
			WebClient.Builder builder = webClientBuilder.getIfAvailable(WebClient::builder).clone();
			customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
			WebClient webClient = builder.clientConnector(connector).build();
			DatasetteWriteClient client = new DatasetteWriteClient(webClient, settings.requestUrl(),
					properties.getApiToken(), Clock.systemUTC());
			return new ForwardingPipeline(settings, eventRowMapper, jsonMapper.getIfAvailable(JsonMapper::shared),
					instance, client, deadLetterHandlers.orderedStream().toList(),
					observer.getIfAvailable(() -> ForwarderObserver.NONE));
		}

		// The JDK's HttpClient asks a plain http:// server to upgrade to HTTP/2 by default, and
		// Datasette's server answers that with 400 "Unsupported upgrade request".
		private static ClientHttpConnectorBuilder<?> http11(ClientHttpConnectorBuilder<?> builder) {
			return (builder instanceof JdkClientHttpConnectorBuilder jdk)
					? jdk.withHttpClientCustomizer((client) -> client.version(HttpClient.Version.HTTP_1_1)) : builder;
		}

		private static HttpClientSettings clientSettings(EventsForwardProperties properties,
				ObjectProvider<HttpClientSettings> httpClientSettings, ObjectProvider<SslBundles> sslBundles) {
			HttpClientSettings settings = httpClientSettings.getIfAvailable(HttpClientSettings::defaults)
				.withConnectTimeout(properties.getConnectTimeout());
			String bundle = properties.getSsl().getBundle();
			if (!StringUtils.hasText(bundle)) {
				return settings;
			}
			SslBundles bundles = sslBundles.getIfAvailable();
			try {
				if (bundles == null) {
					throw new NoSuchSslBundleException(bundle, "no SSL bundles are configured");
				}
				return settings.withSslBundle(bundles.getBundle(bundle));
			}
			catch (NoSuchSslBundleException ex) {
				throw new InvalidConfigurationPropertyValueException("datasette.events-forward.ssl.bundle", bundle,
						"must name an SSL bundle configured under spring.ssl.bundle (" + ex.getMessage() + ")");
			}
		}

		private static void warnIfTokenTravelsInClearText(ForwarderSettings settings, @Nullable String token) {
			URI apiUrl = settings.apiUrl();
			if (token == null || !"http".equalsIgnoreCase(apiUrl.getScheme()) || isLoopback(apiUrl.getHost())) {
				return;
			}
			logger.warn("datasette.events-forward.api-url (" + settings.displayUrl() + ") uses http:// to a host other than this"
					+ " machine: the API token travels in clear text. Use https://");
		}

		private static boolean isLoopback(@Nullable String host) {
			if (host == null) {
				return false;
			}
			if ("localhost".equalsIgnoreCase(host) || host.toLowerCase(Locale.ROOT).endsWith(".localhost")) {
				return true;
			}
			String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
			// Only literal addresses: a name is not looked up, as that would block start-up.
			if (!literal.chars().allMatch((c) -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
				return false;
			}
			try {
				return InetAddress.getByName(literal).isLoopbackAddress();
			}
			catch (UnknownHostException ex) {
				return false;
			}
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
