package io.github.eventsforward.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.function.Consumer;

import com.example.shop.InvoiceRendered;
import com.example.shop.OrderPlaced;
import com.example.shop.Orders;
import com.example.shop.StoreOpened;
import com.example.shop.TableCreated;
import com.example.shop.UserLoggedIn;
import com.example.shop.UserSignedUpEvent;
import com.github.f4b6a3.ulid.Ulid;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.HttpConnector;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/**
 * What a Datasette server receives from the forwarder: the requests, their bodies and
 * headers, the rows and their columns; and how the forwarder reads the server's answers.
 * Runs the real auto-configuration against a {@link MockWebServer} that answers as
 * Datasette does, on each HTTP client. What the forwarder does about each kind of failure is
 * in {@link DeliveryTests}; what it guarantees whatever the server does, in
 * {@link DeliveryGuaranteesTests}.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(HttpConnector.class)
@ExtendWith(OutputCaptureExtension.class)
class DatasetteWriteApiTests {

	private static final String TABLE = "datasette_events";

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final List<String> ROW_KEYS = List.of("id", "instance", "event", "created", "actor_id",
			"database_name", "table_name", "properties");

	private static final String ULID = "[0-7][0-9A-HJKMNP-TV-Z]{25}";

	private static final String CREATED = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00";

	private final JsonMapper json = JsonMapper.shared();

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final ApplicationContextRunner contextRunner;

	DatasetteWriteApiTests(HttpConnector connector) {
		this.contextRunner = ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(connector.property(), "datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.flush-interval=50ms", "datasette.events-forward.max-rate=1000",
					"datasette.events-forward.retry.initial-backoff=10ms",
					"datasette.events-forward.retry.max-backoff=20ms",
					"datasette.events-forward.retry.give-up-after=300ms");
	}

	// The extension checks what is logged through Logback; this checks all output, such as
	// what the JDK's HTTP client logs through java.util.logging.
	@AfterEach
	void checkTokenStayedSecret(CapturedOutput output) {
		assertThat(output.getAll()).doesNotContain(DatasetteDispatcher.TOKEN)
			.doesNotContain(DatasetteDispatcher.TOKEN.substring(DatasetteDispatcher.TOKEN.indexOf('.')));
	}

	// ---------------------------------------------------------------- the request

	@Test
	void postsCreateBodyWithTableRowsIgnoreAndPkInThatOrder() {
		createUrl().withPropertyValues("spring.application.name=shop").run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

			RecordedRequest request = this.server.takeRequest();
			assertThat(request.getMethod()).isEqualTo("POST");
			assertThat(request.getUrl().encodedPath()).isEqualTo("/data/-/create");
			JsonNode body = this.json.readTree(request.getBody().utf8());
			assertThat(body.propertyNames()).containsExactly("table", "rows", "ignore", "pk");
			assertThat(body.get("table").isString()).isTrue();
			assertThat(body.get("table").asString()).isEqualTo(TABLE);
			assertThat(body.get("ignore").isBoolean()).isTrue();
			assertThat(body.get("ignore").booleanValue()).isTrue();
			assertThat(body.get("pk").asString()).isEqualTo("id");
			assertThat(body.get("rows").isArray()).isTrue();
			assertThat(body.get("rows")).hasSize(1);
			JsonNode row = body.get("rows").get(0);
			assertThat(row.propertyNames()).containsExactlyElementsOf(ROW_KEYS);
			assertThat(row.get("instance").asString()).isEqualTo("shop");
			assertThat(row.get("event").asString()).isEqualTo("order-placed");
			assertThat(row.get("actor_id").asString()).isEqualTo("alice");
			assertThat(row.get("database_name").isNull()).isTrue();
			assertThat(row.get("table_name").isNull()).isTrue();
			assertThat(properties(row)).isEqualTo(tree("{\"orderId\": \"o-1\", \"quantity\": 2, \"total\": 9.90}"));
			awaitRows(1);
		});
	}

	@Test
	void createBodyNamesConfiguredTable() {
		createUrl().withPropertyValues("datasette.events-forward.table=shop_events").run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, BigDecimal.ONE));

			JsonNode body = this.json.readTree(this.server.takeRequest().getBody().utf8());
			assertThat(body.get("table").asString()).isEqualTo("shop_events");
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.datasette.rows("shop_events")).hasSize(1));
		});
	}

	@Test
	void postsInsertBodyWithRowsAndIgnoreOnly() {
		this.datasette.withTable(TABLE);
		insertUrl().run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

			RecordedRequest request = this.server.takeRequest();
			assertThat(request.getUrl().encodedPath()).isEqualTo("/data/" + TABLE + "/-/insert");
			JsonNode body = this.json.readTree(request.getBody().utf8());
			assertThat(body.propertyNames()).containsExactly("rows", "ignore");
			assertThat(body.get("ignore").isBoolean()).isTrue();
			assertThat(body.get("ignore").booleanValue()).isTrue();
			assertThat(body.get("rows")).hasSize(1);
			assertThat(body.get("rows").get(0).propertyNames()).containsExactlyElementsOf(ROW_KEYS);
			awaitRows(1);
		});
	}

	@Test
	void sendsTokenAsBearerAndBodyAsJson() {
		createUrl().run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, BigDecimal.ONE));

			RecordedRequest request = this.server.takeRequest();
			assertThat(request.getHeaders().values("Authorization")).containsExactly("Bearer " + DatasetteDispatcher.TOKEN);
			MediaType contentType = MediaType.parseMediaType(request.getHeaders().get("Content-Type"));
			assertThat(contentType.equalsTypeAndSubtype(MediaType.APPLICATION_JSON)).isTrue();
			awaitRows(1);
		});
	}

	// ---------------------------------------------------------------- the rows

	@Test
	void recordEventRow() {
		createUrl().withPropertyValues("spring.application.name=shop").run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.propertyNames()).containsExactlyElementsOf(ROW_KEYS);
			assertThat(row.get("instance").asString()).isEqualTo("shop");
			assertThat(row.get("event").asString()).isEqualTo("order-placed");
			assertThat(row.get("actor_id").asString()).isEqualTo("alice");
			assertThat(row.get("database_name").isNull()).isTrue();
			assertThat(row.get("table_name").isNull()).isTrue();
			assertThat(properties(row)).isEqualTo(tree("{\"orderId\": \"o-1\", \"quantity\": 2, \"total\": 9.90}"));
		});
	}

	@Test
	void classicApplicationEventRowHasNoSourceOrTimestampInProperties() {
		createUrl().run((context) -> {
			context.publishEvent(new UserSignedUpEvent(new SignUpController(), "alice", "pro"));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.get("event").asString()).isEqualTo("user-signed-up");
			assertThat(row.get("actor_id").asString()).isEqualTo("alice");
			assertThat(properties(row)).isEqualTo(tree("{\"plan\": \"pro\"}"));
		});
	}

	@Test
	void publishEventObjectPayloadRowIsMappedFromThePayload() {
		createUrl().run((context) -> {
			context.publishEvent(new Orders.Refunds.RefundIssuedEvent("o-1"));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.get("event").asString()).isEqualTo("refund-issued");
			assertThat(row.get("actor_id").isNull()).isTrue();
			assertThat(properties(row)).isEqualTo(tree("{\"orderId\": \"o-1\"}"));
		});
	}

	@Test
	void databaseTableAndActorIdGoToTheirOwnColumns() {
		createUrl().run((context) -> {
			context.publishEvent(new TableCreated("analytics", "orders", "alice", 5));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.get("event").asString()).isEqualTo("table-created");
			assertThat(row.get("database_name").asString()).isEqualTo("analytics");
			assertThat(row.get("table_name").asString()).isEqualTo("orders");
			assertThat(row.get("actor_id").asString()).isEqualTo("alice");
			assertThat(properties(row)).isEqualTo(tree("{\"columns\": 5}"));
		});
	}

	@Test
	void snakeCaseNamingStrategyStillFillsActorIdAndNamesTheOtherProperties() {
		createUrl().withPropertyValues("spring.jackson.property-naming-strategy=SNAKE_CASE").run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.propertyNames()).containsExactlyElementsOf(ROW_KEYS);
			assertThat(row.get("actor_id").asString()).isEqualTo("alice");
			assertThat(properties(row))
				.isEqualTo(tree("{\"order_id\": \"o-1\", \"quantity\": 2, \"total\": 9.90}"));
		});
	}

	@Test
	void eventNameAnnotationNamesTheEventColumn() {
		createUrl().run((context) -> {
			context.publishEvent(new UserLoggedIn("alice", "password"));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.get("event").asString()).isEqualTo("login");
			assertThat(row.get("actor_id").asString()).isEqualTo("alice");
			assertThat(properties(row)).isEqualTo(tree("{\"method\": \"password\"}"));
		});
	}

	@Test
	void instanceDefaultsToApplicationName() {
		createUrl().withPropertyValues("spring.application.name=shop").run((context) -> {
			context.publishEvent(new UserLoggedIn("alice", "password"));

			assertThat(awaitRows(1).get(0).get("instance").asString()).isEqualTo("shop");
		});
	}

	@Test
	void instancePropertyWinsOverApplicationName() {
		createUrl()
			.withPropertyValues("spring.application.name=shop", "datasette.events-forward.instance=shop-eu-1")
			.run((context) -> {
				context.publishEvent(new UserLoggedIn("alice", "password"));

				assertThat(awaitRows(1).get(0).get("instance").asString()).isEqualTo("shop-eu-1");
			});
	}

	@Test
	void instanceIsNullWithoutApplicationNameOrInstanceProperty() {
		createUrl().run((context) -> {
			context.publishEvent(new UserLoggedIn("alice", "password"));

			ObjectNode row = awaitRows(1).get(0);
			assertThat(row.has("instance")).isTrue();
			assertThat(row.get("instance").isNull()).isTrue();
		});
	}

	@Test
	void createdIsThePublishTimeInUtcWithMicroseconds() {
		TimeZone defaultZone = TimeZone.getDefault();
		TimeZone.setDefault(TimeZone.getTimeZone("America/St_Johns"));
		try {
			createUrl().run((context) -> {
				Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
				context.publishEvent(new UserLoggedIn("alice", "password"));
				Instant after = Instant.now();

				String created = awaitRows(1).get(0).get("created").asString();
				assertThat(created).matches(CREATED);
				OffsetDateTime time = OffsetDateTime.parse(created);
				assertThat(time.getOffset()).isEqualTo(ZoneOffset.UTC);
				assertThat(time.toInstant()).isBetween(before, after);
			});
		}
		finally {
			TimeZone.setDefault(defaultZone);
		}
	}

	@Test
	void idsAreUlidsThatIncreaseInPublishOrder() {
		createUrl().run((context) -> {
			List<String> published = new ArrayList<>();
			for (int i = 1; i <= 25; i++) {
				published.add("o-" + i);
				context.publishEvent(new OrderPlaced("o-" + i, "alice", i, BigDecimal.ONE));
			}

			List<ObjectNode> rows = new ArrayList<>(awaitRows(25));
			rows.sort((a, b) -> a.get("id").asString().compareTo(b.get("id").asString()));
			assertThat(rows).extracting((row) -> properties(row).get("orderId").asString())
				.containsExactlyElementsOf(published);
			for (ObjectNode row : rows) {
				String id = row.get("id").asString();
				assertThat(id).matches(ULID);
				assertThat(Ulid.isValid(id)).isTrue();
				// The id's time part is the publish time, to the millisecond.
				Instant created = OffsetDateTime.parse(row.get("created").asString()).toInstant();
				assertThat(Ulid.getInstant(id)).isEqualTo(created.truncatedTo(ChronoUnit.MILLIS));
			}
			assertThat(rows).extracting((row) -> row.get("id").asString()).doesNotHaveDuplicates();
		});
	}

	@Test
	void propertiesColumnIsJsonTextOfAnObject() {
		createUrl().run((context) -> {
			context.publishEvent(new TableCreated("analytics", "orders", "alice", 5));
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, BigDecimal.ONE));
			context.publishEvent(new StoreOpened());

			for (ObjectNode row : awaitRows(3)) {
				JsonNode properties = row.get("properties");
				assertThat(properties.isString()).as("properties of %s is a string", row.get("event")).isTrue();
				assertThat(this.json.readTree(properties.asString()).isObject()).isTrue();
				if (row.get("event").asString().equals("store-opened")) {
					assertThat(properties.asString()).isEqualTo("{}");
				}
			}
		});
	}

	// ---------------------------------------------------------------- the answers

	@Test
	void badRequestForTooManyRowsOnInsertSplitsTheBatchUntilTheServerTakesEveryRow(CapturedOutput output) {
		this.datasette.withTable(TABLE);
		// A batch of 150 rows on /-/insert, which takes at most 100; a long flush interval
		// makes sure all 150 go in one batch.
		insertUrl().withPropertyValues("datasette.events-forward.batch-limit=150",
				"datasette.events-forward.flush-interval=10s")
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				for (int i = 1; i <= 150; i++) {
					context.publishEvent(new OrderPlaced("o-" + i, "alice", i, BigDecimal.ONE));
				}

				awaitCounts(forwarder, (counts) -> assertThat(counts.delivered()).isEqualTo(150));
				assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(150, 150, 0, 0, 0));
				assertThat(this.datasette.requestBodies()).extracting(DatasetteWriteApiTests::rowCount)
					.containsExactly(150, 75, 75);
				assertThat(awaitRows(150)).extracting((row) -> properties(row).get("orderId").asString())
					.doesNotHaveDuplicates();
				assertThat(output.getAll()).doesNotContain("Gave up on event");
			});
	}

	@Test
	void badRequestInPre36ErrorFormatIsReadFromItsErrorsAndATableMisfitPausesSending(CapturedOutput output) {
		this.datasette.refuseAll(json(400, "{\"ok\": false, \"errors\": [\"Invalid parameter: \\\"foo\\\"\"]}"));
		createUrl().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));

			awaitStatus(forwarder, Status.PAUSED);
			assertThat(forwarder.state().reason()).contains("HTTP 400", "Invalid parameter: \"foo\"", "does not fit");
			assertThat(logLines(output, "Sending events to Datasette is paused")).singleElement()
				.asString()
				.contains("ERROR", "HTTP 400", "Invalid parameter: \"foo\"", "does not fit");

			this.datasette.acceptAll();
			awaitCounts(forwarder, (counts) -> assertThat(counts).isEqualTo(new ForwardCounts(1, 1, 0, 0, 0)));
		});
	}

	@Test
	void anHtmlErrorPageIsReadAsItsStatusAndATextExcerptWithoutMarkup(CapturedOutput output) {
		this.datasette.refuseAll(htmlPage(503, "Service Temporarily Unavailable"));
		createUrl().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));

			awaitStatus(forwarder, Status.RETRYING);
			assertThat(forwarder.state().reason()).contains("HTTP 503", "Service Temporarily Unavailable")
				.doesNotContain("<");
			assertThat(logLines(output, "A request to Datasette failed")).singleElement()
				.asString()
				.contains("WARN", "HTTP 503", "503 Service Temporarily Unavailable", "nginx")
				.doesNotContain("<", ">", "<title>");

			this.datasette.acceptAll();
			awaitCounts(forwarder, (counts) -> assertThat(counts).isEqualTo(new ForwardCounts(1, 1, 0, 0, 0)));
		});
	}

	// ---------------------------------------------------------------- unmappable events

	@Test
	void unserializableEventIsLoggedOnceForItsTypeCountedAsFailedAndSkipped(CapturedOutput output) {
		createUrl().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);

			assertThatNoException().isThrownBy(() -> {
				context.publishEvent(new InvoiceRendered("inv-1"));
				context.publishEvent(new InvoiceRendered("inv-2"));
			});
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));

			awaitCounts(forwarder, (counts) -> {
				assertThat(counts.failed()).isEqualTo(2);
				assertThat(counts.delivered()).isEqualTo(1);
			});
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(output.getAll()).contains("Skipping events of type"));
			List<ObjectNode> rows = this.datasette.rows(TABLE);
			assertThat(rows).hasSize(1);
			assertThat(rows.get(0).get("event").asString()).isEqualTo("order-placed");
			List<String> logged = logLines(output, "Skipping events of type " + InvoiceRendered.class.getName());
			assertThat(logged).as("one log entry for the type, not one per event").hasSize(1);
			assertThat(logged.get(0)).contains("ERROR", "PDF renderer is offline");
			assertAddsUp(forwarder.counts());
		});
	}

	// ---------------------------------------------------------------- support

	private ApplicationContextRunner createUrl() {
		return this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.createUrl());
	}

	private ApplicationContextRunner insertUrl() {
		return this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.insertUrl(TABLE));
	}

	private static int rowCount(String body) {
		return JsonMapper.shared().readTree(body).path("rows").size();
	}

	private static void awaitStatus(EventsForwarder forwarder, Status status) {
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(forwarder.state().status()).isEqualTo(status));
	}

	private static List<String> logLines(CapturedOutput output, String fragment) {
		return output.getAll().lines().filter((line) -> line.contains(fragment)).toList();
	}

	private static void awaitCounts(EventsForwarder forwarder, Consumer<ForwardCounts> assertion) {
		await().atMost(TIMEOUT).untilAsserted(() -> assertion.accept(forwarder.counts()));
	}

	private List<ObjectNode> awaitRows(int count) {
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.datasette.rows(TABLE)).hasSize(count));
		return this.datasette.rows(TABLE);
	}

	private JsonNode properties(JsonNode row) {
		assertThat(row.get("properties").isString()).isTrue();
		return this.json.readTree(row.get("properties").asString());
	}

	private JsonNode tree(String text) {
		return this.json.readTree(text);
	}

	/**
	 * An error page as a proxy or the server's framework sends it: HTML, not JSON.
	 */
	private static MockResponse htmlPage(int status, String text) {
		return new MockResponse.Builder().code(status)
			.setHeader("Content-Type", "text/html; charset=utf-8")
			.body("<html>\r\n<head><title>" + status + " " + text + "</title></head>\r\n<body>\r\n<center><h1>" + status
					+ " " + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
			.build();
	}

	private static MockResponse json(int status, String body) {
		return new MockResponse.Builder().code(status)
			.setHeader("Content-Type", "application/json; charset=utf-8")
			.body(body)
			.build();
	}

	/**
	 * A typical event source: the bean that publishes the event.
	 */
	static class SignUpController {

		public String getGreeting() {
			return "welcome";
		}

	}

}
