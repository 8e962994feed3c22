package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.DeadLetter;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.internal.ForwardingPipelineTests.RecordingSender;
import io.github.eventsforward.internal.ForwardingPipelineTests.Request;
import io.github.eventsforward.internal.ForwardingPipelineTests.VirtualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Batcher} on virtual time: when a batch is cut from the buffer and how
 * many rows it carries, and how what became of them is settled.
 */
class BatcherTests {

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final RecordingSender sender = new RecordingSender(this.scheduler);

	private final Accounting accounting = new Accounting();

	private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

	private final List<ForwarderObserver.DeadLetterCause> deadLetterCauses = new CopyOnWriteArrayList<>();

	private RequestBodyWriter bodyWriter;

	private MemoryBuffer buffer;

	private Batcher batcher;

	@AfterEach
	void dispose() {
		if (this.batcher != null) {
			this.batcher.dispose();
		}
		this.scheduler.dispose();
	}

	@Test
	void sendsAFullBatchAtOnce() {
		start(fast());
		arrive(0, 13);
		assertThat(this.sender.requests()).singleElement().satisfies((request) -> {
			assertThat(request.at()).isZero();
			assertThat(ids(request)).containsExactlyElementsOf(ids(0, 10));
		});
		assertThat(this.buffer.size()).isEqualTo(3);
	}

	@Test
	void sendsAPartialBatchOnceItsOldestRowHasWaitedExactlyTheFlushInterval() {
		start(fast());
		arrive(0, 1);
		advance(Duration.ofMillis(600));
		arrive(1, 3);
		advance(Duration.ofMillis(399));
		assertThat(this.sender.requests()).isEmpty();
		advance(Duration.ofMillis(1));
		assertThat(this.sender.requests()).singleElement().satisfies((request) -> {
			assertThat(request.at()).isEqualTo(Duration.ofSeconds(1));
			assertThat(ids(request)).containsExactlyElementsOf(ids(0, 3));
		});
	}

	@Test
	void timesAPartialBatchFromItsOwnOldestRowNotFromABatchThatFilledMeanwhile() {
		start(fast());
		arrive(0, 3);
		advance(Duration.ofMillis(500));
		arrive(3, 10);
		advance(Duration.ofMillis(100));
		arrive(10, 11);
		advance(Duration.ofSeconds(5));
		assertThat(this.sender.requests()).extracting(Request::at)
			.containsExactly(Duration.ofMillis(500), Duration.ofMillis(1600));
		assertThat(this.sender.requests()).extracting(Request::size).containsExactly(10, 1);
	}

	@Test
	void rowsThatArriveWhileARequestIsInFlightJoinTheNextBatchAndABacklogGoesInFullBatches() {
		start(fast());
		this.sender.answerAfter(Duration.ofMillis(100));
		arrive(0, 10);
		advance(Duration.ofMillis(50));
		arrive(10, 35);
		advance(Duration.ofSeconds(5));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::size).containsExactly(10, 10, 10, 5);
		// Each batch goes as soon as the one before has its answer; the rest waits for the
		// flush interval from the arrival of its oldest row.
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(1050));
		assertThat(requests).flatExtracting(BatcherTests::ids).containsExactlyElementsOf(ids(0, 35));
	}

	@Test
	void theRateLimitHoldsTheNextBatchBackAndItFillsMeanwhile() {
		start(TestSettings.defaults().batchLimit(10).rate(1, Duration.ofSeconds(10)).flushInterval(Duration.ofSeconds(1))
			.build());
		arrive(0, 1);
		advance(Duration.ofSeconds(2));
		// Due at 3s, held back by the rate limit until 11s.
		arrive(1, 4);
		advance(Duration.ofSeconds(3));
		arrive(4, 16);
		advance(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(11), Duration.ofSeconds(21));
		assertThat(requests).extracting(BatcherTests::ids)
			.containsExactly(ids(0, 1), ids(1, 11), ids(11, 16));
	}

	@Test
	void completeSendsWhatWaitsWithoutWaitingForFullBatchesOrTheFlushInterval() {
		start(fast());
		this.sender.answerAfter(Duration.ofMillis(100));
		arrive(0, 23);
		this.batcher.complete();
		advance(Duration.ofMillis(300));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::size).containsExactly(10, 10, 3);
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200));
		assertThat(this.buffer.size()).isZero();
	}

	@Test
	void settlesTheRowsOfABatchOnceItHasAnOutcome() {
		start(fast());
		this.sender.answerAfter(Duration.ofMillis(100));
		advance(Duration.ofMillis(20));
		arrive(0, 10);
		advance(Duration.ofMillis(50));
		// In flight: no longer waiting, but the oldest row still counts as queued.
		assertThat(this.buffer.size()).isZero();
		assertThat(this.buffer.oldestArrival()).isEqualTo(Duration.ofMillis(20).toNanos());
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(10, 0, 0, 0, 10));
		assertThat(this.accounting.awaitOutcomes(Duration.ZERO)).isFalse();
		advance(Duration.ofMillis(50));
		assertThat(this.buffer.size()).isZero();
		assertThat(this.buffer.oldestArrival()).isEqualTo(EventBuffer.NONE);
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(10, 10, 0, 0, 0));
		assertThat(this.accounting.awaitOutcomes(Duration.ZERO)).isTrue();
		assertThat(this.deadLetters).isEmpty();
	}

	@Test
	void handsADeadLetteredOutcomeToDeadLettersAndCountsItAsFailed() {
		start(fast().maxRequestSize(2048));
		arrive(0, 3);
		arrive(huge(3));
		arrive(4, 10);
		advance(Duration.ofSeconds(1));
		assertThat(this.deadLetters).singleElement().satisfies((deadLetter) -> {
			assertThat(deadLetter.row().id()).isEqualTo(id(3));
			assertThat(deadLetter.reason()).contains("max-request-size");
		});
		assertThat(this.deadLetterCauses).containsExactly(ForwarderObserver.DeadLetterCause.TOO_LARGE);
		List<String> delivered = new ArrayList<>(ids(0, 10));
		delivered.remove(id(3));
		assertThat(this.sender.requests()).flatExtracting(BatcherTests::ids).containsExactlyElementsOf(delivered);
		ForwardCounts counts = this.accounting.counts();
		assertThat(counts).isEqualTo(new ForwardCounts(10, 9, 0, 1, 0));
		assertAddsUp(counts);
		assertThat(this.buffer.oldestArrival()).isEqualTo(EventBuffer.NONE);
	}

	// ---------------------------------------------------------------- several in flight

	@Test
	void upToMaxInFlightBatchesGoOutAtOnceAndEachFreedSlotTakesTheNextFullBatch() {
		start(fast().maxInFlight(3));
		this.sender.answerAfter(Duration.ofMillis(100));
		arrive(0, 70);
		advance(Duration.ofSeconds(5));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::size).containsOnly(10).hasSize(7);
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofMillis(100),
					Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(200));
		assertThat(requests).as("cut in publish order").flatExtracting(BatcherTests::ids)
			.containsExactlyElementsOf(ids(0, 70));
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(70, 70, 0, 0, 0));
	}

	@Test
	void aPartialBatchWaitsForTheFlushIntervalFromItsOwnOldestRowWhileOthersAreInFlight() {
		start(fast().maxInFlight(2));
		this.sender.answerAfter(Duration.ofSeconds(5));
		arrive(0, 10);
		advance(Duration.ofMillis(300));
		arrive(10, 12);
		advance(Duration.ofMillis(999));
		assertThat(this.sender.requests()).hasSize(1);
		advance(Duration.ofMillis(1));
		assertThat(this.sender.requests()).extracting(Request::at).containsExactly(Duration.ZERO,
				Duration.ofMillis(1300));
		assertThat(this.sender.requests().get(1).size()).isEqualTo(2);
	}

	@Test
	void theRateLimitHoldsSeveralInFlightToMaxRate() {
		start(fast().maxInFlight(8).rate(2, Duration.ofSeconds(1)));
		this.sender.answerAfter(Duration.ofMillis(10));
		arrive(0, 60);
		advance(Duration.ofSeconds(10));
		assertThat(this.sender.requests()).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1),
					Duration.ofSeconds(2), Duration.ofSeconds(2));
	}

	@Test
	void aBatchRetriedAfterAServerErrorHoldsBackNewBatchesForItsBackoffOnlyWhileTheOthersGoOn() {
		start(fast().maxInFlight(4).backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)));
		this.sender.answerAfter(Duration.ofMillis(100));
		// The first attempt of the first batch fails; every other request succeeds.
		this.sender.failWhen((rows) -> rows.get(0).id().equals(id(0)) && this.sender.requests().size() == 1);
		arrive(0, 20);
		advance(Duration.ofMillis(100));
		// Both batches went out together; the first failed at 100 ms and waits its backoff of
		// 0.5 to 1.5 s (jitter), the second was delivered.
		assertThat(this.accounting.counts().delivered()).isEqualTo(10);
		arrive(20, 30);
		advance(Duration.ofMillis(399));
		assertThat(this.sender.requests()).as("no new batch during the backoff").hasSize(2);
		advance(Duration.ofSeconds(2));
		List<Request> requests = this.sender.requests();
		assertThat(requests).hasSize(4);
		Duration retried = requests.get(2).at();
		assertThat(retried).isBetween(Duration.ofMillis(600), Duration.ofMillis(1600));
		assertThat(ids(requests.get(2))).as("the retry").isEqualTo(ids(0, 10));
		assertThat(requests.get(3).at()).as("the next batch, as soon as the backoff ended").isEqualTo(retried);
		assertThat(ids(requests.get(3))).isEqualTo(ids(20, 30));
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(30, 30, 0, 0, 0));
	}

	@Test
	void retryAfterHoldsEverySendingUntilItHasPassed() {
		start(fast().maxInFlight(4));
		this.sender.answerAfter(Duration.ofMillis(100));
		this.sender.answerWith((rows, n) -> (n == 0) ? DatasetteWriteException.of(429, "", Duration.ofSeconds(3)) : null);
		arrive(0, 10);
		advance(Duration.ofMillis(50));
		arrive(10, 20);
		// The second batch went out before the first had its 429.
		advance(Duration.ofMillis(100));
		arrive(20, 30);
		advance(Duration.ofSeconds(10));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofMillis(50), Duration.ofMillis(3100), Duration.ofMillis(3100));
		assertThat(requests).extracting(BatcherTests::ids).containsExactly(ids(0, 10), ids(10, 20), ids(0, 10),
				ids(20, 30));
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(30, 30, 0, 0, 0));
	}

	@Test
	void aPauseHoldsBackNewBatchesUntilTheServerAcceptsAgain() {
		start(fast().maxInFlight(4).backoff(Duration.ofMillis(500), Duration.ofSeconds(1)));
		this.sender.answerAfter(Duration.ofMillis(100));
		this.sender.answerWith((rows, n) -> (n < 4) ? DatasetteWriteException.of(401, "", null) : null);
		arrive(0, 10);
		advance(Duration.ofMillis(150));
		arrive(10, 40);
		advance(Duration.ofSeconds(10));
		List<Request> requests = this.sender.requests();
		// Paused at 100 ms: the same batch tried again after 0.5 s, then every second (at 600,
		// 1700, 2800 and 3900 ms) and accepted at 4000 ms; the rest goes out then, three at once.
		assertThat(requests).extracting(BatcherTests::ids)
			.startsWith(ids(0, 10), ids(0, 10), ids(0, 10), ids(0, 10), ids(0, 10));
		assertThat(requests.subList(0, 5)).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofMillis(600), Duration.ofMillis(1700), Duration.ofMillis(2800),
					Duration.ofMillis(3900));
		assertThat(requests.subList(5, requests.size())).extracting(Request::at)
			.containsOnly(Duration.ofMillis(4000));
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(40, 40, 0, 0, 0));
	}

	@Test
	void finishWaitsForTheAnswersOfEveryRequestInFlight() {
		start(fast().maxInFlight(3));
		this.sender.answerAfter(Duration.ofMillis(100));
		arrive(0, 20);
		advance(Duration.ofMillis(50));
		arrive(20, 30);
		List<String> idle = new ArrayList<>();
		this.batcher.finish(() -> idle.add("idle at " + this.scheduler.now(TimeUnit.MILLISECONDS)));
		advance(Duration.ofMillis(99));
		assertThat(idle).isEmpty();
		advance(Duration.ofSeconds(1));
		assertThat(idle).containsExactly("idle at 150");
		assertThat(this.sender.requests()).hasSize(3);
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(30, 30, 0, 0, 0));
	}

	private static TestSettings fast() {
		return TestSettings.defaults()
			.batchLimit(10)
			.rate(1000, Duration.ofSeconds(1))
			.flushInterval(Duration.ofSeconds(1));
	}

	private void start(TestSettings settings) {
		start(settings.build());
	}

	private void start(ForwarderSettings settings) {
		ForwarderObserver observer = new ForwarderObserver() {

			@Override
			public void deadLettered(DeadLetterCause cause, long events) {
				BatcherTests.this.deadLetterCauses.add(cause);
			}

		};
		this.bodyWriter = new RequestBodyWriter(settings.endpoint(), settings.table());
		this.buffer = new MemoryBuffer(settings.buffer());
		RateGate gate = new RateGate(settings.maxRate(), settings.timePeriod(), this.scheduler);
		ForwarderStatus status = new ForwarderStatus(new VirtualClock(this.scheduler));
		Delivery delivery = new Delivery(settings, this.bodyWriter, this.sender, gate, this.scheduler, status,
				ForwarderObserver.NONE);
		DeadLetters deadLetters = new DeadLetters(List.of(this.deadLetters::add), this.accounting, observer,
				settings.displayUrl());
		this.batcher = new Batcher(settings.batchLimit(), settings.maxInFlight(), settings.flushInterval(), this.buffer,
				gate, delivery, this.accounting, deadLetters, this.scheduler);
	}

	// Rows reach the buffer as the forwarder's thread adds them: accepted, added, and the
	// batcher told. On virtual time the test's thread is the scheduler's.
	private void arrive(int from, int to) {
		for (int i = from; i < to; i++) {
			arrive(row(i, "{}"));
		}
	}

	private void arrive(EventRow row) {
		assertThat(this.accounting.accept(this.accounting.pending())).isTrue();
		this.buffer.add(row, this.bodyWriter.encode(row, this.scheduler.now(TimeUnit.NANOSECONDS)));
		this.batcher.rowsAdded();
	}

	private void advance(Duration duration) {
		this.scheduler.advanceTimeBy(duration);
	}

	private static EventRow row(int n, String properties) {
		return new EventRow(id(n), "test", "order-placed", "2025-06-01T12:00:00.000Z", null, null, null, properties);
	}

	private static EventRow huge(int n) {
		return row(n, "{\"note\":\"" + "x".repeat(4000) + "\"}");
	}

	private static String id(int n) {
		return "e-%02d".formatted(n);
	}

	private static List<String> ids(int from, int to) {
		List<String> ids = new ArrayList<>();
		for (int i = from; i < to; i++) {
			ids.add(id(i));
		}
		return ids;
	}

	private static List<String> ids(Request request) {
		return request.rows().stream().map(EventRow::id).toList();
	}

}
