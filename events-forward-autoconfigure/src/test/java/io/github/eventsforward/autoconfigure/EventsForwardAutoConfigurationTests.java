package io.github.eventsforward.autoconfigure;

import java.util.List;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.testsupport.DatasetteWriteApi;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

class EventsForwardAutoConfigurationTests {

	private final DatasetteWriteApi datasette = new DatasetteWriteApi();

	private final MockWebServer server = new MockWebServer();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, HttpClientAutoConfiguration.class,
				ReactiveHttpClientAutoConfiguration.class, WebClientAutoConfiguration.class,
				EventsForwardAutoConfiguration.class));

	@BeforeEach
	void startServer() throws Exception {
		this.server.setDispatcher(this.datasette);
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void sendsPartialBatchOnShutdown() {
		this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.url("/data/-/create"),
					"datasette.events-forward.api-token=" + DatasetteWriteApi.TOKEN,
					"spring.application.name=shop")
			.run((context) -> {
				context.publishEvent(new OrderPlaced("o-1", "alice", 2, new java.math.BigDecimal("9.90")));
				context.publishEvent(new OrderPlaced("o-2", "bob", 1, java.math.BigDecimal.ONE));
				context.close();
				List<ObjectNode> rows = this.datasette.rows("datasette_events");
				assertThat(rows).hasSize(2);
			});
	}

}
