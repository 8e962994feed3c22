package io.github.eventsforward.autoconfigure;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.testsupport.DatasetteWriteApi;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.transport.ProxyProvider;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A proxy set the usual Spring Boot way, with a customizer of the Reactor Netty connector
 * builder, carries the forwarder's requests too.
 */
class EventsForwardProxyTests {

	private final DatasetteWriteApi datasette = new DatasetteWriteApi();

	// Plays the proxy: Reactor Netty opens a tunnel with CONNECT, and the requests that come
	// through it are answered as Datasette would, so the test sees what went through.
	private final MockWebServer proxy = new MockWebServer();

	private final List<String> tunnels = new CopyOnWriteArrayList<>();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, HttpClientAutoConfiguration.class,
				ReactiveHttpClientAutoConfiguration.class, WebClientAutoConfiguration.class,
				EventsForwardAutoConfiguration.class))
		.withUserConfiguration(ProxyConfiguration.class);

	@BeforeEach
	void startProxy() throws Exception {
		this.proxy.setDispatcher(new Dispatcher() {

			@Override
			public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
				if ("CONNECT".equals(request.getMethod())) {
					EventsForwardProxyTests.this.tunnels.add(request.getTarget());
					return new MockResponse.Builder().inTunnel().build();
				}
				return EventsForwardProxyTests.this.datasette.dispatch(request);
			}

		});
		this.proxy.start();
	}

	@AfterEach
	void stopProxy() {
		this.proxy.close();
	}

	@Test
	void sendsThroughTheProxyOfTheApplicationsConnectorBuilder() {
		this.contextRunner
			.withPropertyValues("proxy.port=" + this.proxy.getPort(),
					// A host that does not resolve: only the proxy can reach it.
					"datasette.events-forward.api-url=http://datasette.invalid/data/-/create",
					"datasette.events-forward.api-token=" + DatasetteWriteApi.TOKEN,
					"datasette.events-forward.flush-interval=50ms")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				await().until(() -> forwarder.counts().delivered() == 1);
				assertThat(this.tunnels).containsExactly("datasette.invalid:80");
				assertThat(this.datasette.rows("datasette_events")).hasSize(1);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class ProxyConfiguration {

		@Bean
		ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> proxy(
				org.springframework.core.env.Environment environment) {
			int port = environment.getRequiredProperty("proxy.port", Integer.class);
			return (builder) -> builder.withHttpClientCustomizer((client) -> client
				.proxy((proxy) -> proxy.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(port)));
		}

	}

}
