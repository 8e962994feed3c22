package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.BatchSender;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.ForwardCounts;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;

import static io.github.eventsforward.internal.PipelineOrders.assertCounts;
import static io.github.eventsforward.internal.PipelineOrders.orderId;
import static io.github.eventsforward.internal.PipelineOrders.orderIds;
import static io.github.eventsforward.internal.PipelineOrders.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ForwardingPipeline} on virtual time: batching, the rate limit, the flush
 * interval and retries, as the server would see them.
 */
class ForwardingPipelineTests {

	private static final Instant START = Instant.parse("2025-06-01T12:00:00Z");

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final RecordingSender sender = new RecordingSender(this.scheduler);

	@AfterEach
	void disposeScheduler() {
		this.scheduler.dispose();
	}

	@Test
	void sendsBatchesOfTenTenAndFiveSpacedByTheRateLimit() {
		ForwardingPipeline pipeline = start(settings(10, 1, Duration.ofSeconds(10), Duration.ofSeconds(1)));
		publish(pipeline, 25);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::size).containsExactly(10, 10, 5);
		assertThat(requests.get(0).at()).isZero();
		assertThat(requests.get(1).at()).isGreaterThanOrEqualTo(requests.get(0).at().plusSeconds(10));
		assertThat(requests.get(2).at()).isGreaterThanOrEqualTo(requests.get(1).at().plusSeconds(10));
		// No slower than the limit allows either: the backlog goes out as fast as it may.
		assertThat(requests.get(2).at()).isLessThanOrEqualTo(Duration.ofSeconds(20));
		List<EventRow> rows = requests.stream().flatMap((request) -> request.rows().stream()).toList();
		assertThat(rows).extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(0, 25));
		assertThat(rows).extracting(EventRow::id).isSortedAccordingTo(String::compareTo).doesNotHaveDuplicates();
		this.scheduler.advanceTimeBy(Duration.ofMinutes(10));
		assertThat(this.sender.requests()).hasSize(3);
		assertCounts(pipeline, 25, 25, 0, 0);
	}

	@Test
	void sendsALoneEventOnceTheFlushIntervalHasPassed() {
		ForwardingPipeline pipeline = start(settings(10, 1, Duration.ofSeconds(10), Duration.ofSeconds(1)));
		publish(pipeline, 1);
		this.scheduler.advanceTimeBy(Duration.ofMillis(999));
		assertThat(this.sender.requests()).isEmpty();
		assertCounts(pipeline, 1, 0, 0, 0);
		this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		assertThat(this.sender.requests()).singleElement().satisfies((request) -> {
			assertThat(request.at()).isEqualTo(Duration.ofSeconds(1));
			assertThat(request.rows()).extracting(PipelineOrders::orderId).containsExactly("o-0");
		});
		assertCounts(pipeline, 1, 1, 0, 0);
	}

	@Test
	void sendsABacklogAtMaxRateWithFullBatchesAndNeverMoreRequestsInOneWindow() {
		ForwardingPipeline pipeline = start(settings(10, 5, Duration.ofSeconds(1), Duration.ofSeconds(1)));
		publish(pipeline, 1000);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(30));
		List<Request> requests = this.sender.requests();
		assertThat(requests).hasSize(100);
		for (Request request : requests) {
			Duration windowEnd = request.at().plusSeconds(1);
			assertThat(requests.stream().filter(sentWithin(request.at(), windowEnd)))
				.as("requests in [%s, %s)", request.at(), windowEnd)
				.hasSizeLessThanOrEqualTo(5);
		}
		assertThat(requests.stream().filter(sentWithin(Duration.ZERO, Duration.ofSeconds(10))))
			.as("requests in the first 10 seconds")
			.hasSize(50);
		assertThat(requests).extracting(Request::size).containsOnly(10);
		assertThat(requests.stream().flatMap((request) -> request.rows().stream()))
			.extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(0, 1000));
		assertCounts(pipeline, 1000, 1000, 0, 0);
	}

	@Test
	void sendsFullBatchesFromABacklogThatFormedAfterALoneEventWasFlushed() {
		ForwardingPipeline pipeline = start(settings(10, 1, Duration.ofSeconds(10), Duration.ofSeconds(1)));
		publish(pipeline, 0, 1);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(this.sender.requests()).extracting(Request::size).containsExactly(1);
		// 40 events arrive while the rate limit holds the next request back until t=11s.
		publish(pipeline, 1, 41);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(2));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::size).containsExactly(1, 10, 10, 10, 10);
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(11), Duration.ofSeconds(21),
					Duration.ofSeconds(31), Duration.ofSeconds(41));
		assertThat(requests.stream().flatMap((request) -> request.rows().stream()))
			.extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(0, 41));
		assertCounts(pipeline, 41, 41, 0, 0);
	}

	@Test
	void letsTheNextBatchFillWhileARequestIsInFlight() {
		ForwardingPipeline pipeline = start(settings(10, 1000, Duration.ofSeconds(1), Duration.ofSeconds(1)));
		this.sender.answerAfter(Duration.ofMillis(100));
		// 20 events a second for 10 seconds; the server takes 100 ms to answer.
		for (int i = 0; i < 200; i++) {
			publish(pipeline, i, i + 1);
			this.scheduler.advanceTimeBy(Duration.ofMillis(50));
		}
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		// A batch fills in 500 ms, well within the flush interval: none is sent part-full.
		assertThat(requests).extracting(Request::size).containsOnly(10);
		assertThat(requests).hasSize(20);
		assertCounts(pipeline, 200, 200, 0, 0);
	}

	@Test
	void retriesAFailedBatchWithGrowingBackoffUntilGiveUpAfterThenDeadLettersItAndSendsTheNextBatch() {
		ForwardingPipeline pipeline = start(TestSettings.defaults()
			.rate(1000, Duration.ofSeconds(1))
			.backoff(Duration.ofSeconds(1), Duration.ofSeconds(30))
			.giveUpAfter(Duration.ofMinutes(2))
			.build());
		this.sender.failWhen((rows) -> orderId(rows.get(0)).equals("o-0"));
		publish(pipeline, 20);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(10));
		List<Request> requests = this.sender.requests();
		List<Request> retried = requests.subList(0, requests.size() - 1);
		assertThat(retried).extracting((request) -> orderId(request.rows().get(0))).containsOnly("o-0");
		// Far more than the old three attempts: retries go on for as long as give-up-after.
		assertThat(retried).hasSizeGreaterThan(6);
		assertThat(retried.get(0).at()).isZero();
		// 1s, 2s, 4s, ... up to 30s, each with jitter of up to half of it either way, and never
		// more than 30s. The wait before the last attempt is cut short by give-up-after.
		for (int n = 0; n < retried.size() - 2; n++) {
			long base = Math.min(1L << Math.min(n, 30), 30);
			assertThat(retried.get(n + 1).at().minus(retried.get(n).at())).as("wait before retry %d", n + 1)
				.isBetween(Duration.ofMillis(base * 500), Duration.ofMillis(Math.min(base * 1500, 30_000)));
		}
		// The last attempt is made when the batch has failed for give-up-after, not later.
		assertThat(retried.get(retried.size() - 1).at()).isEqualTo(Duration.ofMinutes(2));
		Request next = requests.get(requests.size() - 1);
		assertThat(next.at()).isEqualTo(Duration.ofMinutes(2));
		assertThat(next.rows()).extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(10, 20));
		assertCounts(pipeline, 20, 10, 0, 10);
	}

	@Test
	void retriesWaitForTheRateLimit() {
		// Backoff of at most 5s, below the 10s period: the rate limit sets the pace of retries.
		ForwardingPipeline pipeline = start(TestSettings.defaults()
			.rate(1, Duration.ofSeconds(10))
			.backoff(Duration.ofSeconds(1), Duration.ofSeconds(5))
			.giveUpAfter(Duration.ofMinutes(1))
			.build());
		this.sender.failWhen((rows) -> orderId(rows.get(0)).equals("o-0"));
		publish(pipeline, 20);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(5));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting((request) -> orderId(request.rows().get(0)))
			.containsExactly("o-0", "o-0", "o-0", "o-0", "o-0", "o-0", "o-0", "o-10");
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30),
					Duration.ofSeconds(40), Duration.ofSeconds(50), Duration.ofSeconds(60), Duration.ofSeconds(70));
		assertCounts(pipeline, 20, 10, 0, 10);
	}

	@Test
	void dropsAndCountsEventsBeyondTheBufferCapacity() {
		ForwarderSettings settings = TestSettings.defaults().bufferCapacity(25).build();
		ForwardingPipeline pipeline = start(settings);
		publish(pipeline, 40);
		// The first ten went out at once; 25 more fill the buffer while the limit holds them.
		assertCounts(pipeline, 40, 10, 5, 0);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(this.sender.requests().stream().flatMap((request) -> request.rows().stream()))
			.extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(0, 35));
		assertCounts(pipeline, 40, 35, 5, 0);
	}

	@Test
	void underABacklogRequestsGoOutWhileTheRestIsStillBeingMapped() {
		// On the forwarder's own thread and real time: 10,000 events are waiting when it starts.
		// Mapping them all takes far longer than one answer; each answer must be acted on when
		// it comes, not once every queued event is mapped.
		AtomicInteger mapped = new AtomicInteger();
		EventRowMapper counting = countingMapper(mapped);
		List<Integer> mappedAtRequest = new CopyOnWriteArrayList<>();
		BatchSender sender = (rows, body) -> Mono.fromRunnable(() -> mappedAtRequest.add(mapped.get()));
		ForwarderSettings settings = settings(100, 1_000_000, Duration.ofSeconds(1), Duration.ofSeconds(1));
		ForwardingPipeline pipeline = onItsOwnThread(settings, counting, sender);
		publish(pipeline, 10_000);
		pipeline.start();
		try {
			assertThat(pipeline.flush(Duration.ofSeconds(30))).isTrue();
		}
		finally {
			pipeline.stop();
		}
		assertThat(mappedAtRequest).hasSize(100);
		assertThat(mappedAtRequest.get(1)).as("events mapped when the second request went out").isLessThan(1_000);
		assertCounts(pipeline, 10_000, 10_000, 0, 0);
	}

	@Test
	void aBacklogWaitsAsTheEventsPublishedAndIsMadeIntoRowsTwoBatchesAheadOfSending() {
		// The rate limit holds a backlog of 1,000 events: the forwarder makes rows of the
		// next two batches only, and each event is mapped once, when its turn nears.
		AtomicInteger mapped = new AtomicInteger();
		EventRowMapper counting = countingMapper(mapped);
		ForwarderSettings settings = settings(10, 1, Duration.ofSeconds(1), Duration.ofSeconds(1));
		ForwardingPipeline pipeline = start(settings, counting);
		publish(pipeline, 1000);
		this.scheduler.advanceTime();
		assertThat(this.sender.requests()).hasSize(1);
		assertThat(mapped).as("events mapped: the first batch and the next two").hasValue(30);
		assertThat(pipeline.buffer().size()).isEqualTo(20);
		long rowBytes = pipeline.queuedBytes();
		assertThat(rowBytes).as("the JSON of the 20 rows made").isPositive().isLessThan(20 * 400);
		assertCounts(pipeline, 1000, 10, 0, 0);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(this.sender.requests()).hasSize(11);
		assertThat(mapped).hasValue(130);
		assertThat(pipeline.buffer().size()).isEqualTo(20);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(2));
		List<EventRow> rows = this.sender.requests().stream().flatMap((request) -> request.rows().stream()).toList();
		assertThat(rows).extracting(PipelineOrders::orderId).containsExactlyElementsOf(orderIds(0, 1000));
		assertThat(rows).extracting(EventRow::id).isSortedAccordingTo(String::compareTo).doesNotHaveDuplicates();
		assertThat(mapped).as("each event mapped once").hasValue(1000);
		assertCounts(pipeline, 1000, 1000, 0, 0);
		assertThat(pipeline.queuedBytes()).isZero();
	}

	@Test
	void rowsOfABacklogAreMadeAheadForEveryRequestInFlight() {
		// Four requests in flight, each answered after a second: eight batches are made ahead.
		AtomicInteger mapped = new AtomicInteger();
		EventRowMapper counting = countingMapper(mapped);
		ForwarderSettings settings = TestSettings.defaults()
			.batchLimit(10)
			.maxInFlight(4)
			.rate(1_000, Duration.ofSeconds(1))
			.flushInterval(Duration.ofSeconds(1))
			.build();
		this.sender.answerAfter(Duration.ofSeconds(1));
		ForwardingPipeline pipeline = start(settings, counting);
		publish(pipeline, 1000);
		this.scheduler.advanceTime();
		assertThat(this.sender.requests()).hasSize(4);
		assertThat(mapped).as("four batches in flight and eight made ahead").hasValue(120);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(this.sender.requests().stream().flatMap((request) -> request.rows().stream()))
			.extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(0, 1000));
		assertCounts(pipeline, 1000, 1000, 0, 0);
	}

	@Test
	void stoppingSendsABacklogThatWasNotMadeIntoRowsYet() throws Exception {
		// On the forwarder's own thread: the server answers after 50 ms while 1,000 events
		// wait, most of them not made into rows yet; stopping sends them all.
		AtomicInteger received = new AtomicInteger();
		BatchSender slow = (rows, body) -> Mono.delay(Duration.ofMillis(50))
			.then(Mono.fromRunnable(() -> received.addAndGet(rows.size())));
		ForwarderSettings settings = TestSettings.defaults()
			.batchLimit(100)
			.rate(1_000_000, Duration.ofSeconds(1))
			.flushInterval(Duration.ofMillis(10))
			.shutdownTimeout(Duration.ofSeconds(30))
			.build();
		ForwardingPipeline pipeline = onItsOwnThread(settings, new DefaultEventRowMapper(), slow);
		pipeline.start();
		publish(pipeline, 1000);
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.get() > 0);
		pipeline.stop();
		assertThat(received).hasValue(1000);
		assertCounts(pipeline, 1000, 1000, 0, 0);
	}

	@Test
	void publishersRacingWithStopLeaveNoEventUnaccountedFor() throws Exception {
		// Each event published while the forwarder stops is either delivered or dropped as
		// published after the stop: none is left in the queue, counted as neither.
		for (int round = 0; round < 20; round++) {
			AtomicInteger received = new AtomicInteger();
			BatchSender sender = (rows, body) -> Mono.fromRunnable(() -> received.addAndGet(rows.size()));
			ForwarderSettings settings = settings(100, 1_000_000, Duration.ofSeconds(1), Duration.ofMillis(10));
			ForwardingPipeline pipeline = onItsOwnThread(settings, new DefaultEventRowMapper(), sender);
			pipeline.start();
			List<Thread> publishers = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				Thread publisher = new Thread(() -> publish(pipeline, 1_000));
				publishers.add(publisher);
				publisher.start();
			}
			while (pipeline.counts().published() < 500) {
				Thread.onSpinWait();
			}
			pipeline.stop();
			for (Thread publisher : publishers) {
				publisher.join();
			}
			ForwardCounts counts = pipeline.counts();
			assertThat(counts.queued()).as("events left queued after the stop").isZero();
			assertThat(counts.failed()).isZero();
			assertThat(counts.delivered()).isEqualTo(received.get());
			assertThat(counts.delivered() + counts.dropped()).isEqualTo(counts.published());
		}
	}

	private ForwardingPipeline start(ForwarderSettings settings) {
		return start(settings, new DefaultEventRowMapper());
	}

	private ForwardingPipeline start(ForwarderSettings settings, EventRowMapper mapper) {
		RowFactory rows = new RowFactory(mapper, JsonMapper.shared(), "test");
		ForwardingPipeline pipeline = new ForwardingPipeline(settings, rows, this.sender, List.of(), this.scheduler,
				new VirtualClock(this.scheduler));
		pipeline.start();
		return pipeline;
	}

	// A pipeline on a forwarder thread of its own and real time, not started yet.
	private static ForwardingPipeline onItsOwnThread(ForwarderSettings settings, EventRowMapper mapper,
			BatchSender sender) {
		return new ForwardingPipeline(settings, new RowFactory(mapper, JsonMapper.shared(), "test"), sender, List.of(),
				null, Clock.systemUTC());
	}

	// The default mapper, counting the events it maps.
	private static EventRowMapper countingMapper(AtomicInteger mapped) {
		EventRowMapper mapper = new DefaultEventRowMapper();
		return (event) -> {
			mapped.incrementAndGet();
			return mapper.map(event);
		};
	}

	private static ForwarderSettings settings(int batchLimit, int maxRate, Duration timePeriod,
			Duration flushInterval) {
		return TestSettings.defaults()
			.batchLimit(batchLimit)
			.rate(maxRate, timePeriod)
			.flushInterval(flushInterval)
			.build();
	}

	private static Predicate<Request> sentWithin(Duration from, Duration to) {
		return (request) -> request.at().compareTo(from) >= 0 && request.at().compareTo(to) < 0;
	}

	/**
	 * One request as the server would have seen it.
	 *
	 * @param at virtual time it was sent at
	 * @param rows its rows
	 */
	record Request(Duration at, List<EventRow> rows) {

		int size() {
			return this.rows.size();
		}

	}

	/**
	 * Records every attempt to send, at the virtual time it is made, and accepts it unless
	 * told to fail it.
	 */
	static final class RecordingSender implements BatchSender {

		private final VirtualTimeScheduler scheduler;

		private final List<Request> requests = new CopyOnWriteArrayList<>();

		private volatile Predicate<List<EventRow>> failing = (rows) -> false;

		private volatile Duration latency = Duration.ZERO;

		private volatile BiFunction<List<EventRow>, Integer, @Nullable Throwable> answers = (rows, n) -> null;

		RecordingSender(VirtualTimeScheduler scheduler) {
			this.scheduler = scheduler;
		}

		void failWhen(Predicate<List<EventRow>> failing) {
			this.failing = failing;
		}

		void answerAfter(Duration latency) {
			this.latency = latency;
		}

		/**
		 * Answer each request with what the function returns for its rows and its number
		 * (from 0): an exception to fail it, {@code null} to accept it.
		 */
		void answerWith(BiFunction<List<EventRow>, Integer, @Nullable Throwable> answers) {
			this.answers = answers;
		}

		List<Request> requests() {
			return List.copyOf(this.requests);
		}

		@Override
		public Mono<Void> send(List<EventRow> rows, byte[] body) {
			// A request is made when the Mono is subscribed to, as with WebClient.
			return Mono.defer(() -> {
				int number = this.requests.size();
				this.requests.add(new Request(Duration.ofNanos(this.scheduler.now(TimeUnit.NANOSECONDS)),
						List.copyOf(rows)));
				Throwable failure = this.answers.apply(rows, number);
				Mono<Void> answer = (failure != null) ? Mono.error(failure)
						: this.failing.test(rows) ? Mono.error(DatasetteWriteException.of(503, "", null)) : Mono.empty();
				return this.latency.isZero() ? answer
						: Mono.delay(this.latency, this.scheduler).then(answer);
			});
		}

	}

	/**
	 * A clock that follows the virtual time of a scheduler.
	 */
	static final class VirtualClock extends Clock {

		private final VirtualTimeScheduler scheduler;

		VirtualClock(VirtualTimeScheduler scheduler) {
			this.scheduler = scheduler;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Instant instant() {
			return START.plusNanos(this.scheduler.now(TimeUnit.NANOSECONDS));
		}

	}

}
