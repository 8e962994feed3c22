package io.github.eventsforward.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.netty.buffer.Unpooled;
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
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * 9. Events per second from {@code publishEvent} until a remote-like receiver has
 * acknowledged them: the local receiver answers each request {@value #ANSWER_DELAY_MILLIS} ms
 * after its body arrived, on a timer, as a Datasette across a network would, so that the
 * wait for answers rather than the forwarder's own work sets the pace. The starter
 * ({@code forwarder}) runs with the rate limit lifted and {@code batch-limit} 100, as in
 * {@link ThroughputBenchmark}, and with {@code datasette.events-forward.max-in-flight} set to
 * 1, 4 and 8 ({@code maxInFlight}); each invocation publishes
 * {@value #EVENTS_PER_INVOCATION} events and waits with {@code flush} until all have an
 * outcome, so that the buffer never holds more than one invocation's events and nothing
 * is dropped. The forwarder's counts are printed after each iteration, with the most
 * requests the receiver had waiting at once, which shows how many the forwarder kept in
 * flight; if anything was dropped the run fails.
 * <p>
 * The baseline ({@code rawClient}) is the ceiling of the same receiver: the same 100-row
 * bodies posted by a plain Reactor Netty {@code HttpClient} keeping {@code maxInFlight}
 * requests in flight on as many connections, {@value #REQUESTS_PER_INVOCATION} requests an
 * invocation. With one request in flight it is about 100 rows every 50 ms, 2,000 rows per
 * second. All scores are rows per second. The iterations are long, since each invocation
 * takes up to two seconds; one fork is enough, as the answers' delay rather than the JIT or
 * the heap's layout sets the figures.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class RemoteThroughputBenchmark {

	static final long ANSWER_DELAY_MILLIS = 50;

	static final int EVENTS_PER_INVOCATION = 4_000;

	static final int REQUESTS_PER_INVOCATION = EVENTS_PER_INVOCATION / ThroughputBenchmark.ROWS_PER_REQUEST;

	private static final Duration ANSWER_DELAY = Duration.ofMillis(ANSWER_DELAY_MILLIS);

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void forwarder(Forwarding state) {
		OrderPlaced[] events = state.events;
		for (int i = 0; i < EVENTS_PER_INVOCATION; i++) {
			state.publisher.publishEvent(events[i]);
		}
		if (!state.forwarder.flush(TIMEOUT)) {
			throw new IllegalStateException(
					"The forwarder did not deliver " + EVENTS_PER_INVOCATION + " events within " + TIMEOUT);
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void rawClient(Raw state) {
		Long created = Flux.range(0, REQUESTS_PER_INVOCATION)
			.flatMap((i) -> state.client.post()
				.uri("/bench/-/create")
				.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(state.body)))
				.responseSingle((response, content) -> content.asByteArray()
					.then(Mono.just(response.status().code()))), state.maxInFlight)
			.filter((status) -> status == 201)
			.count()
			.block(TIMEOUT);
		if (created == null || created != REQUESTS_PER_INVOCATION) {
			throw new IllegalStateException("The receiver answered 201 to " + created + " of "
					+ REQUESTS_PER_INVOCATION + " requests");
		}
	}

	@State(Scope.Benchmark)
	public static class Forwarding {

		/** Requests the forwarder may have waiting for their answers at once. */
		@Param({ "1", "4", "8" })
		public int maxInFlight;

		final OrderPlaced[] events = new OrderPlaced[EVENTS_PER_INVOCATION];

		Receiver receiver;

		ConfigurableApplicationContext context;

		ApplicationEventPublisher publisher;

		EventsForwarder forwarder;

		private ForwardCounts last = new ForwardCounts(0, 0, 0, 0, 0);

		private long lastRows;

		@Setup(Level.Trial)
		public void start() {
			for (int i = 0; i < this.events.length; i++) {
				this.events[i] = OrderPlaced.number(i);
			}
			this.receiver = new Receiver(ANSWER_DELAY);
			// A short flush interval, so that a last partial batch (there should be none) does
			// not stall an invocation for the default second.
			this.context = Contexts.forwarding(this.receiver.apiUrl(),
					Map.of("datasette.events-forward.buffer-capacity", 10 * EVENTS_PER_INVOCATION,
							"datasette.events-forward.flush-interval", "20ms",
							"datasette.events-forward.max-in-flight", this.maxInFlight));
			this.publisher = this.context;
			this.forwarder = this.context.getBean(EventsForwarder.class);
		}

		@TearDown(Level.Iteration)
		public void report() {
			ForwardCounts counts = this.forwarder.counts();
			long rows = this.receiver.rows();
			long dropped = counts.dropped() - this.last.dropped();
			System.out.printf("%n  [forwarder, max-in-flight %d] iteration: published %d, delivered %d, dropped %d,"
					+ " failed %d; receiver counted %d rows, at most %d requests at once%n", this.maxInFlight,
					counts.published() - this.last.published(), counts.delivered() - this.last.delivered(), dropped,
					counts.failed() - this.last.failed(), rows - this.lastRows, this.receiver.mostWaiting());
			this.last = counts;
			this.lastRows = rows;
			if (dropped != 0) {
				throw new IllegalStateException(dropped + " events were dropped: the buffer overflowed");
			}
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.context.close();
			this.receiver.close();
		}

	}

	@State(Scope.Benchmark)
	public static class Raw {

		/** Requests the raw client keeps waiting for their answers at once. */
		@Param({ "1", "4", "8" })
		public int maxInFlight;

		Receiver receiver;

		LoopResources loops;

		ConnectionProvider connections;

		HttpClient client;

		byte[] body;

		@Setup(Level.Trial)
		public void start() {
			this.body = ThroughputBenchmark.Raw.body();
			this.receiver = new Receiver(ANSWER_DELAY);
			this.loops = LoopResources.create("bench-remote-raw-client", 1, true);
			// One connection for each request in flight, as HTTP/1.1 needs.
			this.connections = ConnectionProvider.create("bench-remote-raw-client", this.maxInFlight);
			this.client = HttpClient.create(this.connections)
				.runOn(this.loops)
				.baseUrl("http://127.0.0.1:" + this.receiver.port())
				.headers((headers) -> headers.set("Content-Type", "application/json")
					.set("Accept", "application/json")
					.set("Authorization", "Bearer benchmark"));
		}

		@TearDown(Level.Iteration)
		public void report() {
			System.out.printf("%n  [raw client, %d in flight] receiver counted %d rows in all, at most %d requests"
					+ " at once%n", this.maxInFlight, this.receiver.rows(), this.receiver.mostWaiting());
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.connections.disposeLater().block(Duration.ofSeconds(5));
			this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(5));
			this.receiver.close();
		}

	}

}
