package io.github.eventsforward.starter;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.eventsforward.DeadLetter;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.test.AutoConfigureFakeDatasette;
import io.github.eventsforward.test.FakeDatasette;
import io.github.eventsforward.test.Fault;
import io.github.eventsforward.test.ReceivedRequest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each fault the fake can play, used as a user would to test what their application does
 * about it: the forwarder's state, its retries and a dead-letter handler of the
 * application's. The tests share one context: the fake is reset between them.
 */
@SpringBootTest(classes = FaultInjectionTests.Shop.class,
		properties = { "spring.application.name=shop", "datasette.events-forward.request-timeout=500ms" })
@AutoConfigureFakeDatasette
class FaultInjectionTests {

	@Autowired
	private FakeDatasette datasette;

	@Autowired
	private ApplicationEventPublisher events;

	@Autowired
	private EventsForwarder forwarder;

	@Autowired
	private List<DeadLetter> deadLetters;

	@Test
	void invalidTokenPausesSendingUntilTheServerAcceptsTheTokenAgain() {
		this.datasette.failAll(Fault.invalidToken());

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		await().until(() -> this.forwarder.state().status() == Status.PAUSED);
		assertThat(this.forwarder.state().reason()).contains("401");
		this.datasette.recover();
		assertThat(this.datasette).hasReceivedEvent("order-placed").withActorId("alice");
		await().until(() -> this.forwarder.state().status() == Status.DELIVERING);
	}

	@Test
	void tooManyRequestsWaitsForRetryAfterThenDelivers() {
		this.datasette.failNext(Fault.tooManyRequests(Duration.ofSeconds(1)));

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		assertThat(this.datasette).hasReceivedEvent("order-placed");
		assertThat(this.datasette.requests()).extracting(ReceivedRequest::status).containsExactly(429, 201);
	}

	@Test
	void serverErrorsAreRetriedAndTheRowIsStoredOnce() {
		this.datasette.failNext(3, Fault.status(500));

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		assertThat(this.datasette).hasReceivedRows(1);
		assertThat(this.datasette.requests()).extracting(ReceivedRequest::status).containsExactly(500, 500, 500, 201);
	}

	@Test
	void aRowTheTableRefusesGoesToTheApplicationsDeadLetterHandlerAndTheOthersAreStored() {
		this.datasette.rejectRows((row) -> "mallory".equals(row.actorId()));

		this.events.publishEvent(new OrderPlaced("alice", "mug", 1));
		this.events.publishEvent(new OrderPlaced("mallory", "mug", 1));
		this.events.publishEvent(new OrderPlaced("bob", "mug", 1));

		await().until(() -> !this.deadLetters.isEmpty());
		assertThat(this.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.row().actorId()).isEqualTo("mallory");
			assertThat(letter.status()).isEqualTo(400);
			assertThat(letter.reason()).contains("CHECK constraint failed");
		});
		assertThat(this.datasette).hasReceivedEvent("order-placed").withActorId("bob");
		assertThat(this.datasette).hasReceivedRows(2);
	}

	@Test
	void aSlowAnswerIsSentAgainAfterTheRequestTimeoutAndStoredOnce() {
		this.datasette.failNext(Fault.slowAnswer(Duration.ofSeconds(20)));
		long failedBefore = this.forwarder.counts().failed();

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		this.datasette.awaitRequests(2);
		assertThat(this.forwarder.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.datasette).hasReceivedRows(1);
		assertThat(this.forwarder.counts().failed()).isEqualTo(failedBefore);
	}

	@Test
	void aDroppedConnectionIsRetried() {
		this.datasette.failNext(Fault.dropConnection());

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		assertThat(this.datasette).hasReceivedEvent("order-placed");
		assertThat(this.datasette.requests()).extracting(ReceivedRequest::status).containsExactly(0, 201);
	}

	@Test
	void aLostAnswerIsSentAgainAndTheRowIsStoredOnce() {
		this.datasette.failNext(Fault.loseAnswer());

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		this.datasette.awaitRequests(2);
		assertThat(this.datasette).hasReceivedRows(1);
	}

	@Test
	void anOutageIsRiddenOutAndNothingIsLost() {
		this.datasette.goDown();

		this.events.publishEvent(new OrderPlaced("alice", "mug", 2));

		await().until(() -> this.forwarder.state().status() == Status.RETRYING);
		this.datasette.comeBack();
		assertThat(this.datasette).hasReceivedEvent("order-placed").withActorId("alice");
	}

	@SpringBootApplication
	static class Shop {

		@Bean
		List<DeadLetter> deadLetters() {
			return new CopyOnWriteArrayList<>();
		}

		@Bean
		DeadLetterHandler recordingDeadLetterHandler(List<DeadLetter> deadLetters) {
			return deadLetters::add;
		}

	}

}
