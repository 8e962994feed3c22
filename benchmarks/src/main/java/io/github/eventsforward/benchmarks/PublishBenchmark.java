package io.github.eventsforward.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * 1. What {@code publishEvent(record)} costs the publishing thread, with the starter active
 * ({@code listener=starter}: forwarding to a local receiver that answers 201, so the pipeline
 * drains) against the same application with one no-op {@code @EventListener} instead
 * ({@code listener=noopListener}), on 1 and 2 threads. Run with {@code -prof gc} for the
 * bytes allocated per publish ({@code gc.alloc.rate.norm}; JMH counts every thread's
 * allocations, so for the starter it includes part of the pipeline's work).
 * <p>
 * A publisher in a tight loop outruns any HTTP receiver, and a queue that grows for a whole
 * timed iteration would take many seconds to drain. So each iteration is one shot: every
 * thread publishes a burst of 20,000 events, timed, and the queue is drained after the
 * iteration, untimed. The buffer is large enough that nothing is dropped (dropped events
 * would take a cheaper path); the forwarder's counts are printed after each iteration, and
 * {@code dropped} must be 0 for the figure to be the cost of an accepted event.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 20)
@Fork(2)
@State(Scope.Benchmark)
public class PublishBenchmark {

	static final int BURST = 20_000;

	@Param({ "starter", "noopListener" })
	public String listener;


	private final OrderPlaced event = OrderPlaced.number(42);

	private Receiver receiver;

	private ConfigurableApplicationContext context;

	private ApplicationEventPublisher publisher;

	private EventsForwarder forwarder;

	private ForwardCounts last = new ForwardCounts(0, 0, 0, 0, 0);

	@Setup(Level.Trial)
	public void start() {
		if ("starter".equals(this.listener)) {
			this.receiver = new Receiver();
			this.context = Contexts.forwarding(this.receiver.apiUrl(),
					Map.of("datasette.events-forward.buffer-capacity", 10 * BURST,
							"datasette.events-forward.flush-interval", "20ms"));
			this.forwarder = this.context.getBean(EventsForwarder.class);
		}
		else {
			this.context = Contexts.noopListener();
		}
		this.publisher = this.context;
	}

	@Benchmark
	@Threads(1)
	@OperationsPerInvocation(BURST)
	public void publish1Thread() {
		burst();
	}

	@Benchmark
	@Threads(2)
	@OperationsPerInvocation(BURST)
	public void publish2Threads() {
		burst();
	}

	private void burst() {
		ApplicationEventPublisher publisher = this.publisher;
		OrderPlaced event = this.event;
		for (int i = 0; i < BURST; i++) {
			publisher.publishEvent(event);
		}
	}

	@TearDown(Level.Iteration)
	public void drain() {
		if (this.forwarder == null) {
			return;
		}
		long started = System.nanoTime();
		boolean drained = this.forwarder.flush(Duration.ofMinutes(5));
		ForwardCounts counts = this.forwarder.counts();
		System.out.printf("%n  [forwarder] iteration: published %d, delivered %d, dropped %d, failed %d;"
				+ " drained in %d ms%s; receiver rows %d in %d requests%n",
				counts.published() - this.last.published(), counts.delivered() - this.last.delivered(),
				counts.dropped() - this.last.dropped(), counts.failed() - this.last.failed(),
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), drained ? "" : " (NOT DRAINED)",
				this.receiver.rows(), this.receiver.requests());
		this.last = counts;
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.context.close();
		if (this.receiver != null) {
			this.receiver.close();
		}
	}

}
