package io.github.eventsforward.testsupport;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import io.github.eventsforward.test.DatasetteWriteApi;
import io.github.eventsforward.test.InMemoryTables;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A MockWebServer dispatcher that answers as the fake Datasette of
 * {@code datasette-events-forward-test} does ({@link DatasetteWriteApi}: the write API calls,
 * tokens, limits, status codes and error bodies), for tests that also need MockWebServer's
 * control of the socket. Stored rows are kept per table, keyed by id, so duplicates are
 * visible (or rather, invisible) exactly as on the server. Scripted answers queued with
 * {@link #enqueue(MockResponse)} are served first, one per request.
 * <p>
 * Tests can also change the server while it runs, as an operator would: the token it
 * accepts ({@link #acceptToken(String)}), its body limit ({@link #maxBodySize(long)}), rows
 * its table refuses ({@link #rejectRows(Predicate, String)}); or make it misbehave: answer
 * everything alike ({@link #refuseAll(MockResponse)}), hold answers back
 * ({@link #holdAnswers()}), or store a request and then lose or delay its answer
 * ({@link #alterNextAnswer(UnaryOperator)}).
 */
public class DatasetteDispatcher extends Dispatcher {

	/** The token a test client should send. */
	public static final String TOKEN = "dstok_eyJhIjoicm9vdCIsInQiOjE3MDAwMDAwMDB9.test-signature";

	private static final long MAX_HOLD_SECONDS = 30;

	private final InMemoryTables tables = new InMemoryTables();

	private final DatasetteWriteApi api;

	private volatile @Nullable MockResponse refusal;

	private volatile CountDownLatch held = new CountDownLatch(0);

	private final BlockingQueue<UnaryOperator<MockResponse.Builder>> alterations = new LinkedBlockingQueue<>();

	private final BlockingQueue<MockResponse> scripted = new LinkedBlockingQueue<>();

	private final List<String> requestBodies = new CopyOnWriteArrayList<>();

	private final List<Long> requestArrivals = new CopyOnWriteArrayList<>();

	/**
	 * A server with database {@code data} that expects {@link #TOKEN}.
	 */
	public DatasetteDispatcher() {
		this("data", TOKEN);
	}

	/**
	 * A server with one database.
	 * @param database the database name
	 * @param token the token that may write, or {@code null} to let anonymous users write
	 */
	public DatasetteDispatcher(String database, @Nullable String token) {
		this.api = new DatasetteWriteApi(database, token, this.tables);
	}

	/**
	 * Create a table, as {@code /-/create} would have.
	 * @param table the table name
	 * @return this
	 */
	public DatasetteDispatcher withTable(String table) {
		this.tables.createEventsTable(table);
		return this;
	}

	/**
	 * Serve this answer to the next request instead of handling it.
	 * @param response the answer
	 */
	public void enqueue(MockResponse response) {
		this.scripted.add(response);
	}

	/**
	 * Accept another token from now on, as after the server's secret was rotated; a
	 * {@code dstok_} token that does not match is answered with 401.
	 * @param token the token that may write, or {@code null} to let anonymous users write
	 */
	public void acceptToken(@Nullable String token) {
		this.api.acceptToken(token);
	}

	/**
	 * Refuse request bodies over this size with 413, as the server's limit does.
	 * @param bytes the largest body accepted
	 */
	public void maxBodySize(long bytes) {
		this.api.maxBodySize(bytes);
	}

	/**
	 * Refuse every request that carries a matching row with 400 and the message, storing
	 * none of its rows, as an insert that fails a constraint of the table does.
	 * @param rows which rows the table refuses
	 * @param message the server's message
	 */
	public void rejectRows(Predicate<JsonNode> rows, String message) {
		this.api.rejectRows(rows::test, message);
	}

	/**
	 * Answer every request with this answer, storing nothing, until {@link #acceptAll()}.
	 * Scripted answers still come first.
	 * @param answer the answer
	 */
	public void refuseAll(MockResponse answer) {
		this.refusal = answer;
	}

	/**
	 * Handle requests again after {@link #refuseAll(MockResponse)}.
	 */
	public void acceptAll() {
		this.refusal = null;
	}

	/**
	 * Hold every request, unanswered, until {@link #releaseAnswers()} (at most 30 seconds).
	 */
	public void holdAnswers() {
		this.held = new CountDownLatch(1);
	}

	/**
	 * Answer the requests held since {@link #holdAnswers()}, and the next ones at once.
	 */
	public void releaseAnswers() {
		this.held.countDown();
	}

	/**
	 * Handle the next request that is not refused as usual, storing its rows, but change the
	 * answer: delay it, or drop the connection before it is sent.
	 * @param alteration changes the answer
	 */
	public void alterNextAnswer(UnaryOperator<MockResponse.Builder> alteration) {
		this.alterations.add(alteration);
	}

	/**
	 * Return the rows stored in a table, in insertion order.
	 * @param table the table
	 * @return the rows, empty if the table does not exist
	 */
	public List<ObjectNode> rows(String table) {
		return this.tables.rows(table);
	}

	/**
	 * Return the bodies of every request received, scripted answers included.
	 * @return the bodies
	 */
	public List<String> requestBodies() {
		return List.copyOf(this.requestBodies);
	}

	/**
	 * Return when each request arrived, in {@link System#nanoTime()}, in the order of
	 * {@link #requestBodies()}.
	 * @return the arrival times
	 */
	public List<Long> requestArrivals() {
		return List.copyOf(this.requestArrivals);
	}

	// MockWebServer reads request-side socket effects (such as onRequestBody) from peek(),
	// before it dispatches: show it the scripted answer that the next request will get.
	@Override
	public MockResponse peek() {
		MockResponse next = this.scripted.peek();
		if (next == null) {
			next = this.refusal;
		}
		return (next != null) ? next : super.peek();
	}

	@Override
	public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
		long arrived = System.nanoTime();
		String body = (request.getBody() != null) ? request.getBody().utf8() : "";
		synchronized (this.requestBodies) {
			this.requestArrivals.add(arrived);
			this.requestBodies.add(body);
		}
		this.held.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
		MockResponse script = this.scripted.poll();
		if (script != null) {
			return script;
		}
		MockResponse refusal = this.refusal;
		if (refusal != null) {
			return refusal;
		}
		MockResponse answer = handle(request);
		UnaryOperator<MockResponse.Builder> alteration = this.alterations.poll();
		return (alteration != null) ? alteration.apply(new MockResponse.Builder(answer)).build() : answer;
	}

	private MockResponse handle(RecordedRequest request) {
		byte[] body = (request.getBody() != null) ? request.getBody().toByteArray() : new byte[0];
		return response(this.api.handle(new DatasetteWriteApi.Request(request.getMethod(),
				request.getUrl().encodedPath(), request.getHeaders().get("Authorization"),
				request.getHeaders().get("Upgrade"), (request.getBodySize() > this.api.maxBodySize()) ? null : body)));
	}

	private static MockResponse response(DatasetteWriteApi.Answer answer) {
		MockResponse.Builder response = new MockResponse.Builder().code(answer.status())
			.setHeader("Content-Type", answer.contentType())
			.body(answer.body());
		answer.headers().forEach(response::setHeader);
		return response.build();
	}

	/**
	 * Datasette 1.0a36+'s error answer.
	 * @param status the status
	 * @param message the message
	 * @return the answer
	 */
	public static MockResponse error(int status, String message) {
		return response(DatasetteWriteApi.Answer.error(status, message));
	}

}
