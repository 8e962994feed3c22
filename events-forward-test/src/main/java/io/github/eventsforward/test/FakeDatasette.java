package io.github.eventsforward.test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.assertj.core.api.AssertProvider;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * An in-process fake of a Datasette server's JSON write API, on a free loopback port, for
 * the tests of an application that forwards its events. It answers {@code /-/create} and
 * {@code /-/insert} as Datasette does ({@link DatasetteWriteApi}), keeps the rows in memory,
 * and lets a test wait for them, assert on them and make the server misbehave.
 * <p>
 * {@link AutoConfigureFakeDatasette @AutoConfigureFakeDatasette} starts one for a Spring
 * test and points the forwarder at it; the test injects it. Without Spring's test support,
 * start one and hand it to the context as an initializer:
 * <pre class="code">
 * try (FakeDatasette datasette = FakeDatasette.start()) {
 *     new ApplicationContextRunner().withInitializer(datasette)...
 * }
 * </pre>
 * What a test may wait for: {@link #awaitRows(int)}, {@link #awaitRequests(int)}, or the
 * assertions of {@code assertThat(datasette)}, which wait up to {@link #awaitTimeout()}. How
 * it may misbehave: {@link #failNext(Fault)} and {@link #failAll(Fault)} with a
 * {@link Fault}, {@link #rejectRows(Predicate)}, {@link #acceptToken(String)},
 * {@link #holdAnswers()}, {@link #goDown()} and {@link #downFor(Duration)}. {@link #reset()}
 * forgets what it received and how it was told to misbehave.
 * <p>
 * It serves with the JDK's own {@code com.sun.net.httpserver}, and sets
 * {@code sun.net.httpserver.nodelay} to {@code true} unless set already, so that Nagle's
 * algorithm does not hold its answers back.
 */
public final class FakeDatasette
		implements AutoCloseable, ApplicationContextInitializer<ConfigurableApplicationContext>,
		AssertProvider<FakeDatasetteAssert> {

	/** The database of the URLs, unless another is asked for. */
	public static final String DEFAULT_DATABASE = "data";

	/** The token the fake accepts, and gives the forwarder, unless another is asked for. */
	public static final String DEFAULT_TOKEN = "dstok_fake-datasette-test-token";

	/** The table the forwarder writes to unless configured otherwise. */
	public static final String EVENTS_TABLE = "datasette_events";

	/** The name of the fake's bean in a Spring test's context. */
	public static final String BEAN_NAME = "fakeDatasette";

	private static final String PREFIX = "datasette.events-forward.";

	// Fast, but never faster than a real server would let the forwarder be: a test that
	// sets one of these itself keeps its own value.
	private static final Map<String, String> FAST_SETTINGS = Map.of(PREFIX + "flush-interval", "20ms",
			PREFIX + "max-rate", "1000", PREFIX + "time-period", "1s", PREFIX + "shutdown-timeout", "2s",
			PREFIX + "retry.initial-backoff", "50ms");

	private static final Duration MAX_HOLD = Duration.ofSeconds(60);

	private static final AtomicInteger servers = new AtomicInteger();

	static {
		if (System.getProperty("sun.net.httpserver.nodelay") == null) {
			System.setProperty("sun.net.httpserver.nodelay", "true");
		}
	}

	private final InMemoryTables tables = new InMemoryTables();

	private final DatasetteWriteApi api;

	private final @Nullable String token;

	private final ExecutorService executor;

	private final Object monitor = new Object();

	private final List<ReceivedRequest> requests = new ArrayList<>();

	private final Deque<Fault> nextFaults = new ArrayDeque<>();

	private @Nullable Fault everyFault;

	private volatile CountDownLatch held = new CountDownLatch(0);

	private volatile Duration awaitTimeout = Duration.ofSeconds(10);

	private volatile @Nullable HttpServer server;

	private volatile int port;

	private volatile boolean closed;

	private FakeDatasette(String database, @Nullable String token) {
		this.token = token;
		this.api = new DatasetteWriteApi(database, token, this.tables);
		int number = servers.incrementAndGet();
		AtomicInteger threads = new AtomicInteger();
		this.executor = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "fake-datasette-" + number + "-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * Start a fake with database {@value #DEFAULT_DATABASE} that accepts
	 * {@value #DEFAULT_TOKEN}.
	 * @return the running fake
	 */
	public static FakeDatasette start() {
		return start(DEFAULT_DATABASE, DEFAULT_TOKEN);
	}

	/**
	 * Start a fake on a free loopback port.
	 * @param database the database of its URLs
	 * @param token the only token that may write, or {@code null} to let anyone write
	 * @return the running fake
	 */
	public static FakeDatasette start(String database, @Nullable String token) {
		FakeDatasette datasette = new FakeDatasette(database, token);
		datasette.bind();
		return datasette;
	}

	// Where the forwarder is sent

	/**
	 * Return the {@code /-/create} URL, which creates the table on the first request.
	 * @return the URL
	 */
	public String apiUrl() {
		return url("/" + this.api.database() + "/-/create").toString();
	}

	/**
	 * Return the {@code /-/insert} URL of a table; {@link #createTable(String)} makes it
	 * exist, as a table made beforehand would.
	 * @param table the table
	 * @return the URL
	 */
	public String insertUrl(String table) {
		return url("/" + this.api.database() + "/" + table + "/-/insert").toString();
	}

	/**
	 * Return the URL of a path on the fake, also while it is down.
	 * @param path the path, starting with {@code /}
	 * @return the URL
	 */
	public URI url(String path) {
		return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + this.port + path);
	}

	/**
	 * Return the port, which the fake keeps when it comes back up.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return the database of the URLs.
	 * @return the database
	 */
	public String database() {
		return this.api.database();
	}

	/**
	 * Return the token the fake was started with.
	 * @return the token, or {@code null} when anyone may write
	 */
	public @Nullable String token() {
		return this.token;
	}

	/**
	 * Return the settings that point the forwarder at the fake and make it quick: the API
	 * URL and token, a 20 ms {@code flush-interval}, no wait for the rate limit, a 2 s
	 * {@code shutdown-timeout} and a 50 ms first retry.
	 * @return the properties
	 */
	public Map<String, String> forwarderProperties() {
		Map<String, String> properties = new LinkedHashMap<>(FAST_SETTINGS);
		properties.putAll(connectionProperties());
		return properties;
	}

	Map<String, String> connectionProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put(PREFIX + "api-url", apiUrl());
		properties.put(PREFIX + "api-token", (this.token != null) ? this.token : "");
		return properties;
	}

	static Map<String, String> fastSettings() {
		return FAST_SETTINGS;
	}

	/**
	 * Point the forwarder of a context at the fake, before all its other property sources,
	 * and make the fake a bean of it, for {@code ApplicationContextRunner.withInitializer}.
	 * @param context the context
	 */
	@Override
	public void initialize(ConfigurableApplicationContext context) {
		context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("fakeDatasette", new LinkedHashMap<>(forwarderProperties())));
		if (!context.getBeanFactory().containsSingleton(BEAN_NAME)) {
			context.getBeanFactory().registerSingleton(BEAN_NAME, this);
		}
	}

	// What it received

	/**
	 * Return the rows stored in every table, in the order they were stored; a row sent
	 * twice, as a retry sends it, is stored once.
	 * @return the rows
	 */
	public List<ReceivedEvent> rows() {
		return this.tables.allRows().stream().map((row) -> new ReceivedEvent(row.getKey(), row.getValue())).toList();
	}

	/**
	 * Return the rows stored in one table, in the order they were stored.
	 * @param table the table
	 * @return the rows, empty when there is no such table
	 */
	public List<ReceivedEvent> rows(String table) {
		return this.tables.rows(table).stream().map((row) -> new ReceivedEvent(table, row)).toList();
	}

	/**
	 * Return every request received, answered or not, in the order they were answered.
	 * @return the requests
	 */
	public List<ReceivedRequest> requests() {
		synchronized (this.monitor) {
			return List.copyOf(this.requests);
		}
	}

	/**
	 * Wait until at least this many rows are stored, at most {@link #awaitTimeout()}.
	 * @param count how many rows
	 * @return the rows stored by then
	 * @throws AssertionError if they did not come in time, saying what did
	 */
	public List<ReceivedEvent> awaitRows(int count) {
		return awaitRows(count, this.awaitTimeout);
	}

	/**
	 * Wait until at least this many rows are stored.
	 * @param count how many rows
	 * @param timeout how long to wait at most
	 * @return the rows stored by then
	 * @throws AssertionError if they did not come in time, saying what did
	 */
	public List<ReceivedEvent> awaitRows(int count, Duration timeout) {
		List<ReceivedEvent> rows = awaitUntil(() -> {
			List<ReceivedEvent> now = rows();
			return (now.size() >= count) ? now : null;
		}, timeout);
		if (rows == null) {
			throw new AssertionError("Expected the fake Datasette to store " + count + " rows within " + timeout
					+ ", but it stored " + rows().size() + describe());
		}
		return rows;
	}

	/**
	 * Wait until at least this many requests were answered (or dropped), at most
	 * {@link #awaitTimeout()}.
	 * @param count how many requests
	 * @return the requests received by then
	 * @throws AssertionError if they did not come in time
	 */
	public List<ReceivedRequest> awaitRequests(int count) {
		Duration timeout = this.awaitTimeout;
		List<ReceivedRequest> requests = awaitUntil(() -> {
			List<ReceivedRequest> now = requests();
			return (now.size() >= count) ? now : null;
		}, timeout);
		if (requests == null) {
			throw new AssertionError("Expected the fake Datasette to receive " + count + " requests within " + timeout
					+ describe());
		}
		return requests;
	}

	Optional<ReceivedEvent> awaitRow(Predicate<ReceivedEvent> row, Duration timeout) {
		return Optional.ofNullable(awaitUntil(() -> rows().stream().filter(row).findFirst().orElse(null), timeout));
	}

	private <T> @Nullable T awaitUntil(Check<T> check, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.monitor) {
			while (true) {
				T result = check.now();
				long left = deadline - System.nanoTime();
				if (result != null || left <= 0) {
					return result;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.monitor, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return check.now();
				}
			}
		}
	}

	String describe() {
		List<ReceivedRequest> requests = requests();
		StringBuilder text = new StringBuilder();
		text.append(" (").append(requests.size()).append(" requests");
		if (!requests.isEmpty()) {
			text.append(": ").append(requests.subList(Math.max(0, requests.size() - 5), requests.size()));
		}
		text.append(")");
		List<ReceivedEvent> rows = rows();
		if (!rows.isEmpty()) {
			text.append(". Rows stored:");
			rows.subList(Math.max(0, rows.size() - 20), rows.size())
				.forEach((row) -> text.append("\n  ").append(row));
		}
		if (this.server == null) {
			text.append(". The fake is down.");
		}
		return text.toString();
	}

	/**
	 * Return how long waits and assertions wait for what they expect.
	 * @return the timeout, 10 seconds unless changed
	 */
	public Duration awaitTimeout() {
		return this.awaitTimeout;
	}

	/**
	 * Change how long waits and assertions wait for what they expect.
	 * @param timeout the timeout
	 * @return this
	 */
	public FakeDatasette awaitTimeout(Duration timeout) {
		this.awaitTimeout = timeout;
		return this;
	}

	/**
	 * Start assertions on what the fake received, which wait for rows still on their way:
	 * {@code assertThat(datasette).hasReceivedEvent("order-placed").withActorId("alice")}.
	 * @return the assertions
	 */
	@Override
	public FakeDatasetteAssert assertThat() {
		return new FakeDatasetteAssert(this);
	}

	// How it misbehaves

	/**
	 * Answer the next request with this fault, then as usual.
	 * @param fault the fault
	 */
	public void failNext(Fault fault) {
		failNext(1, fault);
	}

	/**
	 * Answer the next requests with this fault, then as usual. Faults given earlier come
	 * first.
	 * @param requests how many requests
	 * @param fault the fault
	 */
	public void failNext(int requests, Fault fault) {
		synchronized (this.monitor) {
			for (int i = 0; i < requests; i++) {
				this.nextFaults.add(fault);
			}
		}
	}

	/**
	 * Answer every request with this fault, after those given to {@link #failNext(Fault)},
	 * until {@link #recover()}.
	 * @param fault the fault
	 */
	public void failAll(Fault fault) {
		synchronized (this.monitor) {
			this.everyFault = fault;
		}
	}

	/**
	 * Refuse every request that carries a matching row with 400, storing none of its rows,
	 * as a table with a constraint the row breaks does. The forwarder splits such a batch
	 * until it finds the row, which it dead-letters; the other rows are stored.
	 * @param rows which rows are refused
	 */
	public void rejectRows(Predicate<ReceivedEvent> rows) {
		rejectRows(rows, "CHECK constraint failed: refused by the test");
	}

	/**
	 * Refuse every request that carries a matching row with 400 and this message.
	 * @param rows which rows are refused
	 * @param message the server's message
	 */
	public void rejectRows(Predicate<ReceivedEvent> rows, String message) {
		this.api.rejectRows((row) -> rows.test(new ReceivedEvent("", row)), message);
	}

	/**
	 * Accept another token from now on, as after the server's secret was rotated: the
	 * forwarder's token is then answered with 401.
	 * @param token the token that may write, or {@code null} to let anyone write
	 */
	public void acceptToken(@Nullable String token) {
		this.api.acceptToken(token);
	}

	/**
	 * Refuse request bodies larger than this with 413, as Datasette's
	 * {@code max_post_body_bytes} does (2 MB unless changed).
	 * @param bytes the largest body accepted
	 */
	public void maxBodySize(long bytes) {
		this.api.maxBodySize(bytes);
	}

	/**
	 * Hold every request unanswered, and unhandled, until {@link #releaseAnswers()} (at most
	 * a minute), as a server that stalls does.
	 */
	public void holdAnswers() {
		this.held = new CountDownLatch(1);
	}

	/**
	 * Handle and answer the requests held since {@link #holdAnswers()}, and the next ones at
	 * once.
	 */
	public void releaseAnswers() {
		this.held.countDown();
	}

	/**
	 * Go down: connections are refused, and those open are dropped, until
	 * {@link #comeBack()}. What it stored and how it was told to answer are kept.
	 */
	public void goDown() {
		HttpServer server;
		synchronized (this) {
			server = this.server;
			this.server = null;
		}
		if (server != null) {
			server.stop(0);
		}
	}

	/**
	 * Come back up after {@link #goDown()}, on the same port.
	 * @throws IllegalStateException if the port was taken meanwhile
	 */
	public void comeBack() {
		bind();
	}

	/**
	 * Go down now, and come back up after this long.
	 * @param outage how long to stay down
	 */
	public void downFor(Duration outage) {
		goDown();
		CompletableFuture.runAsync(() -> {
			if (!this.closed) {
				comeBack();
			}
		}, CompletableFuture.delayedExecutor(outage.toNanos(), TimeUnit.NANOSECONDS, this.executor));
	}

	/**
	 * Return whether the fake is up.
	 * @return whether it accepts connections
	 */
	public boolean isUp() {
		return this.server != null;
	}

	/**
	 * Answer as Datasette again: no more faults, no rows refused, held answers released,
	 * the first token accepted again, the usual body limit, and up.
	 */
	public void recover() {
		synchronized (this.monitor) {
			this.nextFaults.clear();
			this.everyFault = null;
		}
		this.api.rejectRows((row) -> false, "");
		this.api.acceptToken(this.token);
		this.api.maxBodySize(DatasetteWriteApi.MAX_POST_BODY_BYTES);
		releaseAnswers();
		if (!this.closed && this.server == null) {
			comeBack();
		}
	}

	/**
	 * {@link #recover()}, and forget the rows and requests received; the tables stay, empty.
	 */
	public void reset() {
		recover();
		this.tables.deleteRows();
		synchronized (this.monitor) {
			this.requests.clear();
		}
	}

	/**
	 * Create an empty table with the forwarder's columns, so that an {@link #insertUrl}
	 * finds it.
	 * @param table the table
	 */
	public void createTable(String table) {
		this.tables.createEventsTable(table);
	}

	/**
	 * Stop the fake for good.
	 */
	@Override
	public void close() {
		this.closed = true;
		releaseAnswers();
		goDown();
		this.executor.shutdownNow();
	}

	// Serving

	private synchronized void bind() {
		if (this.server != null) {
			return;
		}
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port),
					0);
			server.setExecutor(this.executor);
			server.createContext("/", this::exchange);
			server.start();
			this.port = server.getAddress().getPort();
			this.server = server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The fake Datasette could not listen on port " + this.port, ex);
		}
	}

	private void exchange(HttpExchange exchange) {
		try (exchange) {
			byte[] body = exchange.getRequestBody().readAllBytes();
			Fault fault = nextFault();
			Map<String, List<String>> headers = new LinkedHashMap<>();
			exchange.getRequestHeaders()
				.forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
			String method = exchange.getRequestMethod();
			String path = exchange.getRequestURI().getRawPath();
			if (fault != null && fault.kind() == Fault.Kind.DROP) {
				received(new ReceivedRequest(method, path, headers, body, 0));
				return;
			}
			if (!this.held.await(MAX_HOLD.toMillis(), TimeUnit.MILLISECONDS) || this.closed) {
				return;
			}
			DatasetteWriteApi.Answer answer = (fault != null && fault.kind() == Fault.Kind.ANSWER)
					? Objects.requireNonNull(fault.answer())
					: this.api.handle(new DatasetteWriteApi.Request(method, path,
							exchange.getRequestHeaders().getFirst("Authorization"),
							exchange.getRequestHeaders().getFirst("Upgrade"),
							(body.length > this.api.maxBodySize()) ? null : body));
			if (fault != null && fault.kind() == Fault.Kind.LOSE) {
				received(new ReceivedRequest(method, path, headers, body, 0));
				return;
			}
			received(new ReceivedRequest(method, path, headers, body, answer.status()));
			if (fault != null && fault.kind() == Fault.Kind.SLOW) {
				Thread.sleep(fault.delay().toMillis());
			}
			send(exchange, answer);
		}
		catch (IOException ex) {
			// The client went away, or the fake went down: nothing to answer.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private @Nullable Fault nextFault() {
		synchronized (this.monitor) {
			Fault next = this.nextFaults.poll();
			return (next != null) ? next : this.everyFault;
		}
	}

	private void received(ReceivedRequest request) {
		synchronized (this.monitor) {
			this.requests.add(request);
			this.monitor.notifyAll();
		}
	}

	private static void send(HttpExchange exchange, DatasetteWriteApi.Answer answer) throws IOException {
		byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", answer.contentType());
		answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
		exchange.sendResponseHeaders(answer.status(), (bytes.length == 0) ? -1 : bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	@Override
	public String toString() {
		return "FakeDatasette[" + url("/" + this.api.database()) + (isUp() ? "" : ", down") + "]";
	}

	@FunctionalInterface
	private interface Check<T> {

		@Nullable T now();

	}

}
