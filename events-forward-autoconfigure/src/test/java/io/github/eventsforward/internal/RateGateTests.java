package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RateGate} on virtual time.
 */
class RateGateTests {

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final List<Duration> completions = new CopyOnWriteArrayList<>();

	@AfterEach
	void disposeScheduler() {
		this.scheduler.dispose();
	}

	@Test
	void grantsABurstOfMaxRateAtOnceAndTheNextWhenTheFirstLeavesTheWindow() {
		RateGate gate = new RateGate(3, Duration.ofSeconds(1), this.scheduler);
		for (int i = 0; i < 5; i++) {
			record(gate.permit());
		}
		assertThat(this.completions).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO);
		this.scheduler.advanceTimeBy(Duration.ofMillis(999));
		assertThat(this.completions).hasSize(3);
		this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		assertThat(this.completions).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO,
				Duration.ofSeconds(1), Duration.ofSeconds(1));
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(this.completions).hasSize(5);
	}

	@Test
	void letsARequestGoExactlyOnePeriodAfterTheOldestInTheWindowAndNotBefore() {
		RateGate gate = new RateGate(2, Duration.ofSeconds(1), this.scheduler);
		this.scheduler.advanceTimeBy(Duration.ofMillis(600));
		record(gate.permit());
		this.scheduler.advanceTimeBy(Duration.ofMillis(300));
		record(gate.permit());
		this.scheduler.advanceTimeBy(Duration.ofMillis(100));
		// At t=1.0s a fixed one-second window would start afresh; a sliding one must not.
		record(gate.permit());
		record(gate.permit());
		assertThat(this.completions).containsExactly(Duration.ofMillis(600), Duration.ofMillis(900));
		this.scheduler.advanceTimeBy(Duration.ofMillis(600).minusNanos(1));
		assertThat(this.completions).hasSize(2);
		this.scheduler.advanceTimeBy(Duration.ofNanos(1));
		assertThat(this.completions).containsExactly(Duration.ofMillis(600), Duration.ofMillis(900),
				Duration.ofMillis(1600));
		this.scheduler.advanceTimeBy(Duration.ofMillis(300));
		assertThat(this.completions).containsExactly(Duration.ofMillis(600), Duration.ofMillis(900),
				Duration.ofMillis(1600), Duration.ofMillis(1900));
	}

	@Test
	void neverGrantsMoreThanMaxRateInAnyWindowUnderSteadyDemand() {
		RateGate gate = new RateGate(4, Duration.ofMillis(250), this.scheduler);
		for (int i = 0; i < 100; i++) {
			record(gate.permit());
		}
		this.scheduler.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(this.completions).hasSize(100);
		for (Duration start : this.completions) {
			Duration end = start.plusMillis(250);
			assertThat(this.completions.stream().filter((at) -> at.compareTo(start) >= 0 && at.compareTo(end) < 0))
				.as("grants in [%s, %s)", start, end)
				.hasSizeLessThanOrEqualTo(4);
		}
		// 4 per 250 ms: the 100th grant is the 4th of the 25th window.
		assertThat(this.completions.get(99)).isEqualTo(Duration.ofMillis(24 * 250));
	}

	@Test
	void readyDoesNotTakeAPermit() {
		RateGate gate = new RateGate(1, Duration.ofSeconds(1), this.scheduler);
		record(gate.ready());
		record(gate.ready());
		record(gate.ready());
		record(gate.permit());
		assertThat(this.completions).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
	}

	@Test
	void readyWaitsUntilAPermitWouldBeGrantedAndLeavesItForTheNextRequest() {
		RateGate gate = new RateGate(1, Duration.ofSeconds(1), this.scheduler);
		record(gate.permit());
		record(gate.ready());
		assertThat(this.completions).containsExactly(Duration.ZERO);
		this.scheduler.advanceTimeBy(Duration.ofMillis(999));
		assertThat(this.completions).hasSize(1);
		this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		assertThat(this.completions).containsExactly(Duration.ZERO, Duration.ofSeconds(1));
		record(gate.permit());
		assertThat(this.completions).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1));
	}

	private void record(Mono<Void> signal) {
		signal.subscribe(null, null, () -> this.completions.add(now()));
	}

	private Duration now() {
		return Duration.ofNanos(this.scheduler.now(TimeUnit.NANOSECONDS));
	}

}
