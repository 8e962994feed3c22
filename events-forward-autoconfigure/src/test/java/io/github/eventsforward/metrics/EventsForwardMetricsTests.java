package io.github.eventsforward.metrics;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.autoconfigure.EventsForwardMetricsAutoConfiguration;
import io.github.eventsforward.internal.ForwarderLifecycle;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static io.github.eventsforward.testsupport.OrderEvents.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forwarder's Micrometer metrics, read after real exchanges with a server that answers
 * as Datasette does: what a dashboard of the application would show.
 */
class EventsForwardMetricsTests {

	private static final String PREFIX = "datasette.events.forward.";

	private static final String TABLE = "datasette_events";

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner
		.withAutoConfigurations(EventsForwardMetricsAutoConfiguration.class)
		.withPropertyValues(ForwarderContextRunner.quickDelivery("spring.application.name=shop",
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
				"datasette.events-forward.retry.give-up-after=1m", "datasette.events-forward.shutdown-timeout=200ms"));

	// ---------------------------------------------------------------- deliveries

	@Test
	void countsEventsOfATransactionThatRolledBack() {
		JdbcDataSource dataSource = new JdbcDataSource();
		dataSource.setURL("jdbc:h2:mem:rolled-back-metrics");
		TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			transaction.executeWithoutResult((status) -> {
				publish(context, 1, 3);
				status.setRollbackOnly();
			});
			publish(context, 4, 4);
			awaitCounts(context.getBean(EventsForwarder.class), 1, 0);
			assertThat(functionCount(registry, "rolled.back")).isEqualTo(3);
			assertThat(functionCount(registry, "published")).isEqualTo(4);
			assertThat(functionCount(registry, "delivered")).isEqualTo(1);
		});
	}

	@Test
	void countsPublishedAndDeliveredEventsAndTimesEachSuccessfulRequestWithItsBatchSize() {
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 5);

			awaitCounts(context.getBean(EventsForwarder.class), 5, 0);
			assertThat(functionCount(registry, "published")).isEqualTo(5);
			assertThat(functionCount(registry, "delivered")).isEqualTo(5);
			int requests = this.server.getRequestCount();
			assertThat(requests(registry, "success", "2xx")).isEqualTo(requests);
			assertThat(meter(registry, "batch.size").summary().count()).isEqualTo(requests);
			assertThat(meter(registry, "batch.size").summary().totalAmount()).isEqualTo(5);
			assertThat(meter(registry, "batch.size").summary().max()).isBetween(1.0, 5.0);
			assertThat(registry.find(PREFIX + "requests").tag("outcome", "success").timer().totalTime(TimeUnit.NANOSECONDS))
				.isPositive();
			assertThat(this.datasette.rows(TABLE)).hasSize(5);
			assertNothingLostOrFailed(registry);
		});
	}

	@Test
	void tagsEveryMeterWithTheApplicationsName() {
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 1);
			awaitCounts(context.getBean(EventsForwarder.class), 1, 0);

			assertThat(forwarderMeters(registry)).isNotEmpty()
				.allSatisfy((meter) -> assertThat(meter.getId().getTags()).contains(Tag.of("instance", "shop")));
			assertThat(forwarderMeters(registry)).extracting((meter) -> meter.getId().getName())
				.contains(PREFIX + "published", PREFIX + "delivered", PREFIX + "dropped", PREFIX + "dead.lettered",
						PREFIX + "retries", PREFIX + "queued", PREFIX + "queue.age", PREFIX + "requests",
						PREFIX + "batch.size");
		});
	}

	@Test
	void theInstancePropertyNamesTheInstanceInsteadOfTheApplicationsName() {
		withRegistry().withPropertyValues("datasette.events-forward.instance=shop-eu-1").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 1);
			awaitCounts(context.getBean(EventsForwarder.class), 1, 0);

			assertThat(forwarderMeters(registry)).isNotEmpty()
				.allSatisfy((meter) -> assertThat(meter.getId().getTags()).contains(Tag.of("instance", "shop-eu-1"))
					.doesNotContain(Tag.of("instance", "shop")));
			assertThat(this.datasette.rows(TABLE)).singleElement()
				.satisfies((row) -> assertThat(row.path("instance").asString()).isEqualTo("shop-eu-1"));
		});
	}

	@Test
	void theQueueGaugesShowTheBacklogWhileTheServerHoldsItsAnswersAndZeroOnceItIsDelivered() {
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertThat(queued(registry)).isZero();
			assertThat(queueAgeMillis(registry)).isZero();
			this.datasette.holdAnswers();
			publish(context, 1, 3);

			waiting().until(() -> this.server.getRequestCount() >= 1);
			assertThat(queued(registry)).isEqualTo(3);
			// The oldest event has been waiting since it was published: the age grows.
			waiting().until(() -> queueAgeMillis(registry) >= 100);
			double age = queueAgeMillis(registry);
			waiting().until(() -> queueAgeMillis(registry) > age);

			this.datasette.releaseAnswers();
			awaitCounts(forwarder, 3, 0);
			assertThat(queued(registry)).isZero();
			assertThat(queueAgeMillis(registry)).isZero();
		});
	}

	// ---------------------------------------------------------------- failures

	@Test
	void serverErrorsAreTimedAsServerErrorsAndCountedAsTransientRetries() {
		this.datasette.enqueue(DatasetteDispatcher.error(500, "Internal Server Error"));
		this.datasette.enqueue(DatasetteDispatcher.error(503, "Service Unavailable"));
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 2);

			awaitCounts(context.getBean(EventsForwarder.class), 2, 0);
			assertThat(requests(registry, "server-error", "5xx")).isEqualTo(2);
			assertThat(requests(registry, "success", "2xx")).isOne();
			assertThat(retries(registry, "transient")).isEqualTo(2);
			assertThat(retries(registry, "paused")).isZero();
			assertNothingLostOrFailed(registry);
		});
	}

	@Test
	void refusedTokensAreTimedAsClientErrorsAndCountedAsPausedRetries() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 2);

			waiting().until(() -> retries(registry, "paused") >= 2);
			assertThat(forwarder.state().status()).isEqualTo(Status.PAUSED);
			assertThat(requests(registry, "client-error", "4xx")).isGreaterThanOrEqualTo(2);
			assertThat(retries(registry, "transient")).isZero();
			assertThat(functionCount(registry, "delivered")).isZero();
			assertThat(queued(registry)).isEqualTo(2);

			this.datasette.acceptToken(DatasetteDispatcher.TOKEN);
			awaitCounts(forwarder, 2, 0);
			assertThat(requests(registry, "success", "2xx")).isOne();
			assertNothingLostOrFailed(registry);
		});
	}

	@Test
	void aRequestWithoutAnAnswerWithinTheRequestTimeoutIsTimedAsATimeoutWithNoStatus() {
		this.datasette.alterNextAnswer((answer) -> answer.headersDelay(1, TimeUnit.SECONDS));
		withRegistry().withPropertyValues("datasette.events-forward.request-timeout=200ms").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 1);

			awaitCounts(context.getBean(EventsForwarder.class), 1, 0);
			long timeouts = requests(registry, "timeout", "none");
			assertThat(timeouts).isGreaterThanOrEqualTo(1);
			assertThat(requests(registry, "success", "2xx")).isOne();
			assertThat(retries(registry, "transient")).as("one retry per timeout").isEqualTo(timeouts);
		});
	}

	@Test
	void aRefusedConnectionIsTimedAsAnIoErrorWithNoStatus() {
		String apiUrl = this.server.createUrl();
		this.server.close();
		withRegistry().withPropertyValues("datasette.events-forward.api-url=" + apiUrl).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 1);

			waiting().until(() -> requests(registry, "io-error", "none") >= 2);
			assertThat(retries(registry, "transient")).isGreaterThanOrEqualTo(1);
			assertThat(requests(registry, "success", "2xx")).isZero();
			assertThat(meter(registry, "batch.size").summary().count()).as("no batch was delivered").isZero();
			assertThat(queued(registry)).isOne();
		});
	}

	@Test
	void aRowTheServerRejectsIsCountedAsDeadLetteredRejectedAndItsRequestsAsClientErrors() {
		this.datasette.rejectRows((row) -> row.path("properties").asString().contains("\"o-2\""),
				"CHECK constraint failed: quantity > 0");
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 3);

			awaitCounts(context.getBean(EventsForwarder.class), 2, 1);
			assertThat(deadLettered(registry, "rejected")).isOne();
			assertThat(deadLettered(registry, "gave-up") + deadLettered(registry, "too-large")
					+ deadLettered(registry, "unmappable")).isZero();
			assertThat(requests(registry, "client-error", "4xx")).isGreaterThanOrEqualTo(1);
			assertThat(functionCount(registry, "delivered")).isEqualTo(2);
		});
	}

	@Test
	void eventsStillFailingAfterGiveUpAfterAreCountedAsDeadLetteredGaveUp() {
		this.datasette.refuseAll(DatasetteDispatcher.error(500, "Internal Server Error"));
		withRegistry().withPropertyValues("datasette.events-forward.retry.give-up-after=300ms").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 2);

			awaitCounts(context.getBean(EventsForwarder.class), 0, 2);
			assertThat(deadLettered(registry, "gave-up")).isEqualTo(2);
			assertThat(retries(registry, "transient")).isGreaterThanOrEqualTo(1);
			assertThat(requests(registry, "server-error", "5xx")).isGreaterThanOrEqualTo(2);
			assertThat(queued(registry)).isZero();
		});
	}

	@Test
	void aRowLargerThanMaxRequestSizeIsCountedAsDeadLetteredTooLarge() {
		withRegistry().withPropertyValues("datasette.events-forward.max-request-size=1KB").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			context.publishEvent(new OrderPlaced("o-huge", "x".repeat(2000), 1, BigDecimal.ONE));
			publish(context, 1, 1);

			awaitCounts(context.getBean(EventsForwarder.class), 1, 1);
			assertThat(deadLettered(registry, "too-large")).isOne();
			assertThat(deadLettered(registry, "rejected")).isZero();
		});
	}

	@Test
	void anEventThatCannotBeMappedToARowIsCountedAsDeadLetteredUnmappable() {
		withRegistry().withBean(EventRowMapper.class, FailingMapper::new).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			context.publishEvent(new OrderPlaced("unmappable", "alice", 1, BigDecimal.ONE));
			publish(context, 1, 1);

			awaitCounts(context.getBean(EventsForwarder.class), 1, 1);
			assertThat(deadLettered(registry, "unmappable")).isOne();
			assertThat(functionCount(registry, "published")).isEqualTo(2);
		});
	}

	@Test
	void eventsPublishedWhileTheBufferIsFullAreCountedAsDroppedBufferFull() {
		this.datasette.holdAnswers();
		withRegistry().withPropertyValues("datasette.events-forward.buffer-capacity=2").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			publish(context, 1, 5);

			assertThat(dropped(registry, "buffer-full")).isEqualTo(3);
			assertThat(dropped(registry, "stopped")).isZero();
			assertThat(functionCount(registry, "published")).isEqualTo(5);
			assertThat(queued(registry)).isEqualTo(2);
			this.datasette.releaseAnswers();
			awaitCounts(context.getBean(EventsForwarder.class), 2, 0);
		});
	}

	@Test
	void eventsPublishedAfterTheForwarderStoppedAreCountedAsDroppedStopped() {
		withRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			context.getBean(ForwarderLifecycle.class).stop();
			publish(context, 1, 2);

			assertThat(dropped(registry, "stopped")).isEqualTo(2);
			assertThat(dropped(registry, "buffer-full")).isZero();
			assertThat(functionCount(registry, "published")).isEqualTo(2);
			assertThat(this.server.getRequestCount()).isZero();
		});
	}

	// ---------------------------------------------------------------- set-up

	@Test
	void registersItsMetersInTheRegistryOfBootsMetricsAutoConfiguration() {
		forwarding()
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(EventsForwardMetrics.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				publish(context, 1, 2);

				awaitCounts(context.getBean(EventsForwarder.class), 2, 0);
				assertThat(functionCount(registry, "delivered")).isEqualTo(2);
				assertThat(meter(registry, "batch.size").summary().totalAmount()).isEqualTo(2);
			});
	}

	@Test
	void backsOffWithoutAMeterRegistryAndStillForwards() {
		forwarding().run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(EventsForwardMetrics.class);
			publish(context, 1, 2);
			awaitCounts(context.getBean(EventsForwarder.class), 2, 0);
		});
	}

	@Test
	void theStarterForwardsWithoutMicrometerOnTheClassPath() {
		withRegistry().withClassLoader(new FilteredClassLoader("io.micrometer.core")).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(EventsForwardMetrics.class);
			publish(context, 1, 2);
			awaitCounts(context.getBean(EventsForwarder.class), 2, 0);
			assertThat(this.datasette.rows(TABLE)).hasSize(2);
		});
	}

	// ---------------------------------------------------------------- support

	private ApplicationContextRunner forwarding() {
		return this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.createUrl());
	}

	private ApplicationContextRunner withRegistry() {
		return forwarding().withBean(MeterRegistry.class, SimpleMeterRegistry::new);
	}

	private static RequiredSearch meter(MeterRegistry registry, String name) {
		return registry.get(PREFIX + name).tag("instance", "shop");
	}

	private static double functionCount(MeterRegistry registry, String name) {
		return meter(registry, name).functionCounter().count();
	}

	private static double queued(MeterRegistry registry) {
		return meter(registry, "queued").gauge().value();
	}

	private static double queueAgeMillis(MeterRegistry registry) {
		return meter(registry, "queue.age").timeGauge().value(TimeUnit.MILLISECONDS);
	}

	private static double dropped(MeterRegistry registry, String reason) {
		return meter(registry, "dropped").tag("reason", reason).counter().count();
	}

	private static double deadLettered(MeterRegistry registry, String reason) {
		return meter(registry, "dead.lettered").tag("reason", reason).counter().count();
	}

	private static double retries(MeterRegistry registry, String kind) {
		return meter(registry, "retries").tag("kind", kind).counter().count();
	}

	private static long requests(MeterRegistry registry, String outcome, String status) {
		return registry.find(PREFIX + "requests")
			.tag("instance", "shop")
			.tag("outcome", outcome)
			.tag("status", status)
			.timers()
			.stream()
			.mapToLong((timer) -> timer.count())
			.sum();
	}

	private static List<Meter> forwarderMeters(MeterRegistry registry) {
		return registry.getMeters().stream().filter((meter) -> meter.getId().getName().startsWith(PREFIX)).toList();
	}

	private static void assertNothingLostOrFailed(MeterRegistry registry) {
		for (String reason : List.of("buffer-full", "stopped")) {
			assertThat(dropped(registry, reason)).as("dropped, %s", reason).isZero();
		}
		for (String reason : List.of("rejected", "too-large", "gave-up", "unmappable")) {
			assertThat(deadLettered(registry, reason)).as("dead-lettered, %s", reason).isZero();
		}
		assertThat(queued(registry)).isZero();
	}

	private static void awaitCounts(EventsForwarder forwarder, long delivered, long failed) {
		waiting().untilAsserted(() -> {
			ForwardCounts counts = forwarder.counts();
			assertThat(counts.delivered()).as("delivered in %s", counts).isEqualTo(delivered);
			assertThat(counts.failed()).as("failed in %s", counts).isEqualTo(failed);
			if (counts.queued() == 0) {
				// The queue's age drops to zero just after the counts change.
				assertThat(forwarder.oldestQueuedAge()).isZero();
			}
		});
	}

	/**
	 * Maps events as usual, but cannot map an order whose id is {@code unmappable}.
	 */
	static final class FailingMapper implements EventRowMapper {

		private final EventRowMapper delegate = new DefaultEventRowMapper();

		@Override
		public io.github.eventsforward.MappedEvent map(Object event) {
			if (event instanceof OrderPlaced order && "unmappable".equals(order.orderId())) {
				throw new IllegalArgumentException("cannot map order " + order.orderId());
			}
			return this.delegate.map(event);
		}

	}

}
