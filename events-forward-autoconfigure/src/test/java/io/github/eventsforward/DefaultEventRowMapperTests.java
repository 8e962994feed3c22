package io.github.eventsforward;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import com.example.audit.Event;
import com.example.shop.CartCheckedOut;
import com.example.shop.InvoiceRendered;
import com.example.shop.OrderPlaced;
import com.example.shop.Orders;
import com.example.shop.StoreOpened;
import com.example.shop.TableCreated;
import com.example.shop.UserLoggedIn;
import com.example.shop.UserSignedUpEvent;
import com.example.web.HTTPRequestReceivedEvent;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * What {@link DefaultEventRowMapper} makes of an event: the {@code event} name, the
 * {@code actor_id}, {@code database_name} and {@code table_name} columns, and the remaining
 * properties that end up as JSON text in the {@code properties} column.
 */
class DefaultEventRowMapperTests {

	private final DefaultEventRowMapper mapper = new DefaultEventRowMapper();

	@Test
	void namesClassicEventInKebabCaseWithoutEventSuffix() {
		MappedEvent mapped = this.mapper.map(new UserSignedUpEvent(this, "alice", "pro"));

		assertThat(mapped.name()).isEqualTo("user-signed-up");
	}

	@Test
	void namesRecordEventInKebabCase() {
		MappedEvent mapped = this.mapper.map(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

		assertThat(mapped.name()).isEqualTo("order-placed");
	}

	@Test
	void keepsLeadingAcronymAsOneWord() {
		MappedEvent mapped = this.mapper.map(new HTTPRequestReceivedEvent("GET", "/orders"));

		assertThat(mapped.name()).isEqualTo("http-request-received");
	}

	@Test
	void namesTypeCalledJustEventAfterItself() {
		MappedEvent mapped = this.mapper.map(new Event("hello"));

		assertThat(mapped.name()).isEqualTo("event");
	}

	@Test
	void namesNestedTypesAfterTheirOwnSimpleName() {
		assertThat(this.mapper.map(new Orders.ItemShipped("o-1", "dhl")).name()).isEqualTo("item-shipped");
		assertThat(this.mapper.map(new Orders.Refunds.RefundIssuedEvent("o-1")).name()).isEqualTo("refund-issued");
	}

	@Test
	void eventNameAnnotationOverridesDerivedName() {
		MappedEvent mapped = this.mapper.map(new UserLoggedIn("alice", "password"));

		assertThat(mapped.name()).isEqualTo("login");
		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped)).isEqualTo(json("{\"method\": \"password\"}"));
	}

	@Test
	void movesDatabaseTableAndActorIdToTheirColumns() {
		MappedEvent mapped = this.mapper.map(new TableCreated("data", "orders", "alice", 5));

		assertThat(mapped.name()).isEqualTo("table-created");
		assertThat(mapped.database()).isEqualTo("data");
		assertThat(mapped.table()).isEqualTo("orders");
		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped)).isEqualTo(json("{\"columns\": 5}"));
	}

	@Test
	void findsColumnsByJavaPropertyNameUnderSnakeCase() {
		MappedEvent mapped = snakeCase().map(new RowsImported("data", "orders", "alice", 3));

		assertThat(mapped.database()).isEqualTo("data");
		assertThat(mapped.table()).isEqualTo("orders");
		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped)).isEqualTo(json("{\"row_count\": 3}"));
	}

	@Test
	void otherPropertiesKeepTheNamesOfTheApplicationsMapper() {
		MappedEvent mapped = snakeCase().map(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped))
			.isEqualTo(json("{\"order_id\": \"o-1\", \"quantity\": 2, \"total\": 9.90}"));
	}

	@Test
	void findsColumnsByJavaPropertyNameWhenJsonPropertyRenamesThem() {
		MappedEvent mapped = this.mapper.map(new RowsDeleted("alice", "data", "orders", 7));

		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(mapped.database()).isEqualTo("data");
		assertThat(mapped.table()).isEqualTo("orders");
		assertThat(json(mapped)).isEqualTo(json("{\"rows\": 7}"));
	}

	@Test
	void classicApplicationEventUnderSnakeCaseFillsActorIdFromItsGetter() {
		MappedEvent mapped = snakeCase().map(new UserSignedUpEvent(new SignUpForm("alice@example.com"), "alice", "pro"));

		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped)).isEqualTo(json("{\"plan\": \"pro\"}"));
	}

	@Test
	void mapPayloadUnderSnakeCaseFillsColumnsFromItsKeys() {
		Map<String, Object> payload = Map.of("actorId", "alice", "database", "data", "table", "orders", "rowCount", 3);

		MappedEvent mapped = snakeCase().map(payload);

		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(mapped.database()).isEqualTo("data");
		assertThat(mapped.table()).isEqualTo("orders");
		assertThat(json(mapped)).isEqualTo(json("{\"rowCount\": 3}"));
	}

	@Test
	void leavesColumnsEmptyWhenEventHasNoSuchProperties() {
		MappedEvent mapped = this.mapper.map(new Orders.ItemShipped("o-1", "dhl"));

		assertThat(mapped.actorId()).isNull();
		assertThat(mapped.database()).isNull();
		assertThat(mapped.table()).isNull();
		assertThat(json(mapped)).isEqualTo(json("{\"orderId\": \"o-1\", \"carrier\": \"dhl\"}"));
	}

	@Test
	void classicApplicationEventHasNoSourceOrTimestampInProperties() {
		MappedEvent mapped = this.mapper.map(new UserSignedUpEvent(new SignUpForm("alice@example.com"), "alice", "pro"));

		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped)).isEqualTo(json("{\"plan\": \"pro\"}"));
	}

	@Test
	void classicApplicationEventWithUnserializableSourceIsStillMapped() {
		MappedEvent mapped = this.mapper.map(new UserSignedUpEvent(new UnserializableSource(), "alice", "pro"));

		assertThat(mapped.name()).isEqualTo("user-signed-up");
		assertThat(json(mapped)).isEqualTo(json("{\"plan\": \"pro\"}"));
	}

	@Test
	void classicApplicationEventWithItsOwnJsonIgnorePropertiesHasNoSourceOrTimestamp() {
		MappedEvent mapped = this.mapper.map(new CouponRedeemedEvent(new SignUpForm("alice@example.com"), "WELCOME"));

		assertThat(mapped.name()).isEqualTo("coupon-redeemed");
		assertThat(json(mapped)).isEqualTo(json("{\"code\": \"WELCOME\"}"));
	}

	@Test
	void classicApplicationEventWithTypedGetSourceHasNoSourceInProperties() {
		MappedEvent mapped = this.mapper.map(new FormSubmittedEvent(new SignUpForm("alice@example.com")));

		assertThat(mapped.name()).isEqualTo("form-submitted");
		assertThat(json(mapped)).isEqualTo(json("{}"));
	}

	@Test
	void classicApplicationEventWithoutOwnPropertiesHasEmptyProperties() {
		MappedEvent mapped = this.mapper.map(new CacheWarmedEvent(new UnserializableSource()));

		assertThat(mapped.name()).isEqualTo("cache-warmed");
		assertThat(json(mapped)).isEqualTo(json("{}"));
	}

	@Test
	void payloadOfPublishEventObjectIsMappedByItsOwnType() {
		MappedEvent mapped = this.mapper.map(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

		assertThat(mapped.actorId()).isEqualTo("alice");
		assertThat(json(mapped))
			.isEqualTo(json("{\"orderId\": \"o-1\", \"quantity\": 2, \"total\": 9.90}"));
	}

	@Test
	void scalarPayloadIsKeptUnderValue() {
		MappedEvent mapped = this.mapper.map("cache cleared");

		assertThat(mapped.name()).isEqualTo("string");
		assertThat(json(mapped)).isEqualTo(json("{\"value\": \"cache cleared\"}"));
	}

	@Test
	void eventWithoutPropertiesHasEmptyObject() {
		MappedEvent mapped = this.mapper.map(new StoreOpened());

		assertThat(mapped.name()).isEqualTo("store-opened");
		assertThat(json(mapped)).isEqualTo(json("{}"));
	}

	@Test
	void keepsNumbersAndNestedObjectsInProperties() {
		CartCheckedOut event = new CartCheckedOut("alice", 9_007_199_254_740_993L, 3, 1.25, new BigDecimal("19.90"),
				new CartCheckedOut.Address("Lyon", "69001"),
				List.of(new CartCheckedOut.Line("sku-1", 2), new CartCheckedOut.Line("sku-2", 1)),
				Map.of("WELCOME", 10));

		MappedEvent mapped = this.mapper.map(event);

		assertThat(mapped.actorId()).isEqualTo("alice");
		JsonNode properties = json(mapped);
		assertThat(properties).isEqualTo(json("""
				{"cartId": 9007199254740993, "items": 3, "weightKg": 1.25, "total": 19.90,
				 "shipTo": {"city": "Lyon", "postcode": "69001"},
				 "lines": [{"sku": "sku-1", "quantity": 2}, {"sku": "sku-2", "quantity": 1}],
				 "coupons": {"WELCOME": 10}}
				"""));
		assertThat(properties.get("cartId").isIntegralNumber()).isTrue();
		assertThat(properties.get("cartId").asLong()).isEqualTo(9_007_199_254_740_993L);
		assertThat(properties.get("total").decimalValue()).isEqualByComparingTo("19.90");
	}

	@Test
	void propertiesAreTheTextTheMapperWritesWithoutTheColumns() {
		MappedEvent mapped = this.mapper.map(new OrderPlaced("o-1", "alice", 2, new BigDecimal("9.90")));

		assertThat(mapped.properties()).hasToString("{\"orderId\":\"o-1\",\"quantity\":2,\"total\":9.90}");
	}

	@Test
	void nestedDatabaseTableOrActorIdAreNotMovedToColumns() {
		MappedEvent mapped = this.mapper.map(new Grant(new Subject("alice", "data", "orders")));

		assertThat(mapped.actorId()).isNull();
		assertThat(mapped.database()).isNull();
		assertThat(mapped.table()).isNull();
		assertThat(json(mapped))
			.isEqualTo(json("{\"to\": {\"actorId\": \"alice\", \"database\": \"data\", \"table\": \"orders\"}}"));
	}

	@Test
	void eventWhoseGetterThrowsCannotBeMapped() {
		assertThatException().isThrownBy(() -> this.mapper.map(new InvoiceRendered("inv-1")))
			.withStackTraceContaining("PDF renderer is offline");
	}

	private static DefaultEventRowMapper snakeCase() {
		return new DefaultEventRowMapper(
				JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build());
	}

	private static JsonNode json(MappedEvent mapped) {
		Object properties = mapped.properties();
		assertThat(properties).isNotNull();
		// The properties column holds this object written as JSON text: already written, or
		// a tree, and any mapper writes the same object.
		JsonNode text = JsonMapper.shared().readTree(properties.toString());
		assertThat(JsonMapper.shared().readTree(JsonMapper.shared().writeValueAsString(properties))).isEqualTo(text);
		return text;
	}

	private static JsonNode json(String text) {
		return JsonMapper.shared().readTree(text);
	}

	record SignUpForm(String email) {
	}

	record Subject(String actorId, String database, String table) {
	}

	record Grant(Subject to) {
	}

	record RowsImported(String database, String table, String actorId, int rowCount) {
	}

	record RowsDeleted(@JsonProperty("actor") String actorId, @JsonProperty("db") String database,
			@JsonProperty("tbl") String table, int rows) {
	}

	static class UnserializableSource {

		public String getSecret() {
			throw new IllegalStateException("must never be serialized");
		}

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	static class CouponRedeemedEvent extends ApplicationEvent {

		private final String code;

		CouponRedeemedEvent(Object source, String code) {
			super(source);
			this.code = code;
		}

		public String getCode() {
			return this.code;
		}

	}

	static class FormSubmittedEvent extends ApplicationEvent {

		FormSubmittedEvent(SignUpForm form) {
			super(form);
		}

		@Override
		public SignUpForm getSource() {
			return (SignUpForm) super.getSource();
		}

	}

	static class CacheWarmedEvent extends ApplicationEvent {

		CacheWarmedEvent(Object source) {
			super(source);
		}

	}

}
