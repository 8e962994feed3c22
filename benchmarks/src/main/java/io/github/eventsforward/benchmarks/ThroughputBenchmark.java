package io.github.eventsforward.benchmarks;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.BatchSender;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.internal.MappingSteps;
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
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * 2. Events per second from {@code publishEvent} until the local receiver has acknowledged
 * them ({@code forwarder}: the starter with the rate limit lifted and batch-limit 100, on
 * Reactor Netty and on the JDK's {@code HttpClient} ({@code connector}), with
 * {@code max-in-flight} 1 and 2 ({@code maxInFlight}); each invocation
 * publishes 10,000 events and waits with {@code flush} until all have an outcome), against the
 * raw ceiling of the same receiver: the same 100-row bodies posted one after another on one
 * connection by a plain Reactor Netty {@code HttpClient} ({@code rawClient}) and by a plain JDK
 * {@code HttpClient}, 100 requests per invocation: with its blocking {@code send}
 * ({@code rawJdkClient}), and with {@code sendAsync} ({@code rawJdkClientAsync}), the call
 * Spring's JDK connector makes, waiting for each answer before the next request. Between the
 * two, {@code webClient} calls the starter's own {@link BatchSender} (the {@code WebClient}
 * the forwarder posts with, on the same connector) with the same bodies, one after another
 * from the benchmark's thread: what the HTTP stack the forwarder must use reaches without
 * the forwarder's pipeline. The JDK
 * completes what depends on a {@code sendAsync} answer on the common fork-join pool, or on a
 * new thread for each answer when that pool has a single thread, as on two cores. All scores
 * are rows per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 15, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(2)
public class ThroughputBenchmark {

	static final int ROWS_PER_REQUEST = 100;

	static final int EVENTS_PER_INVOCATION = 10_000;

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void forwarder(Forwarding state) {
		OrderPlaced[] events = state.events;
		for (int i = 0; i < EVENTS_PER_INVOCATION; i++) {
			state.publisher.publishEvent(events[i]);
		}
		if (!state.forwarder.flush(TIMEOUT)) {
			throw new IllegalStateException("The forwarder did not deliver 10,000 events within " + TIMEOUT);
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void rawClient(Raw state) {
		for (int i = 0; i < EVENTS_PER_INVOCATION / ROWS_PER_REQUEST; i++) {
			Integer status = state.client.post()
				.uri("/bench/-/create")
				.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(state.body)))
				.responseSingle((response, content) -> content.asByteArray()
					.then(Mono.just(response.status().code())))
				.block(TIMEOUT);
			if (status == null || status != 201) {
				throw new IllegalStateException("The receiver answered " + status);
			}
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void webClient(Sending state) {
		for (int i = 0; i < EVENTS_PER_INVOCATION / ROWS_PER_REQUEST; i++) {
			// Fails with the server's answer unless it is a 2xx.
			state.sender.send(List.of(), state.body).block(TIMEOUT);
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void rawJdkClient(RawJdk state) throws Exception {
		for (int i = 0; i < EVENTS_PER_INVOCATION / ROWS_PER_REQUEST; i++) {
			int status = state.client.send(state.request, HttpResponse.BodyHandlers.ofByteArray())
				.statusCode();
			if (status != 201) {
				throw new IllegalStateException("The receiver answered " + status);
			}
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS_PER_INVOCATION)
	public void rawJdkClientAsync(RawJdk state) throws Exception {
		for (int i = 0; i < EVENTS_PER_INVOCATION / ROWS_PER_REQUEST; i++) {
			int status = state.client.sendAsync(state.request, HttpResponse.BodyHandlers.ofByteArray())
				.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
				.statusCode();
			if (status != 201) {
				throw new IllegalStateException("The receiver answered " + status);
			}
		}
	}

	@State(Scope.Benchmark)
	public static class Forwarding {

		/** The reactive HTTP client the forwarder runs on, as Spring Boot's property names it. */
		@Param({ "reactor", "jdk" })
		public String connector;

		/** Whether the forwarder keeps what waits in a spool file too. */
		@Param({ "off", "on" })
		public String spool;

		/**
		 * The forwarder's {@code max-in-flight}: 1, its default, waits for each answer, as the
		 * raw clients do; 2 keeps a second request on its way meanwhile, on a second
		 * connection.
		 */
		@Param({ "1", "2" })
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
			this.receiver = new Receiver();
			// A short flush interval, so that a last partial batch (there should be none) does
			// not stall an invocation for the default second.
			Map<String, Object> properties = new LinkedHashMap<>(Map.of("datasette.events-forward.buffer-capacity",
					10 * EVENTS_PER_INVOCATION, "datasette.events-forward.flush-interval", "20ms",
					"spring.http.clients.reactive.connector", this.connector, "datasette.events-forward.max-in-flight",
					this.maxInFlight));
			if ("on".equals(this.spool)) {
				properties.putAll(Contexts.spool());
			}
			this.context = Contexts.forwarding(this.receiver.apiUrl(), properties);
			this.publisher = this.context;
			this.forwarder = this.context.getBean(EventsForwarder.class);
		}

		@TearDown(Level.Iteration)
		public void report() {
			ForwardCounts counts = this.forwarder.counts();
			long rows = this.receiver.rows();
			System.out.printf("%n  [forwarder on " + this.connector + ", spool " + this.spool + ", max-in-flight "
					+ this.maxInFlight + "] iteration: published %d, delivered %d, dropped %d, failed %d;"
					+ " receiver counted %d rows%n", counts.published() - this.last.published(),
					counts.delivered() - this.last.delivered(), counts.dropped() - this.last.dropped(),
					counts.failed() - this.last.failed(), rows - this.lastRows);
			this.last = counts;
			this.lastRows = rows;
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.context.close();
			this.receiver.close();
		}

	}

	@State(Scope.Benchmark)
	public static class Raw {

		Receiver receiver;

		LoopResources loops;

		ConnectionProvider connections;

		HttpClient client;

		byte[] body;

		// The body the forwarder would send for 100 events.
		static byte[] body() {
			MappingSteps steps = new MappingSteps(new DefaultEventRowMapper(JsonMapper.shared()), JsonMapper.shared(),
					"datasette_events");
			Object[] events = new Object[ROWS_PER_REQUEST];
			for (int i = 0; i < ROWS_PER_REQUEST; i++) {
				events[i] = OrderPlaced.number(i);
			}
			byte[] body = steps.body(events, Instant.now());
			if (Receiver.countRows(body) != ROWS_PER_REQUEST) {
				throw new IllegalStateException("The body does not hold " + ROWS_PER_REQUEST + " rows");
			}
			return body;
		}

		@Setup(Level.Trial)
		public void start() {
			this.body = body();
			this.receiver = new Receiver();
			this.loops = LoopResources.create("bench-raw-client", 1, true);
			this.connections = ConnectionProvider.create("bench-raw-client", 1);
			this.client = HttpClient.create(this.connections)
				.runOn(this.loops)
				.baseUrl("http://127.0.0.1:" + this.receiver.port())
				.headers((headers) -> headers.set("Content-Type", "application/json")
					.set("Accept", "application/json")
					.set("Authorization", "Bearer benchmark"));
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.connections.disposeLater().block(Duration.ofSeconds(5));
			this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(5));
			this.receiver.close();
		}

	}

	@State(Scope.Benchmark)
	public static class Sending {

		/** The reactive HTTP client the sender runs on, as Spring Boot's property names it. */
		@Param({ "reactor", "jdk" })
		public String connector;

		Receiver receiver;

		ConfigurableApplicationContext context;

		BatchSender sender;

		byte[] body;

		@Setup(Level.Trial)
		public void start() {
			this.body = Raw.body();
			this.receiver = new Receiver();
			// The application the forwarder benchmark runs, idle: no event is published.
			this.context = Contexts.forwarding(this.receiver.apiUrl(),
					Map.of("spring.http.clients.reactive.connector", this.connector));
			this.sender = this.context.getBean(BatchSender.class);
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.context.close();
			this.receiver.close();
		}

	}

	@State(Scope.Benchmark)
	public static class RawJdk {

		Receiver receiver;

		// Named in full: reactor.netty's HttpClient is imported for the other baseline.
		java.net.http.HttpClient client;

		HttpRequest request;

		@Setup(Level.Trial)
		public void start() {
			byte[] body = Raw.body();
			this.receiver = new Receiver();
			// HTTP/1.1, as the forwarder asks for: one connection, kept alive.
			this.client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
			this.request = HttpRequest.newBuilder(URI.create(this.receiver.apiUrl()))
				.header("Content-Type", "application/json")
				.header("Accept", "application/json")
				.header("Authorization", "Bearer benchmark")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body))
				.build();
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.receiver.close();
		}

	}

}
