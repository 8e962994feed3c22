package io.github.eventsforward.benchmarks;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import com.sun.management.ThreadMXBean;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * 1. What {@code publishEvent(record)} costs the publishing thread, with the starter active
 * ({@code listener=starter}: forwarding to a local receiver that answers 201, so the pipeline
 * drains) against the same application with one no-op {@code @EventListener} instead
 * ({@code listener=noopListener}), on 1 and 2 threads. {@code listener=none}, the same
 * application without either, is what {@code publishEvent} costs Spring itself, so that the
 * starter's own share can be told apart.
 * <p>
 * The bytes the publishing threads themselves allocate per event are read from the JVM's
 * per-thread allocation counter around each burst, and printed at the end of each trial
 * ({@code [publisher thread]}, the median of the measured iterations). JMH's
 * {@code -prof gc} ({@code gc.alloc.rate.norm}) counts every thread's allocations, so for the
 * starter it also includes the forwarder's mapping and HTTP work.
 * <p>
 * A publisher in a tight loop outruns any HTTP receiver, and a queue that grows for a whole
 * timed iteration would take many seconds to drain. So each iteration is one shot: every
 * thread publishes a burst of 20,000 events, timed, and the queue is drained after the
 * iteration, untimed. The buffer is large enough that nothing is dropped (dropped events
 * would take a cheaper path); the forwarder's counts are printed after each iteration, and
 * {@code dropped} must be 0 for the figure to be the cost of an accepted event. A burst takes
 * a few milliseconds, so it takes about 100 of them before the JIT has compiled the path.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 100)
@Measurement(iterations = 50)
@Fork(2)
@State(Scope.Benchmark)
public class PublishBenchmark {

	static final int BURST = 20_000;

	private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

	@Param({ "starter", "starterSpooled", "noopListener", "none" })
	public String listener;


	private final OrderPlaced event = OrderPlaced.number(42);

	private Receiver receiver;

	private ConfigurableApplicationContext context;

	private ApplicationEventPublisher publisher;

	private EventsForwarder forwarder;

	private ForwardCounts last = new ForwardCounts(0, 0, 0, 0, 0);

	// Bytes allocated per event by the publishing threads themselves, burst by burst.
	private final Queue<Double> publisherBytes = new ConcurrentLinkedQueue<>();

	private final List<Double> iterationBytes = new ArrayList<>();

	private int measurementIterations;

	@Setup(Level.Trial)
	public void start(BenchmarkParams params) {
		this.measurementIterations = params.getMeasurement().getCount();
		if (this.listener.startsWith("starter")) {
			this.receiver = new Receiver();
			Map<String, Object> properties = new LinkedHashMap<>(Map.of("datasette.events-forward.buffer-capacity",
					10 * BURST, "datasette.events-forward.flush-interval", "20ms"));
			if ("starterSpooled".equals(this.listener)) {
				properties.putAll(Contexts.spool());
			}
			this.context = Contexts.forwarding(this.receiver.apiUrl(), properties);
			this.forwarder = this.context.getBean(EventsForwarder.class);
		}
		else if ("noopListener".equals(this.listener)) {
			this.context = Contexts.noopListener();
		}
		else {
			this.context = Contexts.noListener();
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
		long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
		for (int i = 0; i < BURST; i++) {
			publisher.publishEvent(event);
		}
		long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
		this.publisherBytes.add((double) allocated / BURST);
	}

	@TearDown(Level.Iteration)
	public void drain() {
		List<Double> bytes = new ArrayList<>(this.publisherBytes);
		this.publisherBytes.clear();
		this.iterationBytes.add(median(bytes));
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

	private static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

	@TearDown(Level.Trial)
	public void stop() {
		// The measured iterations only, not the warm-up ones.
		List<Double> measured = this.iterationBytes.subList(
				Math.max(0, this.iterationBytes.size() - this.measurementIterations), this.iterationBytes.size());
		System.out.printf("%n  [publisher thread] listener=%s: %.1f bytes allocated per publishEvent (median of %d"
				+ " iterations; min %.1f, max %.1f)%n", this.listener, median(measured), measured.size(),
				Collections.min(measured), Collections.max(measured));
		this.context.close();
		if (this.receiver != null) {
			this.receiver.close();
		}
	}

}
