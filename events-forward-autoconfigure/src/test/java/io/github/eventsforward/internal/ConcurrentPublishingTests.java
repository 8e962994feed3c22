package io.github.eventsforward.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.example.shop.OrderPlaced;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.ForwarderThreads;
import io.github.eventsforward.testsupport.LogRecorder;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Publishes from several application threads at once, through the auto-configured
 * forwarder and real HTTP, and checks what reaches the server.
 */
class ConcurrentPublishingTests {

	private static final String TABLE = "datasette_events";

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	private final StallingDispatcher stalling = new StallingDispatcher(this.datasette);

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette).through(this.stalling);

	private final LogRecorder pipelineLog = new LogRecorder(Drops.class);

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner.withAutoConfigurations();

	private ExecutorService publishers;

	@BeforeEach
	void attachLog() {
		this.pipelineLog.attach();
	}

	@AfterEach
	void stopPublishers() {
		this.stalling.release();
		if (this.publishers != null) {
			this.publishers.shutdownNow();
		}
		this.pipelineLog.detach();
	}

	@Test
	void deliversEveryEventExactlyOnceWhenEightThreadsPublishTwentyThousandEvents() {
		this.contextRunner
			.withPropertyValues(forwarding("batch-limit=100", "max-rate=100000", "time-period=1s",
					"flush-interval=50ms", "buffer-capacity=20000"))
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publishConcurrently(context, 8, 2_500);
				await().atMost(PATIENCE).until(() -> forwarder.counts().queued() == 0);
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(20_000, 20_000, 0, 0, 0));
				assertAddsUp(forwarder.counts());

				List<ObjectNode> rows = this.datasette.rows(TABLE);
				assertThat(rows).hasSize(20_000);
				List<Landed> landed = rows.stream().map(Landed::of).sorted(Comparator.comparing(Landed::id)).toList();
				assertThat(landed).extracting(Landed::id).doesNotHaveDuplicates();
				assertThat(landed).extracting(Landed::orderId)
					.containsExactlyInAnyOrderElementsOf(orderIds(8, 2_500));
				// Each row was sent once: no batch went out twice, even though the server
				// would have ignored the copies.
				assertThat(this.datasette.requestBodies().stream().mapToInt(ConcurrentPublishingTests::rowCount).sum())
					.isEqualTo(20_000);
				// Ids follow each thread's publish order.
				Map<String, List<Integer>> sequencesInIdOrder = landed.stream()
					.collect(Collectors.groupingBy(Landed::publisher,
							Collectors.mapping(Landed::sequence, Collectors.toList())));
				assertThat(sequencesInIdOrder).hasSize(8)
					.allSatisfy((publisher, sequences) -> assertThat(sequences).as(publisher).isSorted());
			});
	}

	@Test
	void dropsTheExcessWithoutBlockingPublishersWhileTheServerStallsAndDeliversTheRestOnceItAnswers() {
		this.stalling.stall();
		this.contextRunner
			.withPropertyValues(forwarding("batch-limit=10", "max-rate=100000", "time-period=1s",
					"flush-interval=50ms", "buffer-capacity=100"))
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				publishConcurrently(context, 4, 1_250);
				// Every publisher returned while the server has not answered a single request.
				assertThat(this.stalling.isStalled()).isTrue();
				await().atMost(PATIENCE).until(() -> this.stalling.held() > 0);
				assertThat(this.stalling.held()).as("requests held by the stalled server").isOne();
				assertThat(this.datasette.rows(TABLE)).isEmpty();
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(5_000, 0, 4_900, 0, 100));
				// Reported by the forwarder's thread, not by the publishers'.
				await().atMost(PATIENCE).until(() -> !droppedWarnings().isEmpty());
				assertThat(droppedWarnings()).allSatisfy((event) -> {
					assertThat(event.getFormattedMessage()).contains("datasette.events-forward.buffer-capacity");
					assertThat(event.getThreadName()).startsWith(ForwarderThreads.NAME_PREFIX);
				});

				this.stalling.release();
				await().atMost(PATIENCE).until(() -> forwarder.counts().queued() == 0);
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(5_000, 100, 4_900, 0, 0));
				assertAddsUp(forwarder.counts());
				List<ObjectNode> rows = this.datasette.rows(TABLE);
				assertThat(rows).hasSize(100);
				assertThat(rows).extracting((row) -> row.path("id").asString()).doesNotHaveDuplicates();
			});
	}

	private String[] forwarding(String... limits) {
		List<String> properties = new ArrayList<>();
		properties.add("datasette.events-forward.api-url=" + this.server.createUrl());
		properties.add("datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN);
		for (String limit : limits) {
			properties.add("datasette.events-forward." + limit);
		}
		return properties.toArray(String[]::new);
	}

	/**
	 * Publish {@code perThread} events from each of {@code threads} threads, all started
	 * together, and wait for every thread to return.
	 */
	private void publishConcurrently(AssertableApplicationContext context, int threads, int perThread)
			throws Exception {
		this.publishers = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> running = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			String publisher = "publisher-" + t;
			running.add(this.publishers.submit(() -> {
				start.await();
				for (int i = 0; i < perThread; i++) {
					context.publishEvent(new OrderPlaced(publisher + "/" + i, publisher, 1, BigDecimal.ONE));
				}
				return null;
			}));
		}
		start.countDown();
		await().atMost(PATIENCE).until(() -> running.stream().allMatch(Future::isDone));
		for (Future<?> publishing : running) {
			publishing.get();
		}
	}

	private List<ILoggingEvent> droppedWarnings() {
		return this.pipelineLog.events()
			.stream()
			.filter((event) -> event.getLevel() == Level.WARN
					&& event.getFormattedMessage().startsWith("Dropped the newest "))
			.toList();
	}

	private static List<String> orderIds(int threads, int perThread) {
		List<String> ids = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			for (int i = 0; i < perThread; i++) {
				ids.add("publisher-" + t + "/" + i);
			}
		}
		return ids;
	}

	private static int rowCount(String body) {
		JsonNode rows = JsonMapper.shared().readTree(body).path("rows");
		return rows.size();
	}

	/**
	 * A row as it landed on the server.
	 *
	 * @param id the row's id
	 * @param orderId the order id of the event, {@code <publisher>/<sequence>}
	 */
	record Landed(String id, String orderId) {

		static Landed of(ObjectNode row) {
			String properties = row.path("properties").asString();
			return new Landed(row.path("id").asString(),
					JsonMapper.shared().readTree(properties).path("orderId").asString());
		}

		String publisher() {
			return this.orderId.substring(0, this.orderId.indexOf('/'));
		}

		int sequence() {
			return Integer.parseInt(this.orderId.substring(this.orderId.indexOf('/') + 1));
		}

	}

	/**
	 * Answers like Datasette, but while stalled holds every request until released.
	 */
	static final class StallingDispatcher extends Dispatcher {

		private final Dispatcher delegate;

		private final AtomicInteger held = new AtomicInteger();

		private volatile CountDownLatch gate = new CountDownLatch(0);

		StallingDispatcher(Dispatcher delegate) {
			this.delegate = delegate;
		}

		void stall() {
			this.gate = new CountDownLatch(1);
		}

		boolean isStalled() {
			return this.gate.getCount() > 0;
		}

		void release() {
			this.gate.countDown();
		}

		int held() {
			return this.held.get();
		}

		@Override
		public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
			CountDownLatch gate = this.gate;
			if (gate.getCount() > 0) {
				this.held.incrementAndGet();
				if (!gate.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
					return DatasetteDispatcher.error(503, "stalled too long");
				}
			}
			return this.delegate.dispatch(request);
		}

	}

}
