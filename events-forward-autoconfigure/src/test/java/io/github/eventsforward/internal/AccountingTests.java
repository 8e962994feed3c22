package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.eventsforward.ForwardCounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Accounting}: that every published event is counted once, and what
 * {@code flush} waits for.
 */
class AccountingTests {

	private static final Duration LONG = Duration.ofSeconds(30);

	private final Accounting accounting = new Accounting();

	private Thread waiter;

	@AfterEach
	void stopWaiter() throws InterruptedException {
		if (this.waiter != null) {
			this.waiter.interrupt();
			this.waiter.join(LONG.toMillis());
		}
	}

	@Test
	void countsEveryPublishedEventOnceWhateverBecameOfIt() {
		accept(10);
		this.accounting.refuseAccepted();
		this.accounting.refused();
		this.accounting.refused();
		this.accounting.refused();
		this.accounting.delivered(4);
		this.accounting.failed(2);
		this.accounting.evicted(1);
		ForwardCounts counts = this.accounting.counts();
		// Dropped: three refused, one accepted then refused after all, one evicted.
		assertThat(counts).isEqualTo(new ForwardCounts(13, 4, 5, 2, 2));
		assertAddsUp(counts);
		assertThat(this.accounting.pending()).isEqualTo(2);
	}

	@Test
	void acceptCountsAnEventOnlyAgainstTheLatestPending() {
		long pending = this.accounting.pending();
		assertThat(this.accounting.accept(pending)).isTrue();
		assertThat(this.accounting.accept(pending)).as("another was accepted meanwhile").isFalse();
		assertThat(this.accounting.accept(this.accounting.pending())).isTrue();
		pending = this.accounting.pending();
		this.accounting.delivered(1);
		assertThat(this.accounting.accept(pending)).as("another was settled meanwhile").isFalse();
		assertThat(this.accounting.pending()).isOne();
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(2, 1, 0, 0, 1));
	}

	@Test
	void refuseAcceptedCountsTheEventAsDroppedAndLeavesNothingToWaitFor() {
		accept(1);
		this.accounting.refuseAccepted();
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(1, 0, 1, 0, 0));
		assertThat(this.accounting.pending()).isZero();
		assertThat(this.accounting.awaitOutcomes(Duration.ZERO)).isTrue();
	}

	@Test
	void awaitOutcomesReturnsAtOnceWhenNothingIsPending() {
		assertThat(this.accounting.awaitOutcomes(Duration.ZERO)).isTrue();
		accept(2);
		this.accounting.delivered(1);
		this.accounting.evicted(1);
		assertThat(this.accounting.awaitOutcomes(Duration.ZERO)).isTrue();
	}

	@Test
	void awaitOutcomesReturnsTrueOnceTheEventsAcceptedBeforeTheCallHaveOutcomes() {
		accept(3);
		CompletableFuture<Boolean> flushed = awaitOutcomesOnAnotherThread(LONG);
		// Accepted after the call: not waited for.
		accept(2);
		this.accounting.delivered(1);
		this.accounting.failed(1);
		assertThat(flushed).isNotDone();
		this.accounting.evicted(1);
		assertThat(flushed).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
		assertThat(this.accounting.pending()).isEqualTo(2);
	}

	@Test
	void awaitOutcomesIsWokenByAnOutcomeRatherThanWaitingForItsTimeout() {
		accept(1);
		CompletableFuture<Boolean> flushed = awaitOutcomesOnAnotherThread(Duration.ofMinutes(10));
		this.accounting.delivered(1);
		assertThat(flushed).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
	}

	@Test
	void awaitOutcomesReturnsFalseOnceItsTimeoutHasPassedWithoutOutcomes() {
		accept(1);
		long start = System.nanoTime();
		assertThat(this.accounting.awaitOutcomes(Duration.ofMillis(50))).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
		assertThat(this.accounting.awaitOutcomes(Duration.ZERO)).isFalse();
	}

	@Test
	void awaitOutcomesReturnsFalseWhenInterruptedAndKeepsTheInterrupt() {
		accept(1);
		Thread.currentThread().interrupt();
		try {
			assertThat(this.accounting.awaitOutcomes(LONG)).isFalse();
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
	}

	@Test
	void anOutcomeSettlingWhileAwaitOutcomesStartsIsNotCountedTwice() throws InterruptedException {
		// An outcome is counted before pending is lowered. A flush that read both between the
		// two once waited for one outcome more than there were, and timed out.
		int rounds = 100_000;
		AtomicLong round = new AtomicLong();
		Thread settler = new Thread(() -> {
			for (long next = 1; next <= rounds; next++) {
				while (round.get() < next) {
					Thread.onSpinWait();
				}
				this.accounting.delivered(1);
			}
		}, "settler");
		settler.setDaemon(true);
		settler.start();
		try {
			for (long next = 1; next <= rounds; next++) {
				// The last round's outcome may still be lowering pending: decide again, as a
				// publisher does.
				while (!this.accounting.accept(this.accounting.pending())) {
					Thread.onSpinWait();
				}
				round.set(next);
				assertThat(this.accounting.awaitOutcomes(LONG)).as("flush in round %d", next).isTrue();
			}
		}
		finally {
			round.set(rounds);
			settler.join(LONG.toMillis());
		}
		assertThat(this.accounting.counts()).isEqualTo(new ForwardCounts(rounds, rounds, 0, 0, 0));
	}

	private void accept(int events) {
		for (int i = 0; i < events; i++) {
			assertThat(this.accounting.accept(this.accounting.pending())).isTrue();
		}
	}

	// Returns once the other thread waits for the outcomes, so what is accepted from then on
	// comes after its call.
	private CompletableFuture<Boolean> awaitOutcomesOnAnotherThread(Duration timeout) {
		CompletableFuture<Boolean> result = new CompletableFuture<>();
		this.waiter = new Thread(() -> result.complete(this.accounting.awaitOutcomes(timeout)), "flush");
		this.waiter.start();
		await().atMost(10, TimeUnit.SECONDS)
			.until(() -> this.waiter.getState() == Thread.State.TIMED_WAITING || result.isDone());
		assertThat(result).as("returned before an outcome").isNotDone();
		return result;
	}

}
