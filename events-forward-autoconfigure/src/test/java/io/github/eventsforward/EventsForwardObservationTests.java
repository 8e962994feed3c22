package io.github.eventsforward;

import java.math.BigDecimal;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.HttpConnector;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientObservationAutoConfiguration;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;

import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDelivered;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forwarder's write API requests go through the application's observed
 * {@code WebClient.Builder}, so tracing and HTTP client metrics see them like any other
 * request of the application.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(HttpConnector.class)
class EventsForwardObservationTests {

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final ApplicationContextRunner contextRunner;

	EventsForwardObservationTests(HttpConnector connector) {
		this.contextRunner = ForwarderContextRunner
			.withAutoConfigurations(ObservationAutoConfiguration.class, WebClientObservationAutoConfiguration.class)
			.withBean(TestObservationRegistry.class, () -> this.observations)
			.withPropertyValues(ForwarderContextRunner.quickDelivery(connector.property(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.shutdown-timeout=200ms"));
	}

	@Test
	void eachWriteApiRequestIsObservedAsAnHttpClientRequest() {
		String apiUrl = this.server.createUrl();
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=" + apiUrl).run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
			awaitDelivered(context.getBean(EventsForwarder.class), 1);

			// The client stops its observation once the answer is done with, which may come just
			// after the forwarder has counted the row as delivered.
			waiting().untilAsserted(() -> assertThat(this.observations)
				.hasObservationWithNameEqualTo("http.client.requests")
				.that()
				.hasBeenStopped());
			assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("http.client.requests", 1)
				.hasObservationWithNameEqualTo("http.client.requests")
				.that()
				.hasBeenStarted()
				.hasBeenStopped()
				.hasLowCardinalityKeyValue("method", "POST")
				.hasLowCardinalityKeyValue("status", "201")
				.hasLowCardinalityKeyValue("outcome", "SUCCESS")
				.hasLowCardinalityKeyValue("client.name", this.server.getHostName())
				.hasHighCardinalityKeyValue("http.url", apiUrl)
				.isInstanceOfSatisfying(ClientRequestObservationContext.class,
						(request) -> assertThat(request.getRequest()).isNotNull()
							.satisfies((sent) -> assertThat(sent.url()).hasToString(apiUrl)));
		});
	}

	@Test
	void aRefusedRequestIsObservedWithItsStatus() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		String apiUrl = this.server.createUrl();
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=" + apiUrl).run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
			waiting().until(() -> this.server.getRequestCount() >= 1);
			waiting().untilAsserted(() -> assertThat(this.observations)
				.hasObservationWithNameEqualTo("http.client.requests")
				.that()
				.hasBeenStopped()
				.hasLowCardinalityKeyValue("status", "401")
				.hasLowCardinalityKeyValue("outcome", "CLIENT_ERROR")
				.hasHighCardinalityKeyValue("http.url", apiUrl));
		});
	}

}
