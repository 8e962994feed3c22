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
 * 8. What {@code publishEvent(record)} costs the publishing thread in a steady loop, while
 * the forwarder delivers the same events to the local receiver at the same time: JMH calls
 * {@code publishEvent} over and over for the whole of each timed iteration, one call per
 * operation, on one thread, and nothing drains or waits between calls. With the starter
 * ({@code listener=starter}: rate limit lifted, {@code batch-limit} 100, as in
 * {@link ThroughputBenchmark}), the forwarder's thread, the HTTP client and the receiver are
 * busy throughout, sharing the cores with the publisher as they would in an application
 * under load. The baselines are the same application with one no-op {@code @EventListener}
 * instead ({@code listener=noopListener}) and with no listener at all
 * ({@code listener=none}), in the same JVM settings. {@link PublishBenchmark} measures
 * bursts of 20,000 events instead, with the queue drained between them.
 * <p>
 * A publisher in a tight loop hands over events several times faster than one forwarder
 * delivers them, so the backlog grows during each iteration. Nothing may be dropped, or the
 * figure would be that of the cheaper drop path: {@code buffer-capacity} is therefore set
 * from the iteration time, to {@value #MOST_EVENTS_PER_SECOND} events per second of the
 * longest iteration, about twice what one thread publishes with the starter. After
 * each iteration, untimed, the backlog is delivered, so that every iteration starts with an
 * empty buffer; the forwarder's counts are printed then: what was published, delivered while
 * the iteration ran and after it, and dropped. If anything was dropped the run fails, since
 * its figure would not be that of an accepted event.
 * <p>
 * The figure includes what that backlog costs the publisher: queued events live until they
 * are delivered, a queue node each until the forwarder's thread takes them in and a row of
 * a few hundred bytes once it has, so each young collection has more to copy as the
 * iteration goes on. The iterations are short, half a second, to keep the backlog small; an
 * application that publishes no faster than the forwarder delivers has none. Longer
 * iterations need more heap: a full buffer of rows takes about half a kilobyte an event.
 * JMH's {@code -prof gc} counts the drain after each iteration too, so its bytes per
 * operation are those of forwarding an event, every thread's work included.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 40, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@Threads(1)
@State(Scope.Benchmark)
public class SteadyPublishBenchmark {

	/**
	 * Events per second of iteration that {@code buffer-capacity} leaves room for: a call
	 * every 200 ns, about half of what {@code publishEvent} costs with the starter.
	 */
	static final int MOST_EVENTS_PER_SECOND = 5_000_000;

	private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);

	@Param({ "starter", "noopListener", "none" })
	public String listener;

	private final OrderPlaced event = OrderPlaced.number(42);

	private Receiver receiver;

	private ConfigurableApplicationContext context;

	private ApplicationEventPublisher publisher;

	private EventsForwarder forwarder;

	private ForwardCounts last = new ForwardCounts(0, 0, 0, 0, 0);

	private long iterationStarted;

	@Setup(Level.Trial)
	public void start(BenchmarkParams params) {
		if ("starter".equals(this.listener)) {
			this.receiver = new Receiver();
			this.context = Contexts.forwarding(this.receiver.apiUrl(),
					Map.of("datasette.events-forward.buffer-capacity", bufferCapacity(params),
							"datasette.events-forward.flush-interval", "20ms"));
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

	// Room for every event the longest iteration can publish, as if none were delivered
	// meanwhile.
	static int bufferCapacity(BenchmarkParams params) {
		long longest = Math.max(params.getWarmup().getTime().convertTo(TimeUnit.MILLISECONDS),
				params.getMeasurement().getTime().convertTo(TimeUnit.MILLISECONDS));
		return (int) Math.min(Integer.MAX_VALUE, Math.max(1, longest) * MOST_EVENTS_PER_SECOND / 1000);
	}

	@Benchmark
	public void publish() {
		this.publisher.publishEvent(this.event);
	}

	@Setup(Level.Iteration)
	public void startIteration() {
		this.iterationStarted = System.nanoTime();
	}

	@TearDown(Level.Iteration)
	public void drain() {
		if (this.forwarder == null) {
			return;
		}
		// Read first: what the forwarder delivered while the publisher ran.
		ForwardCounts during = this.forwarder.counts();
		long ran = System.nanoTime() - this.iterationStarted;
		long started = System.nanoTime();
		boolean drained = this.forwarder.flush(DRAIN_TIMEOUT);
		ForwardCounts after = this.forwarder.counts();
		long published = during.published() - this.last.published();
		long deliveredDuring = during.delivered() - this.last.delivered();
		long dropped = after.dropped() - this.last.dropped();
		System.out.printf("%n  [forwarder] iteration: published %d, delivered %d while it ran (%.0f%%, %.0f events/s)"
				+ " and %d after it, dropped %d, failed %d; drained in %d ms%s; receiver rows %d in %d requests%n",
				published, deliveredDuring, 100.0 * deliveredDuring / Math.max(1, published),
				deliveredDuring / (ran / 1e9), after.delivered() - during.delivered(), dropped,
				after.failed() - this.last.failed(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
				drained ? "" : " (NOT DRAINED)", this.receiver.rows(), this.receiver.requests());
		this.last = after;
		if (dropped != 0) {
			throw new IllegalStateException(dropped + " events were dropped, so this figure is not that of an"
					+ " accepted event: use shorter iterations, or raise MOST_EVENTS_PER_SECOND");
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.context.close();
		if (this.receiver != null) {
			this.receiver.close();
		}
	}

}
