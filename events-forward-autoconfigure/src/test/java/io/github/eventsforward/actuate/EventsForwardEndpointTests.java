package io.github.eventsforward.actuate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import io.github.eventsforward.autoconfigure.EventsForwardActuatorAutoConfiguration;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.WebApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDeliveredAndQueueAgeZero;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static io.github.eventsforward.testsupport.OrderEvents.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code eventsforward} actuator endpoint: when it is there, what reading it shows and
 * what writing to it does, over HTTP as an operator would use it.
 */
class EventsForwardEndpointTests {

	private static final String PASSWORD = "s3cret-basic-pass";

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner
		.withAutoConfigurations(EventsForwardActuatorAutoConfiguration.class);

	// ---------------------------------------------------------------- availability

	@Test
	void isThereOnlyWhenTheUserExposesIt() {
		ApplicationContextRunner forwarding = this.contextRunner.withPropertyValues(
				"datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN);
		forwarding.run((context) -> assertThat(context).hasNotFailed()
			.hasSingleBean(EventsForwarder.class)
			.doesNotHaveBean(EventsForwardEndpoint.class));
		forwarding.withPropertyValues("management.endpoints.web.exposure.include=health,eventsforward")
			.run((context) -> assertThat(context).hasSingleBean(EventsForwardEndpoint.class));
		forwarding.withPropertyValues("management.endpoints.web.exposure.include=*")
			.run((context) -> assertThat(context).hasSingleBean(EventsForwardEndpoint.class));
		forwarding
			.withPropertyValues("management.endpoints.web.exposure.include=*",
					"management.endpoints.web.exposure.exclude=eventsforward")
			.run((context) -> assertThat(context).doesNotHaveBean(EventsForwardEndpoint.class));
		forwarding
			.withPropertyValues("management.endpoints.web.exposure.include=eventsforward",
					"management.endpoint.eventsforward.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(EventsForwardEndpoint.class));
	}

	@Test
	void isNotThereWhileForwardingIsOff() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=*")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(EventsForwardEndpoint.class));
	}

	@Test
	void anApplicationWithActuatorButWithoutWebClientStartsWithoutTheForwarder() {
		ApplicationContextRunner forwarding = this.contextRunner.withPropertyValues(
				"datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
				"management.endpoints.web.exposure.include=*");
		forwarding.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(EventsForwarder.class));
		forwarding.withClassLoader(new FilteredClassLoader(ClientHttpConnectorBuilder.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(EventsForwarder.class));
	}

	@Test
	void isNotServedOverHttpUnlessExposed() {
		try (WebApplication application = WebApplication.start(forwardingProperties())) {
			application.client().get().uri("/actuator/eventsforward").exchange().expectStatus().isNotFound();
			application.client()
				.get()
				.uri("/actuator")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$._links.eventsforward")
				.doesNotExist();
		}
	}

	// ---------------------------------------------------------------- reading

	@Test
	void showsTheSettingsWithoutSecretsTheCountsAndTheStateWithTheLastError() {
		this.datasette.enqueue(DatasetteDispatcher.error(500, "Internal Server Error"));
		String apiUrl = "http://datasette:" + PASSWORD + "@127.0.0.1:" + this.server.getPort() + "/data/-/create";
		try (WebApplication application = WebApplication.start(forwardingProperties(
				"datasette.events-forward.api-url=" + apiUrl, "datasette.events-forward.instance=shop-1",
				"datasette.events-forward.include=com.example.shop",
				"management.endpoints.web.exposure.include=eventsforward"))) {
			EventsForwarder forwarder = application.bean(EventsForwarder.class);
			publish(application.context(), 1, 2);
			awaitDeliveredAndQueueAgeZero(forwarder, 2);

			byte[] body = read(application.client()).expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.configuration.hasToken")
				.isEqualTo(true)
				.jsonPath("$.configuration.apiUrl")
				.isEqualTo("http://127.0.0.1:" + this.server.getPort() + "/data/-/create")
				.jsonPath("$.configuration.instance")
				.isEqualTo("shop-1")
				.jsonPath("$.configuration.table")
				.isEqualTo("datasette_events")
				.jsonPath("$.configuration.batchLimit")
				.isEqualTo(10)
				.jsonPath("$.configuration.flushInterval")
				.isEqualTo("PT0.05S")
				.jsonPath("$.configuration.include[0]")
				.isEqualTo("com.example.shop")
				.jsonPath("$.configuration.buffer.capacity")
				.isEqualTo(10000)
				.jsonPath("$.configuration.buffer.overflow")
				.isEqualTo("drop-newest")
				.jsonPath("$.configuration.retry.maxBackoff")
				.isEqualTo("PT0.05S")
				.jsonPath("$.configuration.maxRequestSize")
				.isEqualTo(2048000)
				.jsonPath("$.configuration.transactionPhase")
				.isEqualTo("after-commit")
				.jsonPath("$.counts.rolledBack")
				.isEqualTo(0)
				.jsonPath("$.counts.published")
				.isEqualTo(2)
				.jsonPath("$.counts.delivered")
				.isEqualTo(2)
				.jsonPath("$.counts.failed")
				.isEqualTo(0)
				.jsonPath("$.queueDepth")
				.isEqualTo(0)
				.jsonPath("$.oldestQueuedAge")
				.isEqualTo("PT0S")
				.jsonPath("$.state.status")
				.isEqualTo("DELIVERING")
				.jsonPath("$.state.reason")
				.doesNotExist()
				.jsonPath("$.state.lastError")
				.value((String error) -> assertThat(error).contains("HTTP 500", "Internal Server Error"))
				.jsonPath("$.state.lastErrorAt")
				.isNotEmpty()
				.returnResult()
				.getResponseBodyContent();
			assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain(DatasetteDispatcher.TOKEN)
				.doesNotContain(PASSWORD);
		}
	}

	@Test
	void showsTheQueueDepthAndTheAgeOfTheOldestEventWhileTheServerHoldsItsAnswers() {
		this.datasette.holdAnswers();
		try (WebApplication application = WebApplication.start(
				forwardingProperties("management.endpoints.web.exposure.include=eventsforward"))) {
			publish(application.context(), 1, 3);
			waiting().until(() -> this.server.getRequestCount() >= 1);
			waiting().until(() -> application.bean(EventsForwarder.class).oldestQueuedAge().toMillis() >= 50);

			read(application.client()).expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.queueDepth")
				.isEqualTo(3)
				.jsonPath("$.counts.queued")
				.isEqualTo(3)
				.jsonPath("$.oldestQueuedAge")
				.value((String age) -> assertThat(Duration.parse(age)).isGreaterThanOrEqualTo(Duration.ofMillis(50)));
		}
	}

	@Test
	void showsWhySendingIsPaused() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		try (WebApplication application = WebApplication.start(
				forwardingProperties("management.endpoints.web.exposure.include=eventsforward"))) {
			publish(application.context(), 1, 1);
			waiting().until(() -> application.bean(EventsForwarder.class).state().status() == ForwarderState.Status.PAUSED);

			read(application.client()).expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.state.status")
				.isEqualTo("PAUSED")
				.jsonPath("$.state.reason")
				.value((String reason) -> assertThat(reason).contains("HTTP 401", "datasette.events-forward.api-token"))
				.jsonPath("$.state.since")
				.isNotEmpty()
				.jsonPath("$.queueDepth")
				.isEqualTo(1);
		}
	}

	// ---------------------------------------------------------------- writing

	@Test
	void postingFlushesAndSaysWhetherEverythingWasFlushed() {
		this.datasette.holdAnswers();
		try (WebApplication application = WebApplication.start(
				forwardingProperties("management.endpoints.web.exposure.include=eventsforward"))) {
			publish(application.context(), 1, 2);

			application.client()
				.post()
				.uri("/actuator/eventsforward")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("timeoutSeconds", 0))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.flushed")
				.isEqualTo(false)
				.jsonPath("$.counts.queued")
				.isEqualTo(2);

			this.datasette.releaseAnswers();
			application.client()
				.post()
				.uri("/actuator/eventsforward")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of())
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.flushed")
				.isEqualTo(true)
				.jsonPath("$.counts.delivered")
				.isEqualTo(2)
				.jsonPath("$.counts.queued")
				.isEqualTo(0);
			assertThat(this.datasette.rows("datasette_events")).hasSize(2);
			assertThat(application.bean(EventsForwarder.class).counts()).isEqualTo(new ForwardCounts(2, 2, 0, 0, 0));
		}
	}

	@Test
	void aBarePostFlushesWithinTheShutdownTimeout() {
		// What "curl -X POST http://host/actuator/eventsforward" sends: no body, no Content-Type.
		// A shutdown timeout that a slow first connection cannot use up.
		try (WebApplication application = WebApplication.start(forwardingProperties(
				"management.endpoints.web.exposure.include=eventsforward",
				"datasette.events-forward.shutdown-timeout=10s"))) {
			publish(application.context(), 1, 2);

			application.client()
				.post()
				.uri("/actuator/eventsforward")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.flushed")
				.isEqualTo(true)
				.jsonPath("$.counts.delivered")
				.isEqualTo(2);
		}
	}

	// ---------------------------------------------------------------- support

	private static WebTestClient.ResponseSpec read(WebTestClient client) {
		return client.get().uri("/actuator/eventsforward").exchange();
	}

	private String[] forwardingProperties(String... more) {
		List<String> properties = new ArrayList<>(List.of(
				"datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
				"datasette.events-forward.shutdown-timeout=200ms"));
		properties.addAll(List.of(more));
		return ForwarderContextRunner.quickDelivery(properties.toArray(String[]::new));
	}

}
