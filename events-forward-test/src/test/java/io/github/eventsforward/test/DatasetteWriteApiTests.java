package io.github.eventsforward.test;

import java.util.Collections;
import java.util.stream.IntStream;

import io.github.eventsforward.test.WriteApiClient.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ObjectNode;

import static io.github.eventsforward.test.WriteApiClient.createBody;
import static io.github.eventsforward.test.WriteApiClient.insertBody;
import static io.github.eventsforward.test.WriteApiClient.post;
import static io.github.eventsforward.test.WriteApiClient.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fake answers over HTTP as a Datasette 1.0a37 server's JSON write API does: status
 * codes, error bodies, {@code ignore}, limits and tokens.
 */
class DatasetteWriteApiTests {

	private static final String BEARER = "Bearer " + FakeDatasette.DEFAULT_TOKEN;

	private final FakeDatasette datasette = FakeDatasette.start();

	@AfterEach
	void stop() {
		this.datasette.close();
	}

	@Test
	void createMakesTheTableAndAnswers201WithItsSchemaAndTheRowsSent() {
		Answer answer = create(createBody("datasette_events", row(), row()));

		assertThat(answer.status()).isEqualTo(201);
		assertThat(answer.contentType()).startsWith("application/json");
		assertThat(answer.json().get("ok").asBoolean()).isTrue();
		assertThat(answer.json().get("database").asString()).isEqualTo("data");
		assertThat(answer.json().get("table").asString()).isEqualTo("datasette_events");
		assertThat(answer.json().get("table_url").asString()).endsWith("/data/datasette_events");
		assertThat(answer.json().get("schema").asString()).startsWith("CREATE TABLE [datasette_events]")
			.contains("[id] TEXT PRIMARY KEY", "[properties] TEXT");
		assertThat(answer.json().get("row_count").asInt()).isEqualTo(2);
		assertThat(this.datasette.rows("datasette_events")).hasSize(2);
	}

	@Test
	void aNewTableTakesEachColumnsTypeFromItsFirstValue() {
		ObjectNode row = row();
		row.put("quantity", 2);
		row.put("paid", true);
		row.put("total", 19.8);
		row.putObject("address").put("city", "Paris");

		Answer answer = create(createBody("orders", row));

		assertThat(answer.json().get("schema").asString()).contains("[quantity] INTEGER", "[paid] INTEGER",
				"[total] REAL", "[address] TEXT", "[actor_id] TEXT");
	}

	@Test
	void aBatchSentTwiceWithIgnoreIsStoredOnceAndStillAnswers201() {
		ObjectNode a = row();
		ObjectNode b = row();
		create(createBody("datasette_events", a, b));

		Answer again = create(createBody("datasette_events", b, row()));

		assertThat(again.status()).isEqualTo(201);
		assertThat(again.json().get("row_count").asInt()).isEqualTo(2);
		assertThat(this.datasette.rows()).extracting(ReceivedEvent::id).doesNotHaveDuplicates().hasSize(3);
	}

	@Test
	void aDuplicateIdInsideOneBatchKeepsTheFirstRow() {
		ObjectNode first = row().put("properties", "{\"n\":1}");
		ObjectNode second = first.deepCopy().put("properties", "{\"n\":2}");

		create(createBody("datasette_events", first, second));

		assertThat(this.datasette.rows()).singleElement()
			.satisfies((row) -> assertThat(row.property("n")).isEqualTo(1));
	}

	@Test
	void withoutIgnoreOneDuplicateFailsTheWholeBatch() {
		ObjectNode existing = row();
		create(createBody("datasette_events", existing));
		ObjectNode body = insertBody(row(), existing, row());
		body.remove("ignore");

		Answer answer = insert("datasette_events", body);

		assertError(answer, 400, "UNIQUE constraint failed: datasette_events.id");
		assertThat(this.datasette.rows()).hasSize(1);
	}

	@Test
	void createIsNotHeldToTheInsertLimitButInsertIs() {
		Answer create = create(createBody("datasette_events", rows(150)));
		Answer hundred = insert("datasette_events", insertBody(rows(100)));
		Answer tooMany = insert("datasette_events", insertBody(rows(101)));

		assertThat(create.status()).isEqualTo(201);
		assertThat(hundred.status()).isEqualTo(201);
		assertError(tooMany, 400, "Too many rows, maximum allowed is 100");
		assertThat(this.datasette.rows()).hasSize(250);
	}

	@Test
	void aBodyOverTwoMegabytesIsRefusedWith413AndOneOfExactlyThatSizeIsNot() {
		create(createBody("datasette_events", row()));

		assertThat(insert("datasette_events", padded(insertBody(row()), 2_097_152)).status()).isEqualTo(201);
		assertError(insert("datasette_events", padded(insertBody(row()), 2_097_153)), 413,
				"Request body exceeded maximum size of 2097152 bytes");
		assertThat(this.datasette.rows()).hasSize(2);
	}

	@Test
	void ignoreWithoutPkAndIgnoreWithReplaceAreRefused() {
		ObjectNode withoutPk = createBody("datasette_events", row());
		withoutPk.remove("pk");

		assertError(create(withoutPk), 400, "ignore and replace require pk or pks");
		assertError(create(createBody("datasette_events", row()).put("replace", true)), 400,
				"ignore and replace are mutually exclusive");
		assertThat(this.datasette.rows()).isEmpty();
	}

	@Test
	void aColumnTheTableLacksIsRefusedUnlessTheRequestAlters() {
		create(createBody("datasette_events", row()));

		assertError(create(createBody("datasette_events", row().put("newcol", 1))), 400,
				"table datasette_events has no column named newcol");
		assertError(insert("datasette_events", insertBody(row().put("extra1", 1))), 400,
				"Row 0 has invalid columns: extra1");
		assertThat(insert("datasette_events", insertBody(row().put("extra1", 1)).put("alter", true)).status())
			.isEqualTo(201);
		assertThat(this.datasette.rows()).hasSize(2);
	}

	@Test
	void insertIntoAMissingTableIs404AndAnotherDatabaseAnHtmlPage() {
		assertError(insert("no_such_table", insertBody(row())), 404, "Table not found");

		Answer elsewhere = post(this.datasette.url("/elsewhere/-/create"), createBody("t", row()).toString(), BEARER);

		assertThat(elsewhere.status()).isEqualTo(404);
		assertThat(elsewhere.contentType()).startsWith("text/html");
		assertThat(elsewhere.body()).containsIgnoringCase("<html").contains("Database not found: elsewhere");
	}

	@Test
	void badBodiesAreRefusedWithDatasettesMessages() {
		assertThat(insertText("{\"rows\": [").error()).startsWith("Invalid JSON:");
		assertError(insertText("[]"), 400, "JSON must be a dictionary");
		assertError(insertText("{\"ignore\": true}"), 400, "JSON must have one or other of \"row\" or \"rows\"");
		assertError(insertText("{\"rows\": [1]}"), 400, "\"rows\" must be a list of dictionaries");
		assertError(insertText("{\"rows\": [], \"foo\": 1}"), 400, "Invalid parameter: \"foo\"");
	}

	@ParameterizedTest(name = "Authorization: {0}")
	@ValueSource(strings = { "", "Bearer not-a-datasette-token", "bearer " + FakeDatasette.DEFAULT_TOKEN })
	void aMissingOrMalformedTokenIsPermissionDenied(String authorization) {
		Answer answer = post(this.datasette.url("/data/-/create"), createBody("datasette_events", row()).toString(),
				authorization.isEmpty() ? null : authorization);

		assertError(answer, 403, "Permission denied");
		assertThat(this.datasette.rows()).isEmpty();
	}

	@Test
	void anotherDatasetteTokenIsAnInvalidSignature() {
		Answer answer = post(this.datasette.url("/data/-/create"), createBody("datasette_events", row()).toString(),
				"Bearer dstok_someone-elses");

		assertError(answer, 401, "Invalid token signature");
		assertThat(answer.wwwAuthenticate()).isEqualTo("Bearer error=\"invalid_token\"");
	}

	@Test
	void anHttp2UpgradeIsRefused() throws Exception {
		java.net.http.HttpClient h2c = java.net.http.HttpClient.newHttpClient();
		java.net.http.HttpResponse<String> answer = h2c.send(
				java.net.http.HttpRequest.newBuilder(this.datasette.url("/data/-/create"))
					.header("Authorization", BEARER)
					.POST(java.net.http.HttpRequest.BodyPublishers
						.ofString(createBody("datasette_events", row()).toString()))
					.build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());

		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.body()).isEqualTo("Unsupported upgrade request");
	}

	private Answer create(ObjectNode body) {
		return post(this.datasette.url("/data/-/create"), body.toString(), BEARER);
	}

	private Answer insert(String table, ObjectNode body) {
		return insert(table, body.toString());
	}

	private Answer insert(String table, String body) {
		return post(this.datasette.url("/data/" + table + "/-/insert"), body, BEARER);
	}

	private Answer insertText(String body) {
		create(createBody("datasette_events", row()));
		return insert("datasette_events", body);
	}

	private static ObjectNode[] rows(int count) {
		return IntStream.range(0, count).mapToObj((i) -> row()).toArray(ObjectNode[]::new);
	}

	private static String padded(ObjectNode body, int size) {
		String text = body.toString();
		return text + String.join("", Collections.nCopies(size - text.length(), " "));
	}

	private static void assertError(Answer answer, int status, String message) {
		assertThat(answer.status()).as(answer.body()).isEqualTo(status);
		assertThat(answer.contentType()).startsWith("application/json");
		assertThat(answer.json().get("ok").asBoolean(true)).isFalse();
		assertThat(answer.error()).isEqualTo(message);
		assertThat(answer.json().get("errors")).containsExactly(answer.json().get("error"));
		assertThat(answer.json().get("status").asInt()).isEqualTo(status);
	}

}
