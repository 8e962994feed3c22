package io.github.eventsforward.starter;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.test.DisableEventsForwarding;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @DisableEventsForwarding} on tests that do not care about forwarding: nothing is
 * sent to the configured server, and beans that inject the forwarder still get one.
 */
class DisableEventsForwardingTests {

	@Nested
	@SpringBootTest(classes = Shop.class,
			properties = "datasette.events-forward.api-url=" + AutoConfigureFakeDatasetteTests.UNREACHABLE)
	@DisableEventsForwarding
	class OnASpringBootTest {

		@Test
		void theForwarderSaysForwardingIsOffAndPublishingStillWorks(@Autowired EventsForwarder forwarder,
				@Autowired ApplicationEventPublisher events) {
			events.publishEvent(new OrderPlaced("alice", "mug", 1));

			assertThat(forwarder.state().status()).isEqualTo(Status.OFF);
			assertThat(forwarder.state().reason()).contains("datasette.events-forward.enabled is false");
			assertThat(forwarder.counts().published()).isZero();
		}

	}

	@Nested
	@SpringJUnitConfig(OrderReport.class)
	@DisableEventsForwarding
	class OnAContextWithoutAutoConfiguration {

		@Test
		void aBeanThatInjectsTheForwarderStillStarts(@Autowired OrderReport report) {
			assertThat(report.forwarding()).isEqualTo(Status.OFF);
		}

	}

	@SpringBootApplication
	static class Shop {

	}

	/**
	 * A bean of the application's that shows the forwarder's state, as an admin page would.
	 */
	static class OrderReport {

		private final EventsForwarder forwarder;

		OrderReport(EventsForwarder forwarder) {
			this.forwarder = forwarder;
		}

		Status forwarding() {
			return this.forwarder.state().status();
		}

	}

}
