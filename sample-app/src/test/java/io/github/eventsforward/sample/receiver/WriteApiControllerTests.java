package io.github.eventsforward.sample.receiver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.github.eventsforward.sample.SampleApplication;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Talks to the sample's stand-in Datasette receiver over HTTP, as the starter does, and
 * checks that it answers as Datasette 1.0a37's JSON write API does and stores what it is
 * sent in its SQLite file. The answers themselves come from the test artifact's
 * {@code DatasetteWriteApi}, whose own tests cover every message. The sample runs once for
 * the class, with forwarding and the event generator off, so only these requests reach the
 * receiver; every test uses ids of its own.
 */
class WriteApiControllerTests {

	private static final String TOKEN = "dstok_write-api-controller-tests";

	private static final String TABLE = "datasette_events";

	private static final String CREATE = "/events/-/create";

	private static final String INSERT = "/events/" + TABLE + "/-/insert";

	private static final List<String> STARTER_COLUMNS = List.of("id", "instance", "event", "created", "actor_id",
			"database_name", "table_name", "properties");

	private static final JsonMapper json = JsonMapper.shared();

	private static final AtomicLong ids = new AtomicLong();

	@TempDir
	static Path folder;

	private static Path database;

	private static ConfigurableApplicationContext app;

	private static WebTestClient client;

	@BeforeAll
	static void startTheSampleAndCreateTheEventsTable() {
		database = folder.resolve("events.db");
		app = new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0",
				"--sample.receiver.database-file=" + database, "--sample.receiver.token=" + TOKEN,
				"--sample.generator.enabled=false", "--datasette.events-forward.enabled=false");
		client = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + app.getEnvironment().getProperty("local.server.port"))
			.build();
		// The starter's first request: it makes the table.
		Answer created = post(CREATE, createBody(TABLE, row(newId())));
		assertThat(created.status()).as(created.body()).isEqualTo(201);
	}

	@AfterAll
	static void stopTheSample() {
		if (app != null) {
			app.close();
		}
	}

	// /-/create

	@Test
	void createOnANewTableAnswers201WithTheTableItsUrlsItsSchemaAndTheRowCount() {
		Answer answer = post(CREATE, createBody("shop_events", row(newId()), row(newId())));

		assertThat(answer.status()).isEqualTo(201);
		assertThat(answer.isJson()).as(answer.headers().toString()).isTrue();
		JsonNode body = answer.json();
		assertThat(body.get("ok").asBoolean()).isTrue();
		assertThat(body.get("database").asString()).isEqualTo("events");
		assertThat(body.get("table").asString()).isEqualTo("shop_events");
		assertThat(body.get("table_url").asString()).endsWith("/events/shop_events");
		assertThat(body.get("table_api_url").asString()).endsWith("/events/shop_events.json");
		assertThat(body.get("schema").asString()).startsWith("CREATE TABLE").contains("shop_events");
		assertThat(body.get("row_count").asInt()).isEqualTo(2);
	}

	@Test
	void createMakesATableWithExactlyTheStartersColumnsAndIdAsTextPrimaryKey() throws Exception {
		// The starter's first batch often has no actor, database or table: nulls.
		ObjectNode first = row(newId());
		ObjectNode second = row(newId()).put("actor_id", "zoe").put("database_name", "shop").put("table_name", "orders");
		Answer answer = post(CREATE, createBody("audit_events", first, second));

		assertThat(answer.status()).as(answer.body()).isEqualTo(201);
		List<Map<String, Object>> columns = query("SELECT name, type, pk FROM pragma_table_info('audit_events')");
		assertThat(columns).extracting((column) -> column.get("name")).containsExactlyElementsOf(STARTER_COLUMNS);
		assertThat(columns.get(0)).containsEntry("type", "TEXT").containsEntry("pk", 1);
		assertThat(columns.subList(1, columns.size())).allSatisfy((column) -> assertThat(column).containsEntry("pk", 0));
		assertThat(query("SELECT id FROM audit_events ORDER BY id")).extracting((row) -> row.get("id"))
			.containsExactly(first.get("id").asString(), second.get("id").asString());
	}

	@Test
	void createOnTheExistingTableInsertsTheNewRowsSkipsDuplicatesAndCountsTheRowsSent() throws Exception {
		ObjectNode a = row(newId());
		ObjectNode b = row(newId());
		ObjectNode c = row(newId());
		assertThat(post(CREATE, createBody(TABLE, a, b)).status()).isEqualTo(201);

		Answer again = post(CREATE, createBody(TABLE, b, c));

		assertThat(again.status()).isEqualTo(201);
		assertThat(again.json().get("ok").asBoolean()).isTrue();
		assertThat(again.json().get("row_count").asInt()).isEqualTo(2);
		assertThat(again.json().get("schema").asString()).startsWith("CREATE TABLE");
		assertThat(storedIds(a, b, c)).containsExactly(id(a), id(b), id(c));
	}

	@Test
	void createIsNotHeldToTheInsertRowLimit() throws Exception {
		ObjectNode[] rows = rows(150);

		Answer answer = post(CREATE, createBody(TABLE, rows));

		assertThat(answer.status()).as(answer.body()).isEqualTo(201);
		assertThat(answer.json().get("row_count").asInt()).isEqualTo(150);
		assertThat(storedIds(rows)).hasSize(150);
	}

	@Test
	void createWithIgnoreButNoPkIsRefusedAndMakesNoTable() throws Exception {
		ObjectNode body = createBody("pkless_events", row(newId()));
		body.remove("pk");

		Answer answer = post(CREATE, body);

		assertError(answer, 400, "ignore and replace require pk or pks");
		assertThat(query("SELECT name FROM sqlite_master WHERE name = 'pkless_events'")).isEmpty();
	}

	@Test
	void createWithAnotherPkThanTheExistingTablesIsRefused() throws Exception {
		ObjectNode row = row(newId());
		ObjectNode body = createBody(TABLE, row).put("pk", "event");

		Answer answer = post(CREATE, body);

		assertError(answer, 400, "pk cannot be changed for existing table");
		assertThat(storedIds(row)).isEmpty();
	}

	@Test
	void createWithAColumnTheExistingTableLacksIsRefused() throws Exception {
		ObjectNode row = row(newId()).put("newcol", "surprise");

		Answer answer = post(CREATE, createBody(TABLE, row));

		assertError(answer, 400, "table datasette_events has no column named newcol");
		assertThat(storedIds(row)).isEmpty();
		assertThat(query("SELECT name FROM pragma_table_info('datasette_events')")).extracting((c) -> c.get("name"))
			.containsExactlyElementsOf(STARTER_COLUMNS);
	}

	// /-/insert

	@Test
	void insertAnswers201WithJustOkAndStoresTheRowsAsSent() throws Exception {
		ObjectNode row = row(newId()).put("actor_id", "zoe").put("database_name", "shop").put("table_name", "orders");

		Answer answer = post(INSERT, insertBody(row));

		assertThat(answer.status()).isEqualTo(201);
		assertThat(answer.isJson()).as(answer.headers().toString()).isTrue();
		assertThat(answer.json()).isEqualTo(json.readTree("{\"ok\": true}"));
		Map<String, Object> stored = stored(id(row));
		assertThat(stored.keySet()).containsExactlyElementsOf(STARTER_COLUMNS);
		STARTER_COLUMNS
			.forEach((column) -> assertThat(stored.get(column)).as(column).isEqualTo(row.get(column).asString()));
	}

	@Test
	void aBatchSentTwiceWithIgnoreIsStoredOnce() throws Exception {
		ObjectNode[] batch = rows(3);
		assertThat(post(INSERT, insertBody(batch)).status()).isEqualTo(201);

		// A retry after a lost answer: the same rows again.
		Answer retry = post(INSERT, insertBody(batch));

		assertThat(retry.status()).isEqualTo(201);
		assertThat(retry.json().get("ok").asBoolean()).isTrue();
		assertThat(storedIds(batch)).hasSize(3).doesNotHaveDuplicates();
	}

	@Test
	void aBatchOfOnlyDuplicatesWithIgnoreStillAnswers201AndKeepsTheStoredRows() throws Exception {
		ObjectNode row = row(newId());
		assertThat(post(INSERT, insertBody(row)).status()).isEqualTo(201);
		ObjectNode changed = row.deepCopy().put("event", "changed");

		Answer answer = post(INSERT, insertBody(changed));

		assertThat(answer.status()).isEqualTo(201);
		assertThat(stored(id(row))).containsEntry("event", row.get("event").asString());
	}

	@Test
	void aDuplicateIdInsideOneBatchWithIgnoreKeepsTheFirstRow() throws Exception {
		ObjectNode first = row(newId()).put("properties", "{\"n\":1}");
		ObjectNode second = first.deepCopy().put("properties", "{\"n\":2}");

		Answer answer = post(INSERT, insertBody(first, second));

		assertThat(answer.status()).isEqualTo(201);
		assertThat(storedIds(first)).hasSize(1);
		assertThat(stored(id(first))).containsEntry("properties", "{\"n\":1}");
	}

	@Test
	void withoutIgnoreOneDuplicateFailsTheWholeBatch() throws Exception {
		ObjectNode existing = row(newId());
		assertThat(post(INSERT, insertBody(existing)).status()).isEqualTo(201);
		ObjectNode before = row(newId());
		ObjectNode after = row(newId());
		ObjectNode body = insertBody(before, existing, after);
		body.remove("ignore");

		Answer answer = post(INSERT, body);

		assertError(answer, 400, "UNIQUE constraint failed: datasette_events.id");
		assertThat(storedIds(before, existing, after)).containsExactly(id(existing));
	}

	@Test
	void insertWithAColumnTheTableLacksIsRefused() throws Exception {
		ObjectNode row = row(newId()).put("extra1", "surprise");

		Answer answer = post(INSERT, insertBody(row));

		assertError(answer, 400, "Row 0 has invalid columns: extra1");
		assertThat(storedIds(row)).isEmpty();
	}

	// Limits

	@Test
	void aBodyOfExactlyTheMaximumSizeIsAccepted() throws Exception {
		ObjectNode row = row(newId());
		String body = padded(insertBody(row), 2_097_152);

		Answer answer = post(INSERT, body, MediaType.APPLICATION_JSON);

		assertThat(answer.status()).as(answer.body()).isEqualTo(201);
		assertThat(storedIds(row)).hasSize(1);
	}

	@Test
	void aBodyOverTheMaximumSizeIsRefusedWith413() throws Exception {
		ObjectNode row = row(newId());
		String body = padded(insertBody(row), 2_097_153);

		Answer answer = post(INSERT, body, MediaType.APPLICATION_JSON);

		assertError(answer, 413, "Request body exceeded maximum size of 2097152 bytes");
		assertThat(storedIds(row)).isEmpty();
	}

	// Request bodies

	@ParameterizedTest(name = "Content-Type: {0}")
	@ValueSource(strings = { "text/plain", "application/x-www-form-urlencoded", "application/octet-stream", "" })
	void theBodyIsReadAsJsonWhateverTheContentType(String contentType) throws Exception {
		ObjectNode row = row(newId());

		Answer answer = post(INSERT, insertBody(row).toString(),
				contentType.isEmpty() ? null : MediaType.parseMediaType(contentType));

		assertThat(answer.status()).as(answer.body()).isEqualTo(201);
		assertThat(storedIds(row)).hasSize(1);
	}

	@Test
	void aNestedObjectValueIsStoredAsJsonText() throws Exception {
		ObjectNode row = row(newId());
		ObjectNode properties = row.putObject("properties");
		properties.put("item", "mug").put("quantity", 3).putArray("tags").add("gift");

		Answer answer = post(INSERT, insertBody(row));

		assertThat(answer.status()).as(answer.body()).isEqualTo(201);
		Object stored = stored(id(row)).get("properties");
		assertThat(stored).isInstanceOf(String.class);
		assertThat(json.readTree((String) stored)).isEqualTo(properties);
	}

	// Authentication

	@ParameterizedTest(name = "Authorization: {0}")
	@ValueSource(strings = { "", "Bearer not-a-datasette-token", "bearer " + TOKEN })
	void aMissingOrMalformedTokenIsPermissionDenied(String authorization) throws Exception {
		ObjectNode row = row(newId());

		Answer answer = post(INSERT, insertBody(row).toString(), MediaType.APPLICATION_JSON,
				authorization.isEmpty() ? null : authorization);

		assertError(answer, 403, "Permission denied");
		assertThat(storedIds(row)).isEmpty();
	}

	@Test
	void aDatasetteTokenOtherThanTheConfiguredOneIsAnInvalidSignature() throws Exception {
		ObjectNode row = row(newId());

		Answer answer = post(INSERT, insertBody(row).toString(), MediaType.APPLICATION_JSON,
				"Bearer dstok_someone-elses-token");

		assertError(answer, 401, "Invalid token signature");
		assertThat(answer.headers().get(HttpHeaders.WWW_AUTHENTICATE)).containsExactly("Bearer error=\"invalid_token\"");
		assertThat(storedIds(row)).isEmpty();
	}

	@Test
	void createAlsoRequiresTheToken() throws Exception {
		ObjectNode row = row(newId());

		Answer answer = post(CREATE, createBody(TABLE, row).toString(), MediaType.APPLICATION_JSON, null);

		assertError(answer, 403, "Permission denied");
		assertThat(storedIds(row)).isEmpty();
	}

	// Unknown tables and databases

	@Test
	void insertIntoAMissingTableIs404TableNotFound() throws Exception {
		Answer answer = post("/events/no_such_table/-/insert", insertBody(row(newId())));

		assertThat(answer.status()).isEqualTo(404);
		assertThat(answer.json().get("ok").asBoolean(true)).isFalse();
		assertThat(answer.json().get("error").asString()).isEqualTo("Table not found");
		assertThat(query("SELECT name FROM sqlite_master WHERE name = 'no_such_table'")).isEmpty();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/elsewhere/-/create", "/elsewhere/datasette_events/-/insert" })
	void aDatabaseOtherThanTheConfiguredOneIs404WithAnHtmlPage(String path) {
		Answer answer = post(path, createBody(TABLE, row(newId())));

		assertThat(answer.status()).isEqualTo(404);
		assertThat(answer.contentType()).isNotNull();
		assertThat(answer.contentType().isCompatibleWith(MediaType.TEXT_HTML)).isTrue();
		assertThat(answer.body()).doesNotStartWith("{").containsIgnoringCase("<html");
	}

	// What a visitor of the sample sees

	@Test
	void receivedEventsListsTheStoredRowsNewestFirstWithTheirCount() throws Exception {
		ObjectNode[] rows = rows(3);
		assertThat(post(INSERT, insertBody(rows)).status()).isEqualTo(201);

		EntityExchangeResult<byte[]> result = client.get()
			.uri("/events/received?limit=3")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();

		JsonNode page = json.readTree(result.getResponseBodyContent());
		long count = ((Number) query("SELECT count(*) AS n FROM datasette_events").get(0).get("n")).longValue();
		assertThat(page.get("rowsStored").asLong()).isEqualTo(count);
		List<String> newest = new ArrayList<>();
		page.get("newest").forEach((row) -> newest.add(row.get("id").asString()));
		assertThat(newest).containsExactly(id(rows[2]), id(rows[1]), id(rows[0]));
		assertThat(page.get("newest").get(0).get("event").asString()).isEqualTo(rows[2].get("event").asString());
	}

	// Helpers

	/** A row as the starter sends it; ids grow, as the starter's ULIDs do. */
	private static ObjectNode row(String id) {
		ObjectNode row = json.createObjectNode();
		row.put("id", id);
		row.put("instance", "sample-shop");
		row.put("event", "page-viewed");
		row.put("created", "2025-06-01T12:00:00.000000+00:00");
		row.putNull("actor_id");
		row.putNull("database_name");
		row.putNull("table_name");
		row.put("properties", "{\"path\":\"/catalog\"}");
		return row;
	}

	private static ObjectNode[] rows(int count) {
		return IntStream.range(0, count).mapToObj((i) -> row(newId())).toArray(ObjectNode[]::new);
	}

	private static String newId() {
		return String.format("01JWTEST%018d", ids.incrementAndGet());
	}

	private static String id(ObjectNode row) {
		return row.get("id").asString();
	}

	/** The body of the starter's {@code /-/create} request. */
	private static ObjectNode createBody(String table, ObjectNode... rows) {
		ObjectNode body = json.createObjectNode();
		body.put("table", table);
		ArrayNode list = body.putArray("rows");
		for (ObjectNode row : rows) {
			list.add(row);
		}
		body.put("pk", "id");
		body.put("ignore", true);
		return body;
	}

	/** The body of the starter's {@code /-/insert} request. */
	private static ObjectNode insertBody(ObjectNode... rows) {
		ObjectNode body = json.createObjectNode();
		ArrayNode list = body.putArray("rows");
		for (ObjectNode row : rows) {
			list.add(row);
		}
		body.put("ignore", true);
		return body;
	}

	/** The JSON text of a body, followed by spaces up to exactly {@code size} bytes. */
	private static String padded(ObjectNode body, int size) {
		String text = body.toString();
		int length = text.getBytes(StandardCharsets.UTF_8).length;
		assertThat(length).isLessThan(size);
		return text + String.join("", Collections.nCopies(size - length, " "));
	}

	private static Answer post(String path, ObjectNode body) {
		return post(path, body.toString(), MediaType.APPLICATION_JSON);
	}

	private static Answer post(String path, String body, @Nullable MediaType contentType) {
		return post(path, body, contentType, "Bearer " + TOKEN);
	}

	private static Answer post(String path, String body, @Nullable MediaType contentType,
			@Nullable String authorization) {
		EntityExchangeResult<byte[]> result = client.post().uri(path).headers((headers) -> {
			if (contentType != null) {
				headers.setContentType(contentType);
			}
			if (authorization != null) {
				headers.set(HttpHeaders.AUTHORIZATION, authorization);
			}
		}).bodyValue(body.getBytes(StandardCharsets.UTF_8)).exchange().expectBody().returnResult();
		byte[] content = result.getResponseBodyContent();
		return new Answer(result.getStatus().value(), result.getResponseHeaders(),
				(content != null) ? new String(content, StandardCharsets.UTF_8) : "");
	}

	/** Datasette's error body: {@code {"ok": false, "error": m, "errors": [m], "status": n}}. */
	private static void assertError(Answer answer, int status, String message) {
		assertThat(answer.status()).as(answer.body()).isEqualTo(status);
		assertErrorShape(answer, status);
		assertThat(answer.json().get("error").asString()).isEqualTo(message);
	}

	private static void assertErrorShape(Answer answer, int status) {
		assertThat(answer.isJson()).as(answer.headers().toString()).isTrue();
		JsonNode body = answer.json();
		assertThat(body.propertyNames()).contains("ok", "error", "errors", "status");
		assertThat(body.get("ok").isBoolean()).isTrue();
		assertThat(body.get("ok").asBoolean()).isFalse();
		assertThat(body.get("errors").isArray()).isTrue();
		assertThat(body.get("errors")).containsExactly(body.get("error"));
		assertThat(body.get("status").asInt()).isEqualTo(status);
	}

	private static List<String> storedIds(ObjectNode... rows) throws Exception {
		List<Object> wanted = new ArrayList<>();
		for (ObjectNode row : rows) {
			wanted.add(id(row));
		}
		String marks = String.join(", ", Collections.nCopies(wanted.size(), "?"));
		return query("SELECT id FROM datasette_events WHERE id IN (" + marks + ") ORDER BY id", wanted.toArray())
			.stream()
			.map((row) -> (String) row.get("id"))
			.toList();
	}

	private static Map<String, Object> stored(String id) throws Exception {
		List<Map<String, Object>> rows = query("SELECT * FROM datasette_events WHERE id = ?", id);
		assertThat(rows).as("rows with id " + id).hasSize(1);
		return rows.get(0);
	}

	private static List<Map<String, Object>> query(String sql, Object... parameters) throws Exception {
		List<Map<String, Object>> rows = new ArrayList<>();
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			for (int i = 0; i < parameters.length; i++) {
				statement.setObject(i + 1, parameters[i]);
			}
			try (ResultSet result = statement.executeQuery()) {
				ResultSetMetaData meta = result.getMetaData();
				while (result.next()) {
					Map<String, Object> row = new LinkedHashMap<>();
					for (int i = 1; i <= meta.getColumnCount(); i++) {
						row.put(meta.getColumnName(i), result.getObject(i));
					}
					rows.add(row);
				}
			}
		}
		return rows;
	}

	private record Answer(int status, HttpHeaders headers, String body) {

		@Nullable MediaType contentType() {
			return this.headers.getContentType();
		}

		boolean isJson() {
			MediaType type = contentType();
			return type != null && type.isCompatibleWith(MediaType.APPLICATION_JSON);
		}

		JsonNode json() {
			return WriteApiControllerTests.json.readTree(this.body);
		}

	}

}
