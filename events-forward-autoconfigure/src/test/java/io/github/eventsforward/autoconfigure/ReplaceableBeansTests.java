package io.github.eventsforward.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.BatchSender;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import io.github.eventsforward.actuate.EventsForwardHealthIndicator;
import io.github.eventsforward.internal.DatasetteWriteClient;
import io.github.eventsforward.internal.ForwarderObserver;
import io.github.eventsforward.internal.ForwardingEventListener;
import io.github.eventsforward.internal.ForwardingPipeline;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.ForwarderThreads;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The beans an application may replace or add, as with Spring Boot's own
 * auto-configurations: its {@link BatchSender} replaces the write client, its
 * {@link EventsForwarder} the forwarder, and every {@link ForwarderObserver} is told.
 */
class ReplaceableBeansTests {

	// Nothing listens there: only a replaced sender can deliver.
	private static final String UNREACHABLE = "datasette.events-forward.api-url=http://127.0.0.1:9/data/-/create";

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner
		.withAutoConfigurations(EventsForwardActuatorAutoConfiguration.class)
		.withPropertyValues(ForwarderContextRunner.quickDelivery(UNREACHABLE, "datasette.events-forward.api-token=dstok_x",
				"spring.application.name=shop"));

	@Test
	void anApplicationsBatchSenderReplacesTheWriteClient() {
		List<List<EventRow>> sent = new CopyOnWriteArrayList<>();
		this.contextRunner.withBean(BatchSender.class, () -> (rows, body) -> Mono.fromRunnable(() -> sent.add(rows)))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(DatasetteWriteClient.class);
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				assertThat(forwarder.flush(Duration.ofSeconds(10))).isTrue();
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(1, 1, 0, 0, 0));
				assertThat(sent).singleElement()
					.satisfies((rows) -> assertThat(rows).singleElement()
						.satisfies((row) -> assertThat(row.event()).isEqualTo("order-placed")));
			});
	}

	@Test
	void anApplicationsEventsForwarderReplacesTheForwarderAndItsThread() {
		EventsForwarder own = new StaticForwarder();
		this.contextRunner.withBean(EventsForwarder.class, () -> own).run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(ForwardingPipeline.class)
				.doesNotHaveBean(ForwardingEventListener.class)
				.doesNotHaveBean(BatchSender.class)
				.doesNotHaveBean(SmartLifecycle.class);
			assertThat(context.getBean(EventsForwarder.class)).isSameAs(own);
			assertThat(ForwarderThreads.alive()).isEmpty();
			// The actuator reads the application's forwarder, by its public type.
			assertThat(context.getBean(EventsForwardHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void everyObserverBeanIsTold() {
		List<String> told = new CopyOnWriteArrayList<>();
		this.contextRunner
			.withBean(BatchSender.class, () -> (rows, body) -> Mono.empty())
			.withBean("first", ForwarderObserver.class, () -> new NamedObserver("first", told))
			.withBean("second", ForwarderObserver.class, () -> new NamedObserver("second", told))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				assertThat(context.getBean(EventsForwarder.class).flush(Duration.ofSeconds(10))).isTrue();
				assertThat(told).containsExactlyInAnyOrder("first", "second");
			});
	}

	/**
	 * Notes that a request was completed.
	 */
	private record NamedObserver(String name, List<String> told) implements ForwarderObserver {

		@Override
		public void requestCompleted(long nanos, int rows, @Nullable Throwable error) {
			this.told.add(this.name);
		}

	}

	/**
	 * An application's own forwarder, as a test of the application might declare it.
	 */
	private static final class StaticForwarder implements EventsForwarder {

		@Override
		public ForwardCounts counts() {
			return new ForwardCounts(0, 0, 0, 0, 0);
		}

		@Override
		public ForwarderState state() {
			return new ForwarderState(ForwarderState.Status.DELIVERING, null, java.time.Instant.EPOCH, null, null);
		}

		@Override
		public Duration oldestQueuedAge() {
			return Duration.ZERO;
		}

		@Override
		public boolean flush(Duration timeout) {
			return true;
		}

	}

}
