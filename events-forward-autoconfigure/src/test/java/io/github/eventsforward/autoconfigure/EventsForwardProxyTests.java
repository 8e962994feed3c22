package io.github.eventsforward.autoconfigure;

import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.HttpConnector;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.transport.ProxyProvider;

import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.JdkClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A proxy set the usual Spring Boot way, with a customizer of the application's connector
 * builder (Reactor Netty's or the JDK client's), carries the forwarder's requests too.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(HttpConnector.class)
class EventsForwardProxyTests {

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	private final List<String> proxied = new CopyOnWriteArrayList<>();

	@RegisterExtension
	final DatasetteServerExtension proxy = new DatasetteServerExtension(this.datasette)
		.through(new Proxy(this.datasette, this.proxied));

	private final ApplicationContextRunner contextRunner;

	EventsForwardProxyTests(HttpConnector connector) {
		this.contextRunner = ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(connector.property())
			.withUserConfiguration(ProxyConfiguration.class);
	}

	@Test
	void sendsThroughTheProxyOfTheApplicationsConnectorBuilder() {
		this.contextRunner
			.withPropertyValues("proxy.port=" + this.proxy.getPort(),
					// A host that does not resolve: only the proxy can reach it.
					"datasette.events-forward.api-url=http://datasette.invalid/data/-/create",
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.flush-interval=50ms")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				await().until(() -> forwarder.counts().delivered() == 1);
				assertThat(this.proxied).containsExactly("datasette.invalid:80");
				assertThat(this.datasette.rows("datasette_events")).hasSize(1);
			});
	}

	/**
	 * Plays the proxy: Reactor Netty opens a tunnel with CONNECT, the JDK client sends the
	 * request with its absolute URL; either way the proxy notes where it was meant to go and
	 * answers as Datasette would, so the test sees what went through.
	 */
	private static final class Proxy extends Dispatcher {

		private final Dispatcher datasette;

		private final List<String> proxied;

		Proxy(Dispatcher datasette, List<String> proxied) {
			this.datasette = datasette;
			this.proxied = proxied;
		}

		@Override
		public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
			if ("CONNECT".equals(request.getMethod())) {
				this.proxied.add(request.getTarget());
				return new MockResponse.Builder().inTunnel().build();
			}
			if (request.getTarget().startsWith("http://")) {
				this.proxied.add(request.getUrl().host() + ":" + request.getUrl().port());
			}
			return this.datasette.dispatch(request);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProxyConfiguration {

		@Bean
		ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> reactorNettyProxy(
				Environment environment) {
			int port = environment.getRequiredProperty("proxy.port", Integer.class);
			return (builder) -> builder.withHttpClientCustomizer((client) -> client
				.proxy((proxy) -> proxy.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(port)));
		}

		@Bean
		ClientHttpConnectorBuilderCustomizer<JdkClientHttpConnectorBuilder> jdkClientProxy(Environment environment) {
			int port = environment.getRequiredProperty("proxy.port", Integer.class);
			return (builder) -> builder.withHttpClientCustomizer(
					(client) -> client.proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", port))));
		}

	}

}
