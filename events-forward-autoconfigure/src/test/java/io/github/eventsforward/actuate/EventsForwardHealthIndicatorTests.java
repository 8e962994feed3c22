package io.github.eventsforward.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import io.github.eventsforward.autoconfigure.EventsForwardActuatorAutoConfiguration;
import io.github.eventsforward.internal.ForwarderLifecycle;
import io.github.eventsforward.internal.ForwardingPipeline;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.WebApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.HttpStatus;

import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDeliveredAndQueueAgeZero;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitStatus;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static io.github.eventsforward.testsupport.OrderEvents.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code eventsForward} health indicator against a server that answers as Datasette
 * does: what a health check, a dashboard or an operator reading {@code /actuator/health}
 * would see.
 */
class EventsForwardHealthIndicatorTests {

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner
		.withAutoConfigurations(EventsForwardActuatorAutoConfiguration.class)
		.withPropertyValues(ForwarderContextRunner.quickDelivery(
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
				"datasette.events-forward.retry.give-up-after=1m", "datasette.events-forward.shutdown-timeout=200ms"));

	@Test
	void isUpWithTheCountsWhileDelivering() {
		forwarding().run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			assertThat(indicator.health().getStatus()).as("before any event").isEqualTo(Status.UP);
			publish(context, 1, 3);
			awaitDeliveredAndQueueAgeZero(context.getBean(EventsForwarder.class), 3);

			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("state", ForwarderState.Status.DELIVERING)
				.containsEntry("counts", new ForwardCounts(3, 3, 0, 0, 0))
				.containsEntry("oldestQueuedAge", Duration.ZERO.toString())
				.containsKey("since")
				.doesNotContainKeys("reason", "lastError", "lastErrorAt");
		});
	}

	@Test
	void staysUpWithTheLastErrorWhileRetryingTransientFailures() {
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service Unavailable"));
		forwarding().run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 1);
			awaitStatus(forwarder, ForwarderState.Status.RETRYING);

			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("state", ForwarderState.Status.RETRYING);
			assertThat(health.getDetails().get("lastError")).asString().contains("HTTP 503", "Service Unavailable");
			assertThat(health.getDetails().get("lastErrorAt")).isInstanceOf(Instant.class);
		});
	}

	@Test
	void isDownWithTheReasonWhileTheServerRefusesTheTokenAndUpOnceItAcceptsItAgain() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		forwarding().run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 2);
			awaitStatus(forwarder, ForwarderState.Status.PAUSED);

			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("state", ForwarderState.Status.PAUSED)
				.containsEntry("counts", new ForwardCounts(2, 0, 0, 0, 2));
			assertThat(health.getDetails().get("reason")).asString()
				.contains("HTTP 401", "Invalid token signature", "datasette.events-forward.api-token");
			assertThat(health.getDetails().get("lastError")).asString().contains("HTTP 401");

			this.datasette.acceptToken(DatasetteDispatcher.TOKEN);
			awaitDeliveredAndQueueAgeZero(forwarder, 2);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void isDownWithTheReasonWhileTheTokenLacksPermission() {
		this.datasette.refuseAll(DatasetteDispatcher.error(403, "Permission denied"));
		forwarding().run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			publish(context, 1, 1);
			awaitStatus(context.getBean(EventsForwarder.class), ForwarderState.Status.PAUSED);

			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails().get("reason")).asString()
				.contains("HTTP 403", "Permission denied", "create-table");
		});
	}

	@Test
	void isDownWithTheReasonWhileTheTableIsMissing() {
		forwardingTo(this.server.insertUrl("datasette_events")).run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 1);
			awaitStatus(forwarder, ForwarderState.Status.PAUSED);

			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails().get("reason")).asString().contains("HTTP 404", "Table not found");

			this.datasette.withTable("datasette_events");
			awaitDeliveredAndQueueAgeZero(forwarder, 1);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void isOutOfServiceWhileTheOldestQueuedEventIsOlderThanMaxQueueAge() {
		this.datasette.holdAnswers();
		forwarding("datasette.events-forward.health.max-queue-age=200ms").run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 2);

			waiting().untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE));
			Health health = indicator.health();
			assertThat(health.getDetails().get("reason")).asString()
				.contains("datasette.events-forward.health.max-queue-age", "PT0.2S");
			assertThat(Duration.parse((String) health.getDetails().get("oldestQueuedAge")))
				.isGreaterThan(Duration.ofMillis(200));
			assertThat(health.getDetails()).containsEntry("state", ForwarderState.Status.DELIVERING)
				.containsEntry("counts", new ForwardCounts(2, 0, 0, 0, 2));

			this.datasette.releaseAnswers();
			awaitDeliveredAndQueueAgeZero(forwarder, 2);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void isUnknownOnceTheForwarderHasStopped() {
		forwarding().run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			context.getBean(ForwarderLifecycle.class).stop();

			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
			assertThat(health.getDetails()).containsEntry("reason", "stopped").containsEntry("state", ForwarderState.Status.STOPPED);
		});
	}

	@Test
	void detailsNeverHoldTheToken() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		forwarding().run((context) -> {
			HealthIndicator indicator = context.getBean("eventsForwardHealthIndicator", HealthIndicator.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 1);
			awaitStatus(forwarder, ForwarderState.Status.PAUSED);

			Health health = indicator.health();
			assertThat(health.getDetails()).isNotEmpty();
			assertThat(health.toString()).doesNotContain(DatasetteDispatcher.TOKEN);
			assertThat(JsonMapper.shared().writeValueAsString(health.getDetails()))
				.doesNotContain(DatasetteDispatcher.TOKEN);
		});
	}

	@Test
	void isRemovedByManagementHealthEventsforwardEnabledFalse() {
		forwarding("management.health.eventsforward.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.hasSingleBean(EventsForwarder.class)
				.doesNotHaveBean(EventsForwardHealthIndicator.class);
		});
		forwarding("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(EventsForwardHealthIndicator.class));
	}

	@Test
	void isNotThereWhileForwardingIsOff() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(ForwardingPipeline.class)
			.doesNotHaveBean(EventsForwardHealthIndicator.class));
	}

	// ---------------------------------------------------------------- over HTTP

	@Test
	void actuatorHealthShowsTheEventsForwardComponent() {
		try (WebApplication application = WebApplication.start(forwardingProperties(
				"management.endpoint.health.show-details=always"))) {
			publish(application.context(), 1, 2);
			awaitDeliveredAndQueueAgeZero(application.bean(EventsForwarder.class), 2);

			application.client()
				.get()
				.uri("/actuator/health")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo("UP")
				.jsonPath("$.components.eventsForward.status")
				.isEqualTo("UP")
				.jsonPath("$.components.eventsForward.details.state")
				.isEqualTo("DELIVERING")
				.jsonPath("$.components.eventsForward.details.counts.delivered")
				.isEqualTo(2)
				.jsonPath("$.components.eventsForward.details.counts.queued")
				.isEqualTo(0);
			application.client()
				.get()
				.uri("/actuator/health/eventsForward")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo("UP");
		}
	}

	@Test
	void actuatorHealthIsDownWithTheReasonWhileSendingIsPaused() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		try (WebApplication application = WebApplication.start(forwardingProperties(
				"management.endpoint.health.show-details=always"))) {
			publish(application.context(), 1, 1);
			awaitStatus(application.bean(EventsForwarder.class), ForwarderState.Status.PAUSED);

			String body = new String(application.client()
				.get()
				.uri("/actuator/health")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectBody()
				.jsonPath("$.components.eventsForward.status")
				.isEqualTo("DOWN")
				.jsonPath("$.components.eventsForward.details.reason")
				.value((String reason) -> assertThat(reason).contains("HTTP 401"))
				.returnResult()
				.getResponseBodyContent());
			assertThat(body).doesNotContain(DatasetteDispatcher.TOKEN);
		}
	}

	// ---------------------------------------------------------------- support

	private ApplicationContextRunner forwarding(String... properties) {
		return forwardingTo(this.server.createUrl()).withPropertyValues(properties);
	}

	private ApplicationContextRunner forwardingTo(String apiUrl) {
		return this.contextRunner.withPropertyValues("datasette.events-forward.api-url=" + apiUrl);
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
