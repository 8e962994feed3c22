package io.github.eventsforward.test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The two calls of Datasette's JSON write API that the forwarder makes,
 * {@code POST /<db>/-/create} and {@code POST /<db>/<table>/-/insert}, answered as a
 * Datasette 1.0a37 server answers them: {@code ignore}, {@code replace}, {@code pk} and
 * {@code alter}, Bearer tokens ({@code 403} for anonymous, {@code 401} for a {@code dstok_}
 * token that is not the one it accepts), the 100-row insert limit, the 2 MB body limit, an
 * HTML page for a database it does not have, and its JSON error bodies. The rows go to a
 * {@link Tables} store: in memory for {@link FakeDatasette}, or a store of your own.
 * <p>
 * It speaks no HTTP itself: a server hands each request to {@link #handle(Request)} and
 * sends the {@link Answer} back. {@link FakeDatasette} does that on a port of its own.
 */
public final class DatasetteWriteApi {

	/** Rows one {@code /-/insert} may carry, Datasette's {@code max_insert_rows}. */
	public static final int MAX_INSERT_ROWS = 100;

	/** Largest request body, Datasette's {@code max_post_body_bytes}. */
	public static final long MAX_POST_BODY_BYTES = 2_097_152;

	private static final Pattern CREATE = Pattern.compile("^/([^/]+)/-/create$");

	private static final Pattern INSERT = Pattern.compile("^/([^/]+)/([^/]+)/-/insert$");

	private static final Set<String> CREATE_KEYS = Set.of("table", "rows", "row", "columns", "pk", "pks", "ignore",
			"replace", "alter");

	private static final Set<String> INSERT_KEYS = Set.of("rows", "row", "ignore", "replace", "alter", "return");

	private static final JsonMapper json = JsonMapper.shared();

	private final String database;

	private final Tables tables;

	private volatile @Nullable String token;

	private volatile int maxInsertRows = MAX_INSERT_ROWS;

	private volatile long maxBodySize = MAX_POST_BODY_BYTES;

	private volatile Refusal refusal = new Refusal((row) -> false, "");

	/**
	 * A write API for one database.
	 * @param database the database name, as in the URLs
	 * @param token the only token that may write, or {@code null} to let anyone write
	 * @param tables where the rows go
	 */
	public DatasetteWriteApi(String database, @Nullable String token, Tables tables) {
		this.database = database;
		this.token = token;
		this.tables = tables;
	}

	/**
	 * Return the database name.
	 * @return the name
	 */
	public String database() {
		return this.database;
	}

	/**
	 * Return the token that may write.
	 * @return the token, or {@code null} when anyone may
	 */
	public @Nullable String token() {
		return this.token;
	}

	/**
	 * Accept another token from now on, as after the server's secret was rotated.
	 * @param token the token that may write, or {@code null} to let anyone write
	 */
	public void acceptToken(@Nullable String token) {
		this.token = token;
	}

	/**
	 * Change how many rows one {@code /-/insert} may carry.
	 * @param rows the limit, {@value #MAX_INSERT_ROWS} unless changed
	 */
	public void maxInsertRows(int rows) {
		this.maxInsertRows = rows;
	}

	/**
	 * Change the largest request body accepted; larger ones are answered with 413.
	 * @param bytes the limit, {@value #MAX_POST_BODY_BYTES} unless changed
	 */
	public void maxBodySize(long bytes) {
		this.maxBodySize = bytes;
	}

	/**
	 * Return the largest request body accepted.
	 * @return the limit in bytes
	 */
	public long maxBodySize() {
		return this.maxBodySize;
	}

	/**
	 * Refuse every request that carries a matching row with 400 and this message, storing
	 * none of its rows, as an insert that breaks a constraint of the table is refused.
	 * @param rows which rows the table refuses; {@code (row) -> false} to accept all again
	 * @param message the server's message
	 */
	public void rejectRows(Predicate<ObjectNode> rows, String message) {
		this.refusal = new Refusal(rows, message);
	}

	/**
	 * Answer one request.
	 * @param request the request
	 * @return the answer
	 */
	public Answer handle(Request request) {
		String upgrade = request.upgrade();
		if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("h2c")) {
			// Datasette's server speaks HTTP/1.1 only, and refuses a cleartext HTTP/2 upgrade.
			return new Answer(400, "text/plain; charset=utf-8", Map.of(), "Unsupported upgrade request");
		}
		Matcher create = CREATE.matcher(request.path());
		Matcher insert = INSERT.matcher(request.path());
		if (!"POST".equals(request.method()) || !(create.matches() || insert.matches())) {
			return Answer.error(404, "Not found: " + request.path());
		}
		String db = create.matches() ? create.group(1) : insert.group(1);
		if (!this.database.equals(db)) {
			return Answer.htmlNotFound("Database not found: " + db);
		}
		Answer denied = checkToken(request.authorization());
		if (denied != null) {
			return denied;
		}
		byte[] body = request.body();
		long maxBodySize = this.maxBodySize;
		if (body == null || body.length > maxBodySize) {
			return Answer.error(413, "Request body exceeded maximum size of " + maxBodySize + " bytes");
		}
		try {
			ObjectNode data = parse(body);
			return create.matches() ? create(data) : insert(insert.group(2), data);
		}
		catch (WriteRefusedException ex) {
			return Answer.error(ex.status(), ex.getMessage());
		}
	}

	private @Nullable Answer checkToken(@Nullable String authorization) {
		String token = this.token;
		if (token == null) {
			return null;
		}
		if (authorization == null || !authorization.startsWith("Bearer dstok_")) {
			// No token, no dstok_ prefix or a lowercase scheme: an anonymous user.
			return Answer.error(403, "Permission denied");
		}
		if (!authorization.substring("Bearer ".length()).equals(token)) {
			return Answer.error(401, "Invalid token signature")
				.withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
		}
		return null;
	}

	private static ObjectNode parse(byte[] body) {
		JsonNode data;
		try {
			data = json.readTree(new String(body, StandardCharsets.UTF_8));
		}
		catch (JacksonException ex) {
			throw WriteRefusedException.badRequest("Invalid JSON: " + ex.getOriginalMessage());
		}
		if (!(data instanceof ObjectNode object)) {
			throw WriteRefusedException.badRequest("JSON must be a dictionary");
		}
		return object;
	}

	private Answer create(ObjectNode data) {
		checkKeys(data, CREATE_KEYS);
		String table = data.path("table").asString("");
		if (table.isEmpty()) {
			throw WriteRefusedException.badRequest("Table is required");
		}
		List<ObjectNode> rows = rows(data);
		if (rows.isEmpty()) {
			throw WriteRefusedException.badRequest("columns, rows or row is required");
		}
		Conflict conflict = conflict(data);
		String pk = data.path("pk").asString("");
		if (conflict != Conflict.FAIL && pk.isEmpty()) {
			throw WriteRefusedException.badRequest("ignore and replace require pk or pks");
		}
		checkRefusal(rows);
		String schema = this.tables.create(table, pk.isEmpty() ? "rowid" : pk, rows, conflict,
				data.path("alter").asBoolean(false));
		ObjectNode answer = json.createObjectNode();
		answer.put("ok", true);
		answer.put("database", this.database);
		answer.put("table", table);
		answer.put("table_url", "/" + this.database + "/" + table);
		answer.put("table_api_url", "/" + this.database + "/" + table + ".json");
		answer.put("schema", schema);
		answer.put("row_count", rows.size());
		return Answer.json(201, answer.toString());
	}

	private Answer insert(String table, ObjectNode data) {
		checkKeys(data, INSERT_KEYS);
		if (!data.has("rows") && !data.has("row")) {
			throw WriteRefusedException.badRequest("JSON must have one or other of \"row\" or \"rows\"");
		}
		List<ObjectNode> rows = rows(data);
		int maxInsertRows = this.maxInsertRows;
		if (rows.size() > maxInsertRows) {
			throw WriteRefusedException.badRequest("Too many rows, maximum allowed is " + maxInsertRows);
		}
		Conflict conflict = conflict(data);
		checkRefusal(rows);
		this.tables.insert(table, rows, conflict, data.path("alter").asBoolean(false));
		return Answer.json(201, "{\"ok\": true}");
	}

	private void checkRefusal(List<ObjectNode> rows) {
		Refusal refusal = this.refusal;
		for (ObjectNode row : rows) {
			if (refusal.rows().test(row)) {
				// The insert runs in one transaction: nothing of the request is stored.
				throw WriteRefusedException.badRequest(refusal.message());
			}
		}
	}

	private static void checkKeys(ObjectNode data, Set<String> allowed) {
		for (String key : data.propertyNames()) {
			if (!allowed.contains(key)) {
				throw WriteRefusedException.badRequest("Invalid parameter: \"" + key + "\"");
			}
		}
	}

	private static List<ObjectNode> rows(ObjectNode data) {
		if (data.has("row")) {
			if (!(data.get("row") instanceof ObjectNode row)) {
				throw WriteRefusedException.badRequest("\"row\" must be a dictionary");
			}
			return List.of(row);
		}
		JsonNode rows = data.path("rows");
		if (!rows.isArray()) {
			throw WriteRefusedException.badRequest("\"rows\" must be a list of dictionaries");
		}
		List<ObjectNode> result = new ArrayList<>();
		for (JsonNode row : rows) {
			if (!(row instanceof ObjectNode object)) {
				throw WriteRefusedException.badRequest("\"rows\" must be a list of dictionaries");
			}
			result.add(object);
		}
		return result;
	}

	private static Conflict conflict(ObjectNode data) {
		boolean ignore = data.path("ignore").asBoolean(false);
		boolean replace = data.path("replace").asBoolean(false);
		if (ignore && replace) {
			throw WriteRefusedException.badRequest("ignore and replace are mutually exclusive");
		}
		return ignore ? Conflict.IGNORE : replace ? Conflict.REPLACE : Conflict.FAIL;
	}

	private record Refusal(Predicate<ObjectNode> rows, String message) {
	}

	/**
	 * A request, reduced to what Datasette's answer depends on.
	 *
	 * @param method the HTTP method
	 * @param path the raw path, without the query
	 * @param authorization the {@code Authorization} header, if any
	 * @param upgrade the {@code Upgrade} header, if any
	 * @param body the body, or {@code null} when it was larger than
	 * {@link DatasetteWriteApi#maxBodySize()} and the server did not read it all
	 */
	public record Request(String method, String path, @Nullable String authorization, @Nullable String upgrade,
			byte @Nullable [] body) {
	}

	/**
	 * An answer to send.
	 *
	 * @param status the status code
	 * @param contentType the {@code Content-Type}
	 * @param headers further headers
	 * @param body the body
	 */
	public record Answer(int status, String contentType, Map<String, String> headers, String body) {

		/**
		 * A JSON answer.
		 * @param status the status code
		 * @param body the JSON text
		 * @return the answer
		 */
		public static Answer json(int status, String body) {
			return new Answer(status, "application/json; charset=utf-8", Map.of(), body);
		}

		/**
		 * Datasette's JSON error answer (1.0a36 and newer):
		 * {@code {"ok": false, "error": m, "errors": [m], "status": n}}.
		 * @param status the status code
		 * @param message the message
		 * @return the answer
		 */
		public static Answer error(int status, String message) {
			ObjectNode body = json.createObjectNode();
			body.put("ok", false);
			body.put("error", message);
			body.putArray("errors").add(message);
			body.put("status", status);
			return json(status, body.toString());
		}

		/**
		 * Datasette's 404 page: HTML, not JSON, as for a database it does not have.
		 * @param message what was not found
		 * @return the answer
		 */
		public static Answer htmlNotFound(String message) {
			return new Answer(404, "text/html; charset=utf-8", Map.of(),
					"<!DOCTYPE html>\n<html><head><title>Error 404</title></head>"
							+ "<body><h1>Error 404</h1><p>" + message + "</p></body></html>");
		}

		/**
		 * Return this answer with one more header.
		 * @param name the header's name
		 * @param value its value
		 * @return a new answer
		 */
		public Answer withHeader(String name, String value) {
			Map<String, String> headers = new java.util.LinkedHashMap<>(this.headers);
			headers.put(name, value);
			return new Answer(this.status, this.contentType, Map.copyOf(headers), this.body);
		}

	}

	/**
	 * What to do with a row whose primary key is already stored.
	 */
	public enum Conflict {

		/** Fail the whole request: 400 {@code UNIQUE constraint failed: <table>.<pk>}. */
		FAIL,

		/** Keep the stored row ({@code "ignore": true}). */
		IGNORE,

		/** Replace the stored row ({@code "replace": true}). */
		REPLACE

	}

	/**
	 * Where a write API stores rows. A method refuses a write by throwing
	 * {@link WriteRefusedException}, and then stores none of its rows.
	 */
	public interface Tables {

		/**
		 * Create the table if it is missing, then store the rows, as {@code /-/create} does.
		 * @param table the table
		 * @param pk its primary key column, {@code rowid} when the request named none
		 * @param rows the rows
		 * @param conflict what to do about rows already stored
		 * @param alter whether columns the table lacks may be added
		 * @return the table's {@code CREATE TABLE} statement
		 */
		String create(String table, String pk, List<ObjectNode> rows, Conflict conflict, boolean alter);

		/**
		 * Store the rows in an existing table, as {@code /-/insert} does; a missing table is
		 * refused with 404 {@code Table not found}.
		 * @param table the table
		 * @param rows the rows
		 * @param conflict what to do about rows already stored
		 * @param alter whether columns the table lacks may be added
		 */
		void insert(String table, List<ObjectNode> rows, Conflict conflict, boolean alter);

	}

	/**
	 * Return the SQLite type Datasette gives a column that it creates, or adds with
	 * {@code alter}, for the first value the rows have for it: {@code INTEGER} for whole
	 * numbers and booleans, {@code REAL} for other numbers, {@code TEXT} for the rest.
	 * @param value the value, {@code null} if the row lacks it
	 * @return the column's type
	 */
	public static String columnType(@Nullable JsonNode value) {
		if (value == null || value.isNull() || value.isString() || value.isContainer()) {
			return "TEXT";
		}
		if (value.isIntegralNumber() || value.isBoolean()) {
			return "INTEGER";
		}
		return value.isNumber() ? "REAL" : "TEXT";
	}

}
