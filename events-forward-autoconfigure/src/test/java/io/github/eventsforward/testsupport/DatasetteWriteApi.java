package io.github.eventsforward.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A MockWebServer dispatcher that answers the two write API calls the forwarder makes as a
 * real Datasette 1.0a37 server does: {@code POST /<db>/-/create} and
 * {@code POST /<db>/<table>/-/insert}, with {@code ignore} and {@code pk}, Bearer tokens,
 * the 100-row insert limit, the 2 MB body limit, status codes and error bodies, and HTTP/1.1
 * only (a cleartext HTTP/2 upgrade is refused with 400). Stored rows
 * are kept per table, keyed by id, so duplicates are visible (or rather, invisible) exactly
 * as on the server. Scripted answers queued with {@link #enqueue(MockResponse)} are served
 * first, one per request.
 * <p>
 * Tests can also change the server while it runs, as an operator would: the token it
 * accepts ({@link #acceptToken(String)}), its body limit ({@link #maxBodySize(long)}), rows
 * its table refuses ({@link #rejectRows(Predicate, String)}); or make it misbehave: answer
 * everything alike ({@link #refuseAll(MockResponse)}), hold answers back
 * ({@link #holdAnswers()}), or store a request and then lose or delay its answer
 * ({@link #alterNextAnswer(UnaryOperator)}).
 */
public class DatasetteWriteApi extends Dispatcher {

	/** The token a test client should send. */
	public static final String TOKEN = "dstok_eyJhIjoicm9vdCIsInQiOjE3MDAwMDAwMDB9.test-signature";

	private static final Pattern CREATE = Pattern.compile("^/([^/]+)/-/create$");

	private static final Pattern INSERT = Pattern.compile("^/([^/]+)/([^/]+)/-/insert$");

	private static final int MAX_INSERT_ROWS = 100;

	private static final long MAX_POST_BODY_BYTES = 2_097_152;

	private static final long MAX_HOLD_SECONDS = 30;

	private static final Set<String> CREATE_KEYS = Set.of("table", "rows", "row", "columns", "pk", "pks", "ignore",
			"replace", "alter");

	private static final Set<String> INSERT_KEYS = Set.of("rows", "row", "ignore", "replace", "alter", "return");

	private final JsonMapper json = JsonMapper.shared();

	private final String database;

	private volatile @Nullable String token;

	private volatile long maxBodySize = MAX_POST_BODY_BYTES;

	private volatile @Nullable MockResponse refusal;

	private volatile CountDownLatch held = new CountDownLatch(0);

	private volatile Predicate<JsonNode> rejectedRows = (row) -> false;

	private volatile String rejection = "";

	private final BlockingQueue<UnaryOperator<MockResponse.Builder>> alterations = new LinkedBlockingQueue<>();

	private final Map<String, Map<String, ObjectNode>> tables = new ConcurrentHashMap<>();

	private final BlockingQueue<MockResponse> scripted = new LinkedBlockingQueue<>();

	private final List<String> requestBodies = new CopyOnWriteArrayList<>();

	private final List<Long> requestArrivals = new CopyOnWriteArrayList<>();

	/**
	 * A server with database {@code data} that expects {@link #TOKEN}.
	 */
	public DatasetteWriteApi() {
		this("data", TOKEN);
	}

	/**
	 * A server with one database.
	 * @param database the database name
	 * @param token the token that may write, or {@code null} to let anonymous users write
	 */
	public DatasetteWriteApi(String database, @Nullable String token) {
		this.database = database;
		this.token = token;
	}

	/**
	 * Create a table, as {@code /-/create} would have.
	 * @param table the table name
	 * @return this
	 */
	public DatasetteWriteApi withTable(String table) {
		this.tables.putIfAbsent(table, new LinkedHashMap<>());
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
		this.token = token;
	}

	/**
	 * Refuse request bodies over this size with 413, as the server's limit does.
	 * @param bytes the largest body accepted
	 */
	public void maxBodySize(long bytes) {
		this.maxBodySize = bytes;
	}

	/**
	 * Refuse every request that carries a matching row with 400 and the message, storing
	 * none of its rows, as an insert that fails a constraint of the table does.
	 * @param rows which rows the table refuses
	 * @param message the server's message
	 */
	public void rejectRows(Predicate<JsonNode> rows, String message) {
		this.rejection = message;
		this.rejectedRows = rows;
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
		Map<String, ObjectNode> rows = this.tables.get(table);
		if (rows == null) {
			return List.of();
		}
		synchronized (rows) {
			return new ArrayList<>(rows.values());
		}
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
		MockResponse answer = handle(request, body);
		UnaryOperator<MockResponse.Builder> alteration = this.alterations.poll();
		return (alteration != null) ? alteration.apply(new MockResponse.Builder(answer)).build() : answer;
	}

	private MockResponse handle(RecordedRequest request, String body) {
		String upgrade = request.getHeaders().get("Upgrade");
		if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("h2c")) {
			// Datasette's server speaks HTTP/1.1 only, and refuses a cleartext HTTP/2 upgrade.
			return new MockResponse.Builder().code(400)
				.setHeader("Content-Type", "text/plain; charset=utf-8")
				.body("Unsupported upgrade request")
				.build();
		}
		String path = request.getUrl().encodedPath();
		Matcher create = CREATE.matcher(path);
		Matcher insert = INSERT.matcher(path);
		if (!"POST".equals(request.getMethod()) || !(create.matches() || insert.matches())) {
			return error(404, "Not found: " + path);
		}
		String db = create.matches() ? create.group(1) : insert.group(1);
		if (!this.database.equals(db)) {
			return htmlNotFound(db);
		}
		String token = this.token;
		String authorization = request.getHeaders().get("Authorization");
		if (token != null && !authorized(authorization, token)) {
			if (authorization != null && authorization.startsWith("Bearer dstok_")) {
				return new MockResponse.Builder(error(401, "Invalid token signature"))
					.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
					.build();
			}
			return error(403, "Permission denied");
		}
		long maxBodySize = this.maxBodySize;
		if (request.getBodySize() > maxBodySize) {
			return error(413, "Request body exceeded maximum size of " + maxBodySize + " bytes");
		}
		JsonNode data;
		try {
			data = this.json.readTree(body);
		}
		catch (JacksonException ex) {
			return error(400, "Invalid JSON: " + ex.getOriginalMessage());
		}
		if (!(data instanceof ObjectNode object)) {
			return error(400, "JSON must be a dictionary");
		}
		return create.matches() ? create(object) : insert(insert.group(2), object);
	}

	private static boolean authorized(@Nullable String header, String token) {
		if (header == null || !header.startsWith("Bearer ")) {
			return false;
		}
		String presented = header.substring("Bearer ".length());
		return presented.startsWith("dstok_") && presented.equals(token);
	}

	private MockResponse create(ObjectNode data) {
		List<String> invalid = data.propertyNames().stream().filter((key) -> !CREATE_KEYS.contains(key)).toList();
		if (!invalid.isEmpty()) {
			return error(400, "Invalid parameter: \"" + invalid.get(0) + "\"");
		}
		String table = data.path("table").asString("");
		if (table.isEmpty()) {
			return error(400, "Table is required");
		}
		JsonNode rows = data.path("rows");
		if (!rows.isArray() || rows.isEmpty()) {
			return error(400, "columns, rows or row is required");
		}
		boolean ignore = data.path("ignore").asBoolean(false);
		if (ignore && data.path("replace").asBoolean(false)) {
			return error(400, "ignore and replace are mutually exclusive");
		}
		if (ignore && !data.has("pk") && !data.has("pks")) {
			return error(400, "ignore and replace require pk or pks");
		}
		if (data.has("pk") && !"id".equals(data.path("pk").asString(""))) {
			return error(400, "pk cannot be changed for existing table");
		}
		this.tables.computeIfAbsent(table, (name) -> new LinkedHashMap<>());
		MockResponse failure = store(table, rows, ignore);
		if (failure != null) {
			return failure;
		}
		ObjectNode answer = this.json.createObjectNode();
		answer.put("ok", true);
		answer.put("database", this.database);
		answer.put("table", table);
		answer.put("table_url", "http://localhost/" + this.database + "/" + table);
		answer.put("table_api_url", "http://localhost/" + this.database + "/" + table + ".json");
		answer.put("schema", "CREATE TABLE [" + table + "] (\n   [id] TEXT PRIMARY KEY,\n   [instance] TEXT,\n"
				+ "   [event] TEXT,\n   [created] TEXT,\n   [actor_id] TEXT,\n   [database_name] TEXT,\n"
				+ "   [table_name] TEXT,\n   [properties] TEXT\n)");
		answer.put("row_count", rows.size());
		return json(201, answer.toString());
	}

	private MockResponse insert(String table, ObjectNode data) {
		List<String> invalid = data.propertyNames().stream().filter((key) -> !INSERT_KEYS.contains(key)).toList();
		if (!invalid.isEmpty()) {
			return error(400, "Invalid parameter: \"" + invalid.get(0) + "\"");
		}
		if (!this.tables.containsKey(table)) {
			return error(404, "Table not found");
		}
		JsonNode rows = data.path("rows");
		if (!rows.isArray()) {
			return error(400, "JSON must have one or other of \"row\" or \"rows\"");
		}
		if (rows.size() > MAX_INSERT_ROWS) {
			return error(400, "Too many rows, maximum allowed is " + MAX_INSERT_ROWS);
		}
		MockResponse failure = store(table, rows, data.path("ignore").asBoolean(false));
		return (failure != null) ? failure : json(201, "{\"ok\": true}");
	}

	private @Nullable MockResponse store(String table, JsonNode rows, boolean ignore) {
		Map<String, ObjectNode> stored = this.tables.get(table);
		Predicate<JsonNode> rejected = this.rejectedRows;
		synchronized (stored) {
			Map<String, ObjectNode> batch = new LinkedHashMap<>();
			for (JsonNode row : rows) {
				if (!(row instanceof ObjectNode object)) {
					return error(400, "\"rows\" must be a list of dictionaries");
				}
				if (rejected.test(object)) {
					// The insert runs in one transaction: nothing of the request is stored.
					return error(400, this.rejection);
				}
				String id = object.path("id").asString("");
				if (!ignore && (stored.containsKey(id) || batch.containsKey(id))) {
					return error(400, "UNIQUE constraint failed: " + table + ".id");
				}
				batch.putIfAbsent(id, object);
			}
			batch.forEach(stored::putIfAbsent);
		}
		return null;
	}

	/**
	 * Datasette 1.0a36+'s error answer.
	 * @param status the status
	 * @param message the message
	 * @return the answer
	 */
	public static MockResponse error(int status, String message) {
		ObjectNode body = JsonMapper.shared().createObjectNode();
		body.put("ok", false);
		body.put("error", message);
		body.putArray("errors").add(message);
		body.put("status", status);
		return json(status, body.toString());
	}

	private static MockResponse htmlNotFound(String database) {
		return new MockResponse.Builder().code(404)
			.setHeader("Content-Type", "text/html; charset=utf-8")
			.body("<!DOCTYPE html>\n<html><head><title>Error 404</title><style>body{margin:0}</style></head>"
					+ "<body><h1>Error 404</h1><p>Database not found: " + database + "</p></body></html>")
			.build();
	}

	private static MockResponse json(int status, String body) {
		return new MockResponse.Builder().code(status)
			.setHeader("Content-Type", "application/json; charset=utf-8")
			.body(body)
			.build();
	}

}
