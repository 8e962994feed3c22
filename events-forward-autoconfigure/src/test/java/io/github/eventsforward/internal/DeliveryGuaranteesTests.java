package io.github.eventsforward.internal;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.example.shop.OrderPlaced;
import io.github.eventsforward.DeadLetter;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.ForwarderThreads;
import io.github.eventsforward.testsupport.HttpConnector;
import io.github.eventsforward.testsupport.LogRecorder;
import io.github.eventsforward.testsupport.OrderEvents;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitCounts;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDelivered;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitStatus;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static io.github.eventsforward.testsupport.OrderEvents.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * What the forwarder guarantees whatever the server does: every published event is
 * delivered, dead-lettered or dropped and counted, no row is stored twice, publishing never
 * blocks, and delivery goes on afterwards. Runs the real auto-configuration against a
 * {@link MockWebServer} that answers as Datasette does and misbehaves on cue, on each HTTP
 * client. Which failure is retried, paused, split or dead-lettered, and how long each wait
 * is, is in {@link DeliveryTests}; what the server receives and how its answers are read, in
 * {@link DatasetteWriteApiTests}.
 */
@ParameterizedClass(name = "on {0}, {1}, {2} in flight")
@MethodSource("variants")
class DeliveryGuaranteesTests {

	private static final String TABLE = "datasette_events";

	private static final Duration PATIENCE = Duration.ofSeconds(10);

	private static final String STILL_DELIVERING = "still-delivering";

	private final JsonMapper json = JsonMapper.shared();

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final LogRecorder log = new LogRecorder("io.github.eventsforward");

	private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

	private final ApplicationContextRunner contextRunner;

	private final boolean spooled;

	@TempDir
	Path spool;

	private final int maxInFlight;

	DeliveryGuaranteesTests(HttpConnector connector, Keeping keeping, int maxInFlight) {
		this.spooled = keeping == Keeping.SPOOL;
		this.maxInFlight = maxInFlight;
		this.contextRunner = ForwarderContextRunner.withAutoConfigurations()
			.withBean(DeadLetterHandler.class, () -> this.deadLetters::add)
			.withPropertyValues(ForwarderContextRunner.quickDelivery(connector.property(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.retry.give-up-after=1m",
					"datasette.events-forward.max-in-flight=" + maxInFlight));
	}

	/**
	 * Where the forwarder keeps the events that wait.
	 */
	enum Keeping {

		/** In memory only. */
		MEMORY,

		/** In a spool file as well. */
		SPOOL

	}

	static Stream<Arguments> variants() {
		// One request at a time, and up to eight at once.
		return Stream.of(1, 8)
			.flatMap((maxInFlight) -> Stream.of(Arguments.of(HttpConnector.REACTOR_NETTY, Keeping.MEMORY, maxInFlight),
					Arguments.of(HttpConnector.JDK, Keeping.MEMORY, maxInFlight),
					Arguments.of(HttpConnector.REACTOR_NETTY, Keeping.SPOOL, maxInFlight)));
	}

	@BeforeEach
	void attachLog() {
		this.log.attach();
	}

	@AfterEach
	void detachLog() {
		this.log.detach();
	}

	// ---------------------------------------------------------------- transient failures

	@Test
	void deliversWhatWasPublishedWhileTheServerWasDownOnceItComesUp() {
		this.server.close();
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 5);

			awaitStatus(forwarder, Status.RETRYING);
			assertThat(forwarder.state().reason()).contains("Connection refused");
			publish(context, 6, 10);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(10, 0, 0, 0, 10));

			this.server.start();
			awaitCounts(forwarder, 10, 0);
			assertThat(forwarder.state().status()).isEqualTo(Status.DELIVERING);
			assertThat(orderIds()).containsExactlyInAnyOrderElementsOf(OrderEvents.orderIds(1, 10));
			assertThat(this.deadLetters).isEmpty();
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	@Test
	void ridesOutAStormOfServerErrorsAndDeliversEverythingOnceTheServerRecovers() {
		this.datasette.refuseAll(htmlPage(500, "Internal Server Error"));
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 15);

			awaitStatus(forwarder, Status.RETRYING);
			assertThat(forwarder.state().reason()).contains("HTTP 500");
			awaitRequests(5);
			publish(context, 16, 20);
			assertThat(forwarder.state().status()).isEqualTo(Status.RETRYING);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(20, 0, 0, 0, 20));
			assertThat(this.datasette.rows(TABLE)).isEmpty();

			this.datasette.acceptAll();
			awaitCounts(forwarder, 20, 0);
			assertThat(forwarder.state().status()).isEqualTo(Status.DELIVERING);
			assertThat(orderIds()).containsExactlyInAnyOrderElementsOf(OrderEvents.orderIds(1, 20));
			assertThat(this.log.messages(Level.WARN, "A request to Datasette failed")).as("one WARN for the storm")
				.hasSize(1);
			assertThat(this.log.messages(Level.INFO, "Datasette accepts events again")).hasSize(1);
			assertThat(this.deadLetters).isEmpty();
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	@Test
	void aBatchResentAfterTheConnectionDroppedBeforeTheAnswerIsStoredOnce() {
		// The server stores the rows, then the connection drops before the answer is sent.
		this.datasette.alterNextAnswer((answer) -> answer.onResponseStart(new SocketEffect.CloseSocket()));
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 3);

			awaitCounts(forwarder, 3, 0);
			List<String> bodies = this.datasette.requestBodies();
			assertThat(bodies).hasSize(2);
			assertThat(bodies.get(1)).as("the same batch, sent again").isEqualTo(bodies.get(0));
			assertThat(rowIds(bodies.get(0))).hasSize(3);
			assertThat(ids()).containsExactlyInAnyOrderElementsOf(rowIds(bodies.get(0)));
			assertThat(orderIds()).containsExactlyInAnyOrderElementsOf(OrderEvents.orderIds(1, 3));
			assertThat(forwarder.state().lastError()).contains("WebClientRequestException");
			assertThat(this.log.messages(Level.WARN, "A request to Datasette failed")).as("retried as transient")
				.singleElement()
				.asString()
				.contains("WebClientRequestException");
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	@Test
	void aBacklogGoesOutInFullBatchesAndTheRateLimitHoldsTheNextOneBack() {
		inMemoryOnly();
		forwarding("datasette.events-forward.batch-limit=10", "datasette.events-forward.max-rate=1",
				"datasette.events-forward.time-period=1h", "datasette.events-forward.shutdown-timeout=300ms")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publish(context, 1, 25);

				awaitDelivered(forwarder, 10);
				assertThat(forwarder.flush(Duration.ofMillis(300))).as("the rate limit holds the rest").isFalse();
				assertThat(this.datasette.requestBodies()).singleElement()
					.satisfies((body) -> assertThat(rowIds(body)).hasSize(10));
				context.close();
				assertThat(this.datasette.requestBodies()).as("shutdown too keeps to the rate limit").hasSize(1);
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(25, 10, 0, 0, 15));
				assertThat(this.log.messages(Level.WARN, "15 events could not be sent")).hasSize(1);
			});
	}

	@Test
	void anAnswerSlowerThanTheRequestTimeoutIsRetriedAndTheBatchStoredOnce() {
		// The server stores the rows at once but answers after the request timed out.
		this.datasette.alterNextAnswer((answer) -> answer.headersDelay(1, TimeUnit.SECONDS));
		forwarding().withPropertyValues("datasette.events-forward.request-timeout=200ms").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 3);

			awaitCounts(forwarder, 3, 0);
			List<String> bodies = this.datasette.requestBodies();
			assertThat(bodies).hasSize(2);
			assertThat(bodies.get(1)).as("the same batch, sent again").isEqualTo(bodies.get(0));
			assertThat(ids()).containsExactlyInAnyOrderElementsOf(rowIds(bodies.get(0)));
			assertThat(forwarder.state().lastError()).contains("datasette.events-forward.request-timeout");
			assertThat(this.log.messages(Level.WARN, "A request to Datasette failed")).singleElement()
				.asString()
				.contains("no answer within datasette.events-forward.request-timeout");
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	@Test
	void eventsStillFailingAfterGiveUpAfterAreDeadLetteredCountedAndHandedToTheHandler() {
		this.datasette.refuseAll(htmlPage(500, "Internal Server Error"));
		forwarding().withPropertyValues("datasette.events-forward.retry.give-up-after=300ms").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 3);

			awaitCounts(forwarder, 0, 3);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 0, 0, 3, 0));
			assertThat(this.server.getRequestCount()).as("retried before giving up").isGreaterThan(1);
			List<String> bodies = this.datasette.requestBodies();
			List<String> batches = bodies.stream().distinct().toList();
			List<String> deadLettered = this.deadLetters.stream().map((deadLetter) -> deadLetter.row().id()).toList();
			assertThat(bodies).as("each batch retried").hasSizeGreaterThan(batches.size());
			assertThat(batches.stream().flatMap((body) -> rowIds(body).stream()).toList())
				.as("each batch sent as it was, each time")
				.containsExactlyInAnyOrderElementsOf(deadLettered);
			assertThat(this.deadLetters).extracting((deadLetter) -> orderId(deadLetter.row().properties()))
				.containsExactlyElementsOf(OrderEvents.orderIds(1, 3));
			assertThat(this.deadLetters).allSatisfy((deadLetter) -> {
				assertThat(deadLetter.status()).isEqualTo(500);
				assertThat(deadLetter.reason()).contains("datasette.events-forward.retry.give-up-after", "HTTP 500",
						"Internal Server Error");
			});
			List<String> gaveUp = this.log.messages(Level.ERROR, "Gave up on event");
			assertThat(gaveUp).hasSize(3)
				.allSatisfy((message) -> assertThat(message)
					.contains("(order-placed)", "give-up-after", "HTTP 500", "Internal Server Error")
					.doesNotContain("<"));
			assertThat(deadLettered).allSatisfy((id) -> assertThat(gaveUp)
				.anySatisfy((message) -> assertThat(message).startsWith("Gave up on event " + id)));
			assertThat(forwarder.state().status()).as("until a request succeeds").isEqualTo(Status.RETRYING);
			assertThat(forwarder.state().reason()).contains("HTTP 500", "Internal Server Error");
			assertThat(this.datasette.rows(TABLE)).isEmpty();

			this.datasette.acceptAll();
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	// ---------------------------------------------------------------- pauses

	@Test
	void anInvalidTokenPausesSendingUntilTheServerAcceptsItAndLosesNothing() {
		this.datasette.acceptToken("dstok_eyJhIjoicm9vdCJ9.rotated-secret");
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 5);

			awaitStatus(forwarder, Status.PAUSED);
			assertThat(forwarder.state().reason()).contains("HTTP 401", "Invalid token signature", "token",
					"datasette.events-forward.api-token");
			awaitRequests(5);
			publish(context, 6, 10);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(10, 0, 0, 0, 10));
			assertThat(this.datasette.requestBodies()).as("the same batch each time")
				.containsOnly(this.datasette.requestBodies().get(0));
			assertThat(this.log.messages(Level.ERROR, "Sending events to Datasette is paused")).as("one ERROR")
				.singleElement()
				.asString()
				.contains("HTTP 401", "Invalid token signature", "datasette create-token",
						"datasette.events-forward.api-token");

			this.datasette.acceptToken(DatasetteDispatcher.TOKEN);
			awaitCounts(forwarder, 10, 0);
			assertThat(forwarder.state().status()).isEqualTo(Status.DELIVERING);
			assertThat(orderIds()).containsExactlyInAnyOrderElementsOf(OrderEvents.orderIds(1, 10));
			assertThat(this.log.messages(Level.INFO, "Datasette accepts events again")).hasSize(1);
			assertThat(this.log.messages(Level.ERROR, "Sending events to Datasette is paused")).hasSize(1);
			assertThat(this.log.messages(Level.ERROR, "Gave up on event")).isEmpty();
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	// ---------------------------------------------------------------- rejected rows

	@Test
	void aRowTheServerRejectsIsDeadLetteredAndTheOtherNineAreDelivered() {
		this.datasette.rejectRows((row) -> "o-7".equals(orderId(row.path("properties").asString())),
				"CHECK constraint failed: quantity < 7");
		forwarding().withPropertyValues("datasette.events-forward.flush-interval=500ms").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 10);

			awaitCounts(forwarder, 9, 1);
			assertThat(orderIds()).containsExactlyInAnyOrderElementsOf(
					OrderEvents.orderIds(1, 10).stream().filter((orderId) -> !orderId.equals("o-7")).toList());
			String poisonId = sentRows().stream()
				.filter((row) -> orderId(row.path("properties").asString()).equals("o-7"))
				.map((row) -> row.path("id").asString())
				.findFirst()
				.orElseThrow();
			assertThat(this.deadLetters).singleElement().satisfies((deadLetter) -> {
				assertThat(deadLetter.row().id()).isEqualTo(poisonId);
				assertThat(orderId(deadLetter.row().properties())).isEqualTo("o-7");
				assertThat(deadLetter.status()).isEqualTo(400);
				assertThat(deadLetter.reason()).contains("CHECK constraint failed: quantity < 7");
			});
			assertThat(this.log.messages(Level.ERROR, "Gave up on event")).singleElement()
				.asString()
				.contains(poisonId, "(order-placed)", "HTTP 400", "CHECK constraint failed: quantity < 7");
			assertThat(forwarder.state().status()).isEqualTo(Status.DELIVERING);
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	// ---------------------------------------------------------------- a full buffer

	@Test
	void dropOldestKeepsTheNewestEventsPublishedDuringAnOutage() {
		inMemoryOnly();
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		forwarding("datasette.events-forward.buffer-capacity=5", "datasette.events-forward.buffer-overflow=drop-oldest")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publishWhileABatchIsRetried(context, forwarder);
				for (int i = 1; i <= 20; i++) {
					publish(context, i, i);
					// Events come one after the other, not in one burst.
					waiting().until(() -> forwarder.counts().queued() <= 5);
				}
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(21, 0, 16, 0, 5));

				this.datasette.acceptAll();
				awaitCounts(forwarder, 5, 0);
				assertKeptTheBatchInFlightAnd("o-17", "o-18", "o-19", "o-20");
				assertThat(this.log.messages(Level.WARN, "Dropped the oldest")).isNotEmpty();
				assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
			});
	}

	@Test
	void dropOldestKeepsTheNewestEventsOfABurstPublishedDuringAnOutage() {
		inMemoryOnly();
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		forwarding("datasette.events-forward.buffer-capacity=5", "datasette.events-forward.buffer-overflow=drop-oldest")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publishWhileABatchIsRetried(context, forwarder);
				publish(context, 1, 20);
				waiting().until(() -> forwarder.counts().queued() <= 5);
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(21, 0, 16, 0, 5));

				this.datasette.acceptAll();
				awaitCounts(forwarder, 5, 0);
				assertKeptTheBatchInFlightAnd("o-17", "o-18", "o-19", "o-20");
				assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
			});
	}

	@Test
	void dropNewestKeepsTheOldestEventsPublishedDuringAnOutage() {
		inMemoryOnly();
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		forwarding("datasette.events-forward.buffer-capacity=5", "datasette.events-forward.buffer-overflow=drop-newest")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publishWhileABatchIsRetried(context, forwarder);
				publish(context, 1, 20);
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(21, 0, 16, 0, 5));

				this.datasette.acceptAll();
				awaitCounts(forwarder, 5, 0);
				assertThat(orderIds()).as("the batch in flight, and the oldest").containsExactlyInAnyOrder("o-0",
						"o-1", "o-2", "o-3", "o-4");
				assertThat(this.log.messages(Level.WARN, "Dropped the newest")).isNotEmpty();
				assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
			});
	}

	@Test
	void publishingNeitherBlocksNorThrowsWhileTheServerHoldsTheRequest() {
		inMemoryOnly();
		this.datasette.holdAnswers();
		forwarding("datasette.events-forward.buffer-capacity=100").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 0, 0);
			awaitRequests(1);

			assertThatNoException().isThrownBy(() -> publish(context, 1, 1000));
			// Every call returned while the server has not answered the requests it holds.
			assertThat(this.server.getRequestCount()).isBetween(1, this.maxInFlight);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(1001, 0, 901, 0, 100));
			assertThat(forwarder.state().status()).isEqualTo(Status.DELIVERING);

			this.datasette.releaseAnswers();
			awaitCounts(forwarder, 100, 0);
			assertThat(orderIds()).containsExactlyInAnyOrderElementsOf(OrderEvents.orderIds(0, 99));
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	// ---------------------------------------------------------------- contexts, flush, shutdown

	@Test
	void anEventPublishedToAChildContextIsForwardedOnceAndSoIsOnePublishedToTheParent() {
		ApplicationContextRunner runner = forwarding();
		runner.run((parent) -> runner.withParent(parent).run((child) -> {
			assertThat(child).hasNotFailed();
			EventsForwarder forwarder = parent.getBean(EventsForwarder.class);
			child.publishEvent(new OrderPlaced("from-child", "alice", 1, BigDecimal.ONE));
			parent.publishEvent(new OrderPlaced("from-parent", "alice", 1, BigDecimal.ONE));

			assertThat(forwarder.flush(PATIENCE)).isTrue();
			assertThat(orderIds()).containsExactlyInAnyOrder("from-child", "from-parent");
			assertThat(sentRows()).as("each sent once").hasSize(2);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(2, 2, 0, 0, 0));
			assertStillDeliversAndNothingIsLostOrDuplicated(child, forwarder);
		}));
	}

	@Test
	void flushReturnsTrueOnceEverythingPublishedBeforeIsDeliveredOrDeadLettered() {
		this.datasette.rejectRows((row) -> "o-3".equals(orderId(row.path("properties").asString())),
				"CHECK constraint failed: quantity < 3");
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 6);

			assertThat(forwarder.flush(PATIENCE)).isTrue();
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(6, 5, 0, 1, 0));
			assertThat(orderIds()).containsExactlyInAnyOrder("o-1", "o-2", "o-4", "o-5", "o-6");
			assertThat(this.deadLetters).extracting((deadLetter) -> orderId(deadLetter.row().properties()))
				.containsExactly("o-3");
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	@Test
	void flushReturnsFalseWhileTheServerHoldsTheRequest() {
		this.datasette.holdAnswers();
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 3);
			awaitRequests(1);

			assertThat(forwarder.flush(Duration.ofMillis(100))).isFalse();
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 0, 0, 0, 3));

			this.datasette.releaseAnswers();
			assertThat(forwarder.flush(PATIENCE)).isTrue();
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 3, 0, 0, 0));
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
		});
	}

	@Test
	void shutdownWaitsForTheRequestInFlightAndCountsItDelivered() {
		forwarding("datasette.events-forward.shutdown-timeout=5s").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);

			this.datasette.alterNextAnswer((answer) -> answer.headersDelay(300, TimeUnit.MILLISECONDS));
			publish(context, 1, 1);
			awaitRequests(2);
			context.close();

			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(2, 2, 0, 0, 0));
			assertThat(orderIds()).containsExactlyInAnyOrder(STILL_DELIVERING, "o-1");
			assertThat(forwarder.state().status()).isEqualTo(Status.STOPPED);
			assertThat(this.log.messages(Level.WARN, "could not be sent")).isEmpty();
		});
	}

	@Test
	void noForwarderThreadIsLeftOnceTheForwarderHasStopped() {
		ThreadWatch watch = new ThreadWatch(ForwarderThreads.alive());
		forwarding().withBean(ThreadWatch.class, () -> watch).run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
			Set<Thread> threads = watch.newThreads();
			assertThat(threads).as("the forwarder's thread").isNotEmpty();

			// Close while a request is in flight, as an application usually does.
			this.datasette.alterNextAnswer((answer) -> answer.headersDelay(100, TimeUnit.MILLISECONDS));
			publish(context, 1, 1);
			awaitRequests(2);
			context.close();
			assertThat(forwarder.counts().delivered()).isEqualTo(2);

			assertThat(watch.aliveAfterTheForwarderStopped()).as("forwarder threads alive once it had stopped")
				.isEmpty();
			assertThat(threads).as("forwarder threads alive after close").noneMatch(Thread::isAlive);
		});
	}

	@Test
	void stopReturnsOnlyOnceTheForwardersThreadHasEnded() {
		// What a servlet container checks when an application is undeployed: any thread left
		// is reported as a leak. A thread that ends a moment later still counts.
		for (int i = 0; i < 20; i++) {
			Set<Thread> before = ForwarderThreads.alive();
			ForwardingPipeline pipeline = new ForwardingPipeline(TestSettings.defaults().build(),
					new DefaultEventRowMapper(), JsonMapper.shared(), (rows, body) -> Mono.empty(), List.of(),
					ForwarderObserver.NONE);
			pipeline.start();
			Set<Thread> threads = ForwarderThreads.alive();
			threads.removeAll(before);
			assertThat(threads).as("the forwarder's thread").isNotEmpty();

			pipeline.stop();

			assertThat(threads).as("forwarder threads alive once stop() returned, cycle %d", i)
				.noneMatch(Thread::isAlive);
		}
	}

	@Test
	void deadLetterHandlersAreCalledOnTheForwardersThread() {
		List<String> threads = new CopyOnWriteArrayList<>();
		this.datasette.rejectRows((row) -> "o-2".equals(orderId(row.path("properties").asString())),
				"CHECK constraint failed: quantity < 2");
		forwarding().withBean("threadRecordingDeadLetterHandler", DeadLetterHandler.class,
				() -> (deadLetter) -> threads.add(Thread.currentThread().getName()))
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publish(context, 1, 3);

				awaitCounts(forwarder, 2, 1);
				assertThat(threads).as("as DeadLetterHandler documents, not a thread of the HTTP client")
					.singleElement()
					.asString()
					.startsWith(ForwarderThreads.NAME_PREFIX);
				assertStillDeliversAndNothingIsLostOrDuplicated(context, forwarder);
			});
	}

	@Test
	void aShutdownThatTimesOutAbandonsTheRequestInFlight() {
		inMemoryOnly();
		this.datasette.holdAnswers();
		forwarding("datasette.events-forward.shutdown-timeout=200ms").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 3);
			awaitRequests(1);

			context.close();
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 0, 0, 0, 3));
			assertThat(this.log.messages(Level.WARN, "3 events could not be sent")).hasSize(1);
			int logged = this.log.events().size();

			// The server answers the request the forwarder gave up waiting for.
			this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
			this.datasette.releaseAnswers();
			waiting().atMost(Duration.ofSeconds(2)).during(Duration.ofMillis(500)).untilAsserted(() -> {
				assertThat(forwarder.state().status()).isEqualTo(Status.STOPPED);
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(3, 0, 0, 0, 3));
				List<ILoggingEvent> events = this.log.events();
				assertThat(events.subList(logged, events.size())).as("logged after the context closed")
					.extracting(ILoggingEvent::getFormattedMessage)
					.isEmpty();
			});
		});
	}

	// ---------------------------------------------------------------- support

	private ApplicationContextRunner forwarding(String... properties) {
		return forwardingTo(this.server.createUrl()).withPropertyValues(properties);
	}

	private ApplicationContextRunner forwardingTo(String apiUrl) {
		ApplicationContextRunner runner = this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + apiUrl);
		return this.spooled ? runner.withPropertyValues("datasette.events-forward.spool.enabled=true",
				"datasette.events-forward.spool.path=" + this.spool) : runner;
	}

	// What a full memory buffer drops, and what a shutdown loses, is not what a spool does:
	// SpoolDeliveryTests has those.
	private void inMemoryOnly() {
		assumeFalse(this.spooled, "the spool keeps what memory would drop or lose");
	}

	/**
	 * Publish {@code o-0} and wait until the server has it: the batch that is retried while
	 * the server refuses, and that holds no other event.
	 */
	private void publishWhileABatchIsRetried(ApplicationEventPublisher publisher, EventsForwarder forwarder) {
		publish(publisher, 0, 0);
		awaitRequests(1);
		assertThat(rowIds(this.datasette.requestBodies().get(0))).hasSize(1);
		awaitStatus(forwarder, Status.RETRYING);
	}

	/**
	 * Check what a drop-oldest buffer of five kept through an outage in which the batch
	 * {@code o-0} was retried: that batch and the newest events. With one request at a time,
	 * no other batch leaves while it is retried, so the newest are known; with more, a batch
	 * may leave between two of its attempts, and rows in flight are never dropped, so which
	 * events are kept depends on when that was: five in all.
	 */
	private void assertKeptTheBatchInFlightAnd(String... newest) {
		if (this.maxInFlight == 1) {
			assertThat(orderIds()).as("the batch in flight, and the newest")
				.containsExactlyInAnyOrderElementsOf(Stream.concat(Stream.of("o-0"), Stream.of(newest)).toList());
		}
		else {
			assertThat(orderIds()).as("the batch in flight, and others").hasSize(1 + newest.length).contains("o-0");
		}
	}

	/**
	 * What every test ends with: a new event is delivered, every published event is counted
	 * once, every delivered row is stored once, and every dead letter reached the handler.
	 */
	private void assertStillDeliversAndNothingIsLostOrDuplicated(ApplicationEventPublisher publisher,
			EventsForwarder forwarder) {
		publisher.publishEvent(new OrderPlaced(STILL_DELIVERING, "zoe", 1, BigDecimal.ONE));
		waiting()
			.untilAsserted(() -> assertThat(orderIds()).as("a new event is delivered").contains(STILL_DELIVERING));
		waiting().until(() -> forwarder.counts().queued() == 0);
		ForwardCounts counts = forwarder.counts();
		assertAddsUp(counts);
		List<ObjectNode> rows = this.datasette.rows(TABLE);
		assertThat(ids()).as("ids stored").doesNotHaveDuplicates();
		assertThat(orderIds()).as("events stored").doesNotHaveDuplicates();
		assertThat(rows).as("rows stored for %s", counts).hasSize((int) counts.delivered());
		assertThat(this.deadLetters).as("dead letters handed to the handler").hasSize((int) counts.failed());
		assertThat(forwarder.state().status()).isEqualTo(Status.DELIVERING);
	}

	private List<String> orderIds() {
		return this.datasette.rows(TABLE).stream().map((row) -> orderId(row.path("properties").asString())).toList();
	}

	private List<String> ids() {
		return this.datasette.rows(TABLE).stream().map((row) -> row.path("id").asString()).toList();
	}

	private String orderId(String properties) {
		return this.json.readTree(properties).path("orderId").asString();
	}

	private List<String> rowIds(String body) {
		return this.json.readTree(body).path("rows").valueStream().map((row) -> row.path("id").asString()).toList();
	}

	/**
	 * Return every row of every request the server received, copies included.
	 */
	private List<JsonNode> sentRows() {
		return this.datasette.requestBodies()
			.stream()
			.flatMap((body) -> this.json.readTree(body).path("rows").valueStream())
			.toList();
	}

	// The server counts a request before its dispatcher has read it: wait for the dispatcher.
	private void awaitRequests(int count) {
		waiting().until(() -> this.datasette.requestBodies().size() >= count);
	}

	/**
	 * An error page as a proxy or the server's framework sends it: HTML, not JSON.
	 */
	private static MockResponse htmlPage(int status, String text) {
		return new MockResponse.Builder().code(status)
			.setHeader("Content-Type", "text/html; charset=utf-8")
			.body("<html>\r\n<head><title>" + status + " " + text + "</title></head>\r\n<body>\r\n<center><h1>" + status
					+ " " + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
			.build();
	}

	/**
	 * Stops right after the forwarder, and notes which of its threads are still alive then.
	 */
	static final class ThreadWatch implements SmartLifecycle {

		private final Set<Thread> before;

		private volatile boolean running;

		private volatile @Nullable Set<Thread> aliveAtStop;

		ThreadWatch(Set<Thread> before) {
			this.before = before;
		}

		Set<Thread> newThreads() {
			Set<Thread> threads = ForwarderThreads.alive();
			threads.removeAll(this.before);
			return threads;
		}

		Set<Thread> aliveAfterTheForwarderStopped() {
			assertThat(this.aliveAtStop).as("stopped with the context").isNotNull();
			return this.aliveAtStop;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.aliveAtStop = newThreads().stream().filter(Thread::isAlive).collect(Collectors.toSet());
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return ForwarderLifecycle.PHASE - 1;
		}

	}

}
