package io.github.eventsforward.internal;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.BatchSender;
import com.example.shop.OrderPlaced;
import io.github.eventsforward.DeadLetter;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static io.github.eventsforward.internal.PipelineOrders.assertCounts;
import static io.github.eventsforward.internal.PipelineOrders.orderId;
import static io.github.eventsforward.internal.PipelineOrders.orderIds;
import static io.github.eventsforward.internal.PipelineOrders.publish;
import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the forwarder delivers batches whatever the server answers: retries of transient
 * failures, pauses on auth and table problems, splitting of rejected and oversized batches,
 * and the buffer during an outage. Runs on virtual time against a scripted server that
 * answers each request in turn. The same failures over HTTP, and what the forwarder
 * guarantees through them, are in {@link DeliveryGuaranteesTests}.
 */
class DeliveryTests {

	private static final Duration FAST_PERIOD = Duration.ofSeconds(1);

	private static final String API_URL = "http://localhost:8001/data/-/create";

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final ScriptedSender sender = new ScriptedSender(this.scheduler);

	private final List<Letter> deadLetters = new CopyOnWriteArrayList<>();

	@AfterEach
	void disposeScheduler() {
		this.scheduler.dispose();
	}

	// ---------------------------------------------------------------- Retry-After

	@Test
	void retryAfterHoldsBackEveryRequestOfEveryBatchUntilItHasPassed() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.then(Answer.status(429, errors("Too many requests"), Duration.ofSeconds(3)));
		publish(pipeline, 0, 25);
		advance(Duration.ofMillis(2999));
		assertThat(this.sender.requests()).singleElement().satisfies((request) -> {
			assertThat(request.at()).isZero();
			assertThat(request.orderIds()).containsExactlyElementsOf(orderIds(0, 10));
		});
		assertThat(pipeline.state().status()).isEqualTo(Status.RETRYING);
		assertThat(pipeline.state().reason()).contains("429", "Too many requests");
		advance(Duration.ofMillis(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3));
		assertThat(requests.subList(1, 4)).flatExtracting(Request::orderIds)
			.containsExactlyElementsOf(orderIds(0, 25));
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 25, 25, 0, 0);
	}

	@Test
	void retryAfterLongerThanMaxBackoffIsCappedAtMaxBackoff() {
		ForwardingPipeline pipeline = start(fast().backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
		this.sender.then(Answer.status(503, errors("Maintenance"), Duration.ofMinutes(10)));
		publish(pipeline, 0, 10);
		advance(Duration.ofMillis(29_999));
		assertThat(this.sender.requests()).hasSize(1);
		advance(Duration.ofMillis(1));
		assertThat(this.sender.requests()).extracting(Request::at)
			.containsExactly(Duration.ZERO, Duration.ofSeconds(30));
		advance(Duration.ofMinutes(30));
		assertThat(this.sender.requests()).hasSize(2);
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	// ---------------------------------------------------------------- transient failures

	@RepeatedTest(10)
	void retriesTransientFailuresWithExponentialBackoffAndJitterCappedAtMaxBackoff() {
		ForwardingPipeline pipeline = start(fast().backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
		this.sender.thenRepeat(9, Answer.status(503, errors("Service Unavailable"), null));
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(5));
		List<Request> requests = this.sender.requests();
		assertThat(requests).hasSize(10);
		List<Duration> waits = new ArrayList<>();
		List<Duration> unjittered = new ArrayList<>();
		for (int n = 0; n < 9; n++) {
			Duration wait = requests.get(n + 1).at().minus(requests.get(n).at());
			// initial * 2^n, at most max-backoff, times 0.5 to 1.5, at most max-backoff.
			long base = Math.min(1000L << n, 30_000);
			assertThat(wait).as("wait before retry %d", n + 1)
				.isBetween(Duration.ofMillis(base / 2), Duration.ofMillis(Math.min(base * 3 / 2, 30_000)));
			waits.add(wait);
			unjittered.add(Duration.ofMillis(base));
		}
		// Jittered, so that many clients do not retry in step.
		assertThat(waits).isNotEqualTo(unjittered);
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	@ParameterizedTest
	@ValueSource(ints = { 408, 429, 500, 502, 503, 504 })
	void retriesTransientStatusesAndDeliversOnceTheServerAccepts(int status) {
		ForwardingPipeline pipeline = start(fast());
		this.sender.thenRepeat(3, Answer.status(status, errors("Try again"), null));
		publish(pipeline, 0, 10);
		advance(Duration.ofMillis(100));
		assertThat(pipeline.state().status()).isEqualTo(Status.RETRYING);
		assertThat(pipeline.state().reason()).contains("HTTP " + status);
		advance(Duration.ofMinutes(1));
		assertThat(this.sender.requests()).hasSize(4);
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	@Test
	void retriesConnectionErrorsAndDeliversOnceTheServerAccepts() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.thenRepeat(2, Answer.ioError("Connection refused"));
		publish(pipeline, 0, 10);
		advance(Duration.ofMillis(100));
		assertThat(pipeline.state().status()).isEqualTo(Status.RETRYING);
		assertThat(pipeline.state().reason()).contains("IOException", "Connection refused");
		advance(Duration.ofMinutes(1));
		assertThat(this.sender.requests()).hasSize(3);
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	@Test
	void treatsARequestWithoutAnswerWithinTheRequestTimeoutAsTransient() {
		ForwardingPipeline pipeline = start(fast().requestTimeout(Duration.ofSeconds(30)));
		this.sender.thenRepeat(2, Answer.noAnswer());
		publish(pipeline, 0, 20);
		advance(Duration.ofMillis(29_999));
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		advance(Duration.ofMillis(1));
		assertThat(pipeline.state().status()).isEqualTo(Status.RETRYING);
		assertThat(pipeline.state().reason()).contains("request-timeout", "PT30S");
		advance(Duration.ofMinutes(5));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::first).containsExactly("o-0", "o-0", "o-0", "o-10");
		// The second attempt goes out after the timeout and a backoff of 0.5s to 1.5s.
		assertThat(requests.get(1).at()).isBetween(Duration.ofMillis(30_500), Duration.ofMillis(31_500));
		// The unanswered requests were abandoned, not left open.
		assertThat(this.sender.cancelled()).isEqualTo(2);
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 20, 20, 0, 0);
	}

	@Test
	void deadLettersABatchTheServerNeverAnswersOnceItHasTimedOutForGiveUpAfter() {
		ForwardingPipeline pipeline = start(fast().requestTimeout(Duration.ofSeconds(30)));
		this.sender.then(Answer.noAnswer()).otherwise((request) -> request.first().equals("o-0")
				? Answer.noAnswer().to(request) : Mono.empty());
		publish(pipeline, 0, 20);
		// The first request times out at 30s: the batch fails from then on.
		advance(Duration.ofMinutes(10).plusSeconds(30).minusNanos(1));
		assertThat(this.deadLetters).isEmpty();
		assertThat(pipeline.state().status()).isEqualTo(Status.RETRYING);
		// The request in flight at 10m30s times out within another 30s.
		advance(Duration.ofSeconds(30).plusNanos(1));
		assertThat(this.deadLetters).hasSize(10).allSatisfy((letter) -> {
			assertThat(letter.at()).isBetween(Duration.ofMinutes(10).plusSeconds(30), Duration.ofMinutes(11));
			assertThat(orderId(letter.deadLetter().row())).isIn(orderIds(0, 10));
			assertThat(letter.deadLetter().status()).isZero();
			assertThat(letter.deadLetter().reason()).contains("give-up-after", "request-timeout");
		});
		assertThat(this.sender.requests()).last().satisfies((next) -> {
			assertThat(next.orderIds()).containsExactlyElementsOf(orderIds(10, 20));
			assertThat(next.at()).isEqualTo(this.deadLetters.get(0).at());
		});
		assertThat(this.sender.cancelled()).isEqualTo(this.sender.requests().size() - 1);
		assertCounts(pipeline, 20, 10, 0, 10);
	}

	@Test
	void loseNothingWhenTheServerFailsForNineMinutesWithDefaultSettings() {
		// Defaults: 1 request per 10s, backoff 1s to 30s, give up after 10 minutes.
		ForwardingPipeline pipeline = start(TestSettings.defaults());
		this.sender.otherwise(Answer.until(Duration.ofMinutes(9), Answer.status(503, errors("Unavailable"), null)));
		publish(pipeline, 0, 20);
		advance(Duration.ofMinutes(4));
		publish(pipeline, 20, 30);
		advance(Duration.ofMinutes(4));
		assertThat(pipeline.state().status()).isEqualTo(Status.RETRYING);
		assertCounts(pipeline, 30, 0, 0, 0);
		advance(Duration.ofMinutes(10));
		List<Request> requests = this.sender.requests();
		List<Request> failed = requests.stream().filter((request) -> request.at().compareTo(Duration.ofMinutes(9)) < 0)
			.toList();
		assertThat(failed).extracting(Request::first).containsOnly("o-0");
		Request recovered = requests.get(failed.size());
		assertThat(recovered.orderIds()).containsExactlyElementsOf(orderIds(0, 10));
		assertThat(recovered.at()).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(9).plusSeconds(30));
		assertThat(requests.subList(failed.size(), requests.size())).flatExtracting(Request::orderIds)
			.containsExactlyElementsOf(orderIds(0, 30));
		assertThat(this.deadLetters).isEmpty();
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 30, 30, 0, 0);
	}

	@Test
	void deadLettersABatchAtGiveUpAfterWithDefaultSettingsAndSendsTheNextOne() {
		ForwardingPipeline pipeline = start(fast());
		this.sender
			.otherwise(Answer.until(Duration.ofMinutes(12), Answer.status(503, errors("Unavailable"), null)));
		publish(pipeline, 0, 20);
		advance(Duration.ofMinutes(10).minusNanos(1));
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 20, 0, 0, 0);
		advance(Duration.ofNanos(1));
		assertThat(this.deadLetters).extracting((letter) -> orderId(letter.deadLetter().row()))
			.containsExactlyElementsOf(orderIds(0, 10));
		assertThat(this.deadLetters).allSatisfy((letter) -> {
			assertThat(letter.at()).isEqualTo(Duration.ofMinutes(10));
			assertThat(letter.deadLetter().status()).isEqualTo(503);
			assertThat(letter.deadLetter().reason()).contains("give-up-after", "PT10M", "HTTP 503", "Unavailable");
		});
		List<Request> requests = this.sender.requests();
		List<Request> firstBatch = requests.stream().filter((request) -> request.first().equals("o-0")).toList();
		// The last attempt is made at the moment the batch has failed for 10 minutes.
		assertThat(firstBatch).last().extracting(Request::at).isEqualTo(Duration.ofMinutes(10));
		assertThat(requests.get(firstBatch.size())).satisfies((next) -> {
			assertThat(next.at()).isEqualTo(Duration.ofMinutes(10));
			assertThat(next.orderIds()).containsExactlyElementsOf(orderIds(10, 20));
		});
		advance(Duration.ofMinutes(10));
		assertThat(this.sender.requests()).filteredOn((request) -> request.first().equals("o-0"))
			.hasSize(firstBatch.size());
		assertThat(this.deadLetters).hasSize(10);
		assertCounts(pipeline, 20, 10, 0, 10);
	}

	// ---------------------------------------------------------------- pauses

	@Test
	void pausesOnAnInvalidTokenForAnHourWithoutGivingUpAnythingAndResumesAfter() {
		ForwardingPipeline pipeline = start(fast().backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
		this.sender.otherwise(Answer.until(Duration.ofHours(1), Answer.status(401, errors("Invalid token"), null)));
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(30));
		assertThat(pipeline.state().status()).isEqualTo(Status.PAUSED);
		assertThat(pipeline.state().reason()).contains("HTTP 401", "Invalid token", "token", "datasette create-token",
				"datasette.events-forward.api-token");
		// Events keep queueing while paused.
		publish(pipeline, 10, 25);
		assertCounts(pipeline, 25, 0, 0, 0);
		advance(Duration.ofMinutes(31));
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 25, 25, 0, 0);
		List<Request> requests = this.sender.requests();
		List<Request> firstBatch = requests.stream().filter((request) -> request.first().equals("o-0")).toList();
		// Unjittered exponential backoff: 1s, 2s, 4s, 8s, 16s, then 30s for as long as it lasts.
		for (int n = 0; n < firstBatch.size() - 1; n++) {
			assertThat(firstBatch.get(n + 1).at().minus(firstBatch.get(n).at())).as("wait before retry %d", n + 1)
				.isEqualTo(Duration.ofSeconds(Math.min(1L << Math.min(n, 30), 30)));
		}
		assertThat(firstBatch).last()
			.extracting(Request::at)
			.isEqualTo(Duration.ofHours(1).plusSeconds(1));
		assertThat(firstBatch).extracting(Request::orderIds)
			.as("the whole batch, each time")
			.containsOnly(orderIds(0, 10));
		assertThat(requests).flatExtracting(Request::orderIds)
			.endsWith(orderIds(0, 25).toArray(String[]::new));
	}

	@Test
	void pausesOnForbiddenFromCreateAndNamesTheCreateTablePermission() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.otherwise(Answer.until(Duration.ofHours(1), Answer.status(403, errors("Permission denied"), null)));
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(30));
		assertThat(pipeline.state().status()).isEqualTo(Status.PAUSED);
		assertThat(pipeline.state().reason()).contains("HTTP 403", "Permission denied", "/-/create", "create-table",
				"insert-row");
		assertCounts(pipeline, 10, 0, 0, 0);
		advance(Duration.ofMinutes(31));
		assertRetriedWholeWhilePausedThenDelivered(pipeline);
	}

	@Test
	void pausesOnTableNotFoundFromInsertAndSuggestsCreate() {
		ForwardingPipeline pipeline = start(fast().insert());
		this.sender.otherwise(Answer.until(Duration.ofHours(1), Answer.status(404, errors("Table not found"), null)));
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(30));
		assertThat(pipeline.state().status()).isEqualTo(Status.PAUSED);
		assertThat(pipeline.state().reason()).contains("HTTP 404", "Table not found", "does not exist",
				"/-/create");
		assertCounts(pipeline, 10, 0, 0, 0);
		advance(Duration.ofMinutes(31));
		assertRetriedWholeWhilePausedThenDelivered(pipeline);
	}

	@Test
	void pausesOnAnHtmlNotFoundPageAndNamesTheDatabaseInTheUrl() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.otherwise(Answer.until(Duration.ofHours(1), Answer.status(404,
				"<!DOCTYPE html>\n<html><head><title>Error 404</title><style>body{margin:0}</style></head>"
						+ "<body><h1>Error 404</h1><p>Database not found: data</p></body></html>",
				null)));
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(30));
		assertThat(pipeline.state().status()).isEqualTo(Status.PAUSED);
		assertThat(pipeline.state().reason())
			.contains("HTTP 404", "Database not found: data", "database", API_URL, "does not exist on the server")
			.doesNotContain("<", "margin");
		assertCounts(pipeline, 10, 0, 0, 0);
		advance(Duration.ofMinutes(31));
		assertRetriedWholeWhilePausedThenDelivered(pipeline);
	}

	@ParameterizedTest
	@ValueSource(ints = { 302, 405, 409, 415, 422 })
	void pausesOnAnUnexpectedStatusAndSuggestsCheckingTheUrl(int status) {
		ForwardingPipeline pipeline = start(fast());
		this.sender.otherwise(Answer.until(Duration.ofMinutes(20), Answer.status(status, "", null)));
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(15));
		assertThat(pipeline.state().status()).isEqualTo(Status.PAUSED);
		assertThat(pipeline.state().reason()).contains("HTTP " + status, "datasette.events-forward.api-url");
		assertThat(this.sender.requests()).extracting(Request::size).containsOnly(10);
		advance(Duration.ofMinutes(10));
		assertThat(this.deadLetters).isEmpty();
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	@Test
	void pausesRatherThanSplittingWhenTheTableDoesNotFitTheRows() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.otherwise(Answer.until(Duration.ofMinutes(5),
				Answer.status(400, errors("table datasette_events has no column named actor_id"), null)));
		publish(pipeline, 0, 20);
		advance(Duration.ofMinutes(4));
		assertThat(pipeline.state().status()).isEqualTo(Status.PAUSED);
		assertThat(pipeline.state().reason()).contains("no column named actor_id", "does not fit");
		advance(Duration.ofMinutes(2));
		// Every request carried the whole batch: none was split, no row was given up.
		assertThat(this.sender.requests()).extracting(Request::size).containsOnly(10);
		assertThat(this.deadLetters).isEmpty();
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 20, 20, 0, 0);
	}

	@Test
	void aPauseDoesNotCountTowardsGiveUpAfterOfTheTransientFailuresAroundIt() {
		ForwardingPipeline pipeline = start(fast());
		// 503 for a minute, then the token is refused for an hour, then one more 503.
		AtomicInteger afterThePause = new AtomicInteger();
		this.sender.otherwise((request) -> {
			if (request.at().compareTo(Duration.ofMinutes(1)) < 0) {
				return Answer.status(503, errors("Unavailable"), null).to(request);
			}
			if (request.at().compareTo(Duration.ofHours(1)) < 0) {
				return Answer.status(401, errors("Invalid token"), null).to(request);
			}
			return (afterThePause.getAndIncrement() == 0) ? Answer.status(503, errors("Unavailable"), null).to(request)
					: Mono.empty();
		});
		publish(pipeline, 0, 10);
		advance(Duration.ofHours(2));
		// Paused, nothing is given up; one 503 after the pause is no reason to give up either.
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	// ---------------------------------------------------------------- rejected rows

	@Test
	void splitsABatchRejectedForOneRowUntilThatRowIsIsolatedAndDeliversTheOthersInOrder() {
		ForwardingPipeline pipeline = start(fast());
		String check = "CHECK constraint failed: length(properties) < 100000";
		this.sender.otherwise((request) -> request.orderIds().contains("o-7")
				? Answer.status(400, errors(check), null).to(request) : Mono.empty());
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::orderIds)
			.containsExactly(orderIds(0, 10), orderIds(0, 5), orderIds(5, 10), orderIds(5, 7), orderIds(7, 10),
					List.of("o-7"), List.of("o-8", "o-9"));
		assertThat(this.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(orderId(letter.deadLetter().row())).isEqualTo("o-7");
			assertThat(letter.deadLetter().status()).isEqualTo(400);
			assertThat(letter.deadLetter().reason()).contains(check);
		});
		List<String> delivered = new ArrayList<>(orderIds(0, 10));
		delivered.remove("o-7");
		assertThat(requests).filteredOn((request) -> !request.orderIds().contains("o-7"))
			.flatExtracting(Request::orderIds)
			.containsExactlyElementsOf(delivered);
		// A rejected row is not a failing server.
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 10, 9, 0, 1);
	}

	@Test
	void splitsABatchTheServerFindsTooLargeUntilItFits() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.otherwise((request) -> (request.size() > 3)
				? Answer.status(413, errors("Request body exceeded maximum size"), null).to(request) : Mono.empty());
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests).extracting(Request::size).containsExactly(10, 5, 2, 3, 5, 2, 3);
		assertThat(requests).filteredOn((request) -> request.size() <= 3)
			.flatExtracting(Request::orderIds)
			.containsExactlyElementsOf(orderIds(0, 10));
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	@Test
	void deadLettersASingleRowTheServerFindsTooLarge() {
		ForwardingPipeline pipeline = start(fast());
		this.sender.otherwise((request) -> request.orderIds().contains("o-3")
				? Answer.status(413, errors("Request body exceeded maximum size"), null).to(request) : Mono.empty());
		publish(pipeline, 0, 10);
		advance(Duration.ofMinutes(1));
		assertThat(this.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(orderId(letter.deadLetter().row())).isEqualTo("o-3");
			assertThat(letter.deadLetter().status()).isEqualTo(413);
			assertThat(letter.deadLetter().reason()).contains("HTTP 413", "Request body exceeded maximum size");
		});
		assertThat(this.sender.requests()).filteredOn((request) -> request.orderIds().equals(List.of("o-3")))
			.as("a row that cannot be split is not retried")
			.hasSize(1);
		assertCounts(pipeline, 10, 9, 0, 1);
	}

	@Test
	void splitsBatchesOverMaxRequestSizeBeforeSendingThem() {
		int maxRequestSize = 1024;
		ForwardingPipeline pipeline = start(fast().maxRequestSize(maxRequestSize));
		publish(pipeline, 0, 20);
		advance(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests)
			.allSatisfy((request) -> assertThat(request.body()).hasSizeLessThanOrEqualTo(maxRequestSize));
		assertThat(requests).hasSizeGreaterThan(2).allSatisfy((request) -> assertThat(request.size()).isLessThan(10));
		assertThat(requests).flatExtracting(Request::orderIds).containsExactlyElementsOf(orderIds(0, 20));
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 20, 20, 0, 0);
	}

	@Test
	void deadLettersARowOverMaxRequestSizeWithoutSendingIt() {
		ForwardingPipeline pipeline = start(fast().maxRequestSize(4000));
		String huge = "o-huge-" + "x".repeat(5000);
		publish(pipeline, 0, 1);
		pipeline.offer(new OrderPlaced(huge, "alice", 1, BigDecimal.TEN));
		publish(pipeline, 2, 10);
		advance(Duration.ofMinutes(1));
		List<Request> requests = this.sender.requests();
		assertThat(requests).allSatisfy((request) -> {
			assertThat(request.body()).hasSizeLessThanOrEqualTo(4000);
			assertThat(request.orderIds()).doesNotContain(huge);
		});
		List<String> delivered = new ArrayList<>(orderIds(0, 10));
		delivered.remove("o-1");
		assertThat(requests).flatExtracting(Request::orderIds).containsExactlyElementsOf(delivered);
		assertThat(this.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(orderId(letter.deadLetter().row())).isEqualTo(huge);
			assertThat(letter.deadLetter().status()).isZero();
			assertThat(letter.deadLetter().reason()).contains("max-request-size", "4000");
		});
		assertCounts(pipeline, 10, 9, 0, 1);
	}

	// ---------------------------------------------------------------- the buffer

	@Test
	void keepsTheNewestEventsDuringAnOutageWithDropOldestAndCountsTheEvictedAsDropped() {
		ForwardingPipeline pipeline = start(fast().bufferCapacity(20).dropOldest());
		this.sender.otherwise(Answer.until(Duration.ofMinutes(5), Answer.status(401, errors("Invalid token"), null)));
		publish(pipeline, 0, 10);
		advance(Duration.ofSeconds(10));
		for (int i = 10; i < 60; i++) {
			publish(pipeline, i, i + 1);
			assertThat(pipeline.counts().queued()).isLessThanOrEqualTo(20);
		}
		// The batch being sent, and the newest ten events.
		assertCounts(pipeline, 60, 0, 40, 0);
		advance(Duration.ofMinutes(10));
		assertThat(this.sender.requests()).filteredOn((request) -> request.at().compareTo(Duration.ofMinutes(5)) >= 0)
			.flatExtracting(Request::orderIds)
			.containsExactlyElementsOf(concat(orderIds(0, 10), orderIds(50, 60)));
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 60, 20, 40, 0);
	}

	@Test
	void neverHoldsMoreThanBufferCapacityEventsDuringAnOutageWithDropNewest() {
		ForwardingPipeline pipeline = start(fast().bufferCapacity(50));
		this.sender.otherwise(Answer.until(Duration.ofMinutes(3), Answer.status(503, errors("Unavailable"), null)));
		int published = 0;
		for (int second = 0; second < 240; second++) {
			for (int i = 0; i < 2; i++) {
				publish(pipeline, published, ++published);
				ForwardCounts counts = pipeline.counts();
				assertThat(counts.queued()).as("queued at %ds", second).isLessThanOrEqualTo(50);
				assertAddsUp(counts);
			}
			advance(Duration.ofSeconds(1));
		}
		advance(Duration.ofMinutes(1));
		ForwardCounts counts = pipeline.counts();
		assertThat(counts.dropped()).isPositive();
		assertCounts(pipeline, 480, 480 - counts.dropped(), counts.dropped(), 0);
		// Drop-newest: the oldest events were kept and delivered first.
		assertThat(this.sender.requests()).filteredOn((request) -> request.at().compareTo(Duration.ofMinutes(3)) >= 0)
			.flatExtracting(Request::orderIds)
			.startsWith(orderIds(0, 50).toArray(String[]::new));
	}

	// ---------------------------------------------------------------- dead letter handlers

	@Test
	void goesOnDeliveringWhenADeadLetterHandlerThrows() {
		List<DeadLetter> handled = new CopyOnWriteArrayList<>();
		DeadLetterHandler failing = (deadLetter) -> {
			throw new IllegalStateException("dead letter store is down");
		};
		ForwardingPipeline pipeline = start(fast(), failing, handled::add);
		this.sender.otherwise((request) -> (request.orderIds().contains("o-3") || request.orderIds().contains("o-15"))
				? Answer.status(400, errors("CHECK constraint failed"), null).to(request) : Mono.empty());
		publish(pipeline, 0, 10);
		advance(Duration.ofSeconds(5));
		publish(pipeline, 10, 20);
		advance(Duration.ofMinutes(1));
		assertThat(handled).extracting((deadLetter) -> orderId(deadLetter.row())).containsExactly("o-3", "o-15");
		assertThat(this.deadLetters).hasSize(2);
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertCounts(pipeline, 20, 18, 0, 2);
	}

	// ---------------------------------------------------------------- support

	private static TestSettings fast() {
		return TestSettings.defaults().rate(1000, FAST_PERIOD);
	}

	private ForwardingPipeline start(TestSettings settings, DeadLetterHandler... handlers) {
		List<DeadLetterHandler> all = new ArrayList<>();
		all.add((deadLetter) -> this.deadLetters
			.add(new Letter(Duration.ofNanos(this.scheduler.now(TimeUnit.NANOSECONDS)), deadLetter)));
		all.addAll(List.of(handlers));
		RowFactory rows = new RowFactory(new DefaultEventRowMapper(), JsonMapper.shared(), "test");
		ForwardingPipeline pipeline = new ForwardingPipeline(settings.build(), rows, this.sender, all,
				this.scheduler, new ForwardingPipelineTests.VirtualClock(this.scheduler));
		pipeline.start();
		return pipeline;
	}

	private void advance(Duration duration) {
		this.scheduler.advanceTimeBy(duration);
	}

	/**
	 * Assert that the batch of {@code o-0} to {@code o-9} went out whole again and again
	 * while sending was paused, and was delivered once the server accepted it, with nothing
	 * given up.
	 */
	private void assertRetriedWholeWhilePausedThenDelivered(ForwardingPipeline pipeline) {
		assertThat(this.sender.requests()).hasSizeGreaterThan(4)
			.extracting(Request::orderIds)
			.as("the whole batch, each time")
			.containsOnly(orderIds(0, 10));
		assertThat(pipeline.state().status()).isEqualTo(Status.DELIVERING);
		assertThat(this.deadLetters).isEmpty();
		assertCounts(pipeline, 10, 10, 0, 0);
	}

	private static List<String> concat(List<String> first, List<String> second) {
		List<String> all = new ArrayList<>(first);
		all.addAll(second);
		return all;
	}

	private static String errors(String message) {
		ObjectNode body = JsonMapper.shared().createObjectNode();
		body.put("ok", false);
		body.putArray("errors").add(message);
		return body.toString();
	}

	/**
	 * A dead letter and the virtual time it was handed over at.
	 */
	record Letter(Duration at, DeadLetter deadLetter) {

	}

	/**
	 * One request as the server saw it.
	 *
	 * @param at virtual time it was made at
	 * @param rows its rows
	 * @param body its body
	 */
	record Request(Duration at, List<EventRow> rows, byte[] body) {

		int size() {
			return this.rows.size();
		}

		List<String> orderIds() {
			return this.rows.stream().map(PipelineOrders::orderId).toList();
		}

		String first() {
			return orderId(this.rows.get(0));
		}

	}

	/**
	 * What the server answers to one request.
	 */
	@FunctionalInterface
	interface Answer {

		Mono<Void> to(Request request);

		static Answer ok() {
			return (request) -> Mono.empty();
		}

		static Answer status(int status, String body, Duration retryAfter) {
			return (request) -> Mono.error(DatasetteWriteException.of(status, body, retryAfter));
		}

		static Answer ioError(String message) {
			return (request) -> Mono.error(new IOException(message));
		}

		static Answer noAnswer() {
			return (request) -> Mono.never();
		}

		/**
		 * Answer with {@code before} to requests made before {@code time}, accept the others.
		 */
		static Answer until(Duration time, Answer before) {
			return (request) -> (request.at().compareTo(time) < 0) ? before.to(request) : Mono.empty();
		}

	}

	/**
	 * A server that answers requests with a script, one answer per request in order, and
	 * then as told by {@link #otherwise(Answer)}; accepts everything by default. Records
	 * each request at the virtual time it is made, which is when the {@code Mono} is
	 * subscribed to, as with WebClient.
	 */
	static final class ScriptedSender implements BatchSender {

		private final VirtualTimeScheduler scheduler;

		private final List<Request> requests = new CopyOnWriteArrayList<>();

		private final Queue<Answer> script = new ConcurrentLinkedQueue<>();

		private final AtomicInteger cancelled = new AtomicInteger();

		private volatile Answer otherwise = Answer.ok();

		ScriptedSender(VirtualTimeScheduler scheduler) {
			this.scheduler = scheduler;
		}

		ScriptedSender then(Answer... answers) {
			this.script.addAll(List.of(answers));
			return this;
		}

		ScriptedSender thenRepeat(int times, Answer answer) {
			for (int i = 0; i < times; i++) {
				this.script.add(answer);
			}
			return this;
		}

		ScriptedSender otherwise(Answer answer) {
			this.otherwise = answer;
			return this;
		}

		List<Request> requests() {
			return List.copyOf(this.requests);
		}

		int cancelled() {
			return this.cancelled.get();
		}

		@Override
		public Mono<Void> send(List<EventRow> rows, byte[] body) {
			return Mono.defer(() -> {
				Request request = new Request(Duration.ofNanos(this.scheduler.now(TimeUnit.NANOSECONDS)),
						List.copyOf(rows), body.clone());
				this.requests.add(request);
				Answer answer = this.script.poll();
				return ((answer != null) ? answer : this.otherwise).to(request)
					.doOnCancel(this.cancelled::incrementAndGet);
			});
		}

	}

}
