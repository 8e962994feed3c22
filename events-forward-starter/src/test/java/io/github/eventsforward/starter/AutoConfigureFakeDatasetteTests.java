package io.github.eventsforward.starter;

import java.time.Duration;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.autoconfigure.EventsForwardAutoConfiguration;
import io.github.eventsforward.test.AutoConfigureFakeDatasette;
import io.github.eventsforward.test.FakeDatasette;
import io.github.eventsforward.test.ReceivedEvent;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.env.Environment;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @AutoConfigureFakeDatasette} on the kinds of test a user writes: a
 * {@code @SpringBootTest} whose {@code application.yml} names a server the test cannot
 * reach, a context without auto-configuration, and an {@code ApplicationContextRunner}.
 */
class AutoConfigureFakeDatasetteTests {

	/** An address that answers nothing: a connection to it waits for the connect timeout. */
	static final String UNREACHABLE = "http://10.255.255.1:8001/data/-/create";

	@Nested
	@SpringBootTest(classes = Shop.class,
			properties = { "datasette.events-forward.api-url=" + UNREACHABLE,
					"datasette.events-forward.api-token=dstok_production",
					"datasette.events-forward.time-period=10s", "datasette.events-forward.batch-limit=5" })
	@AutoConfigureFakeDatasette
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	class SpringBootTestWithAServerItCannotReach {

		@Autowired
		FakeDatasette datasette;

		@Autowired
		ApplicationEventPublisher events;

		@Autowired
		Environment environment;

		@Test
		@Order(1)
		void forwardsToTheFakeInsteadOfTheConfiguredServer() {
			this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

			assertThat(this.datasette).hasReceivedEvent("order-placed").withActorId("alice").withProperty("quantity", 2);
			assertThat(this.environment.getProperty("datasette.events-forward.api-url"))
				.isEqualTo(this.datasette.apiUrl());
			assertThat(this.datasette.requests()).allSatisfy((request) -> assertThat(request.header("Authorization"))
				.isEqualTo("Bearer " + FakeDatasette.DEFAULT_TOKEN));
		}

		@Test
		@Order(2)
		void quickSettingsGiveWayToTheTestsOwn() {
			assertThat(this.environment.getProperty("datasette.events-forward.flush-interval")).isEqualTo("20ms");
			assertThat(this.environment.getProperty("datasette.events-forward.time-period")).isEqualTo("10s");
			assertThat(this.environment.getProperty("datasette.events-forward.batch-limit")).isEqualTo("5");
		}

		@Test
		@Order(3)
		void leavesEventsUnsentAtTheEndOfATest() {
			for (int i = 0; i < 20; i++) {
				this.events.publishEvent(new OrderPlaced("bob", "pen", i));
			}
		}

		@Test
		@Order(4)
		void startsTheNextTestWithAnEmptyFake() {
			assertThat(this.datasette).hasReceivedNothing();

			this.events.publishEvent(new OrderPlaced("carol", "cup", 1));

			assertThat(this.datasette).hasReceivedRows(1);
			assertThat(this.datasette.rows()).extracting(ReceivedEvent::actorId).containsExactly("carol");
		}

	}

	@Nested
	@SpringJUnitConfig(Orders.class)
	@AutoConfigureFakeDatasette
	class ContextWithoutAutoConfiguration {

		@Test
		void forwardsAsWell(@Autowired Orders orders, FakeDatasette datasette) {
			orders.place("dave", "mug", 3);

			assertThat(datasette).hasReceivedEvent("order-placed").withActorId("dave").withProperty("quantity", 3);
		}

	}

	@Nested
	@AutoConfigureFakeDatasette
	@ExtendWith(OutputCaptureExtension.class)
	class WithApplicationContextRunner {

		@Test
		void theRunnerForwardsToTheFakeOfTheTest(FakeDatasette datasette, CapturedOutput output) {
			new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(EventsForwardAutoConfiguration.class))
				.withInitializer(datasette)
				.withPropertyValues("datasette.events-forward.instance=runner")
				.run((context) -> {
					context.publishEvent(new OrderPlaced("erin", "mug", 1));
					assertThat(datasette).hasReceivedEvent("order-placed").withInstance("runner");
					EventsForwarder forwarder = context.getBean(EventsForwarder.class);
					assertThat(forwarder.flush(Duration.ofSeconds(10))).isTrue();
					assertThat(forwarder.counts().delivered()).isEqualTo(1);
				});
			assertThat(output).doesNotContain("could not be sent");
		}

	}

	@SpringBootApplication
	static class Shop {

	}

	static class Orders {

		private final ApplicationEventPublisher events;

		Orders(ApplicationEventPublisher events) {
			this.events = events;
		}

		void place(String actorId, String item, int quantity) {
			this.events.publishEvent(new OrderPlaced(actorId, item, quantity));
		}

	}


}
