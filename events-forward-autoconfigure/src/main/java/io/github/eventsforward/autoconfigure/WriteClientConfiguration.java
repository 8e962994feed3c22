package io.github.eventsforward.autoconfigure;

import java.net.http.HttpClient;
import java.time.Clock;

import io.github.eventsforward.BatchSender;
import io.github.eventsforward.EventsForwardWebClientCustomizer;
import io.github.eventsforward.internal.DatasetteWriteClient;
import io.github.eventsforward.internal.ForwarderSettings;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.JdkClientHttpConnectorBuilder;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The {@link BatchSender} that posts to Datasette's write API: a {@link WebClient} cloned
 * from the application's builder, on the connector Spring Boot configures, with the
 * forwarder's timeouts and SSL bundle. An application's own {@link BatchSender} bean
 * replaces it.
 */
@Configuration(proxyBeanMethods = false)
class WriteClientConfiguration {

	@Bean
	@ConditionalOnMissingBean(BatchSender.class)
	DatasetteWriteClient eventsForwardWriteClient(ForwarderSettings settings, EventsForwardProperties properties,
			ObjectProvider<WebClient.Builder> webClientBuilder,
			ObjectProvider<EventsForwardWebClientCustomizer> customizers,
			ObjectProvider<ClientHttpConnectorBuilder<?>> connectorBuilder,
			ObjectProvider<HttpClientSettings> httpClientSettings, ObjectProvider<SslBundles> sslBundles,
			ResourceLoader resourceLoader) {
		ClientHttpConnector connector = http11(connectorBuilder
			.getIfAvailable(() -> ClientHttpConnectorBuilder.detect(resourceLoader.getClassLoader())))
			.build(clientSettings(settings, httpClientSettings, sslBundles));
		// A clone, so the application's codecs, filters and observations apply but nothing of
		// ours leaks into the application's builder.
		WebClient.Builder builder = webClientBuilder.getIfAvailable(WebClient::builder).clone();
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return new DatasetteWriteClient(builder.clientConnector(connector).build(), settings.apiUrl(),
				properties.getApiToken(), Clock.systemUTC());
	}

	// The JDK's HttpClient asks a plain http:// server to upgrade to HTTP/2 by default, and
	// Datasette's server answers that with 400 "Unsupported upgrade request".
	private static ClientHttpConnectorBuilder<?> http11(ClientHttpConnectorBuilder<?> builder) {
		return (builder instanceof JdkClientHttpConnectorBuilder jdk)
				? jdk.withHttpClientCustomizer((client) -> client.version(HttpClient.Version.HTTP_1_1)) : builder;
	}

	private static HttpClientSettings clientSettings(ForwarderSettings settings,
			ObjectProvider<HttpClientSettings> httpClientSettings, ObjectProvider<SslBundles> sslBundles) {
		HttpClientSettings clientSettings = httpClientSettings.getIfAvailable(HttpClientSettings::defaults)
			.withConnectTimeout(settings.connectTimeout());
		String bundle = settings.ssl().bundle();
		if (bundle == null || bundle.isBlank()) {
			return clientSettings;
		}
		SslBundles bundles = sslBundles.getIfAvailable();
		try {
			if (bundles == null) {
				throw new NoSuchSslBundleException(bundle, "no SSL bundles are configured");
			}
			return clientSettings.withSslBundle(bundles.getBundle(bundle));
		}
		catch (NoSuchSslBundleException ex) {
			throw new InvalidConfigurationPropertyValueException("datasette.events-forward.ssl.bundle", bundle,
					"must name an SSL bundle configured under spring.ssl.bundle (" + ex.getMessage() + ")");
		}
	}

}
