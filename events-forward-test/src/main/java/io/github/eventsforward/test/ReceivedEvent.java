package io.github.eventsforward.test;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A row that {@link FakeDatasette} stored, read as the event it stands for: the columns of
 * the {@code datasette_events} table, and the {@code properties} column's JSON text read
 * back into values.
 */
public final class ReceivedEvent {

	private static final JsonMapper json = JsonMapper.shared();

	private final String table;

	private final ObjectNode row;

	private final JsonNode properties;

	ReceivedEvent(String table, ObjectNode row) {
		this.table = table;
		this.row = row;
		this.properties = readProperties(row.get("properties"));
	}

	private static JsonNode readProperties(@Nullable JsonNode column) {
		if (column == null || column.isNull()) {
			return MissingNode.getInstance();
		}
		if (!column.isString()) {
			return column;
		}
		try {
			return json.readTree(column.asString());
		}
		catch (JacksonException ex) {
			return MissingNode.getInstance();
		}
	}

	/**
	 * Return the table the row is in.
	 * @return the table
	 */
	public String table() {
		return this.table;
	}

	/**
	 * Return the {@code id} column: the event's ULID.
	 * @return the id
	 */
	public @Nullable String id() {
		return text("id");
	}

	/**
	 * Return the {@code instance} column.
	 * @return the instance label, or {@code null}
	 */
	public @Nullable String instance() {
		return text("instance");
	}

	/**
	 * Return the {@code event} column: the event's name, such as {@code order-placed}.
	 * @return the name
	 */
	public @Nullable String event() {
		return text("event");
	}

	/**
	 * Return the {@code created} column as sent, such as
	 * {@code 2026-11-26T23:59:01.123456+00:00}.
	 * @return the text
	 */
	public @Nullable String created() {
		return text("created");
	}

	/**
	 * Return the {@code created} column as a time.
	 * @return when the event was published
	 * @throws java.time.format.DateTimeParseException if the column is not such a time
	 */
	public OffsetDateTime createdAt() {
		return OffsetDateTime.parse(String.valueOf(created()));
	}

	/**
	 * Return the {@code actor_id} column.
	 * @return the actor, or {@code null}
	 */
	public @Nullable String actorId() {
		return text("actor_id");
	}

	/**
	 * Return the {@code database_name} column.
	 * @return the database, or {@code null}
	 */
	public @Nullable String databaseName() {
		return text("database_name");
	}

	/**
	 * Return the {@code table_name} column.
	 * @return the table, or {@code null}
	 */
	public @Nullable String tableName() {
		return text("table_name");
	}

	/**
	 * Return the {@code properties} column: JSON text, as sent.
	 * @return the text, or {@code null}
	 */
	public @Nullable String propertiesJson() {
		return text("properties");
	}

	/**
	 * Return the {@code properties} column read into a map of strings, numbers, booleans,
	 * lists and maps.
	 * @return the properties, empty when the column is not a JSON object
	 */
	public Map<String, @Nullable Object> properties() {
		if (!this.properties.isObject()) {
			return Map.of();
		}
		return json.convertValue(this.properties, new TypeReference<Map<String, @Nullable Object>>() {
		});
	}

	/**
	 * Return one property: a name, or a dotted path into nested objects
	 * ({@code address.city}).
	 * @param path the name or path
	 * @return the value as a string, number, boolean, list or map; {@code null} when it is
	 * JSON {@code null} or missing
	 */
	public @Nullable Object property(String path) {
		JsonNode node = propertyNode(path);
		return (node.isMissingNode() || node.isNull()) ? null : json.convertValue(node, Object.class);
	}

	/**
	 * Return whether the event has a property with this value. Numbers compare by value, so
	 * {@code 2}, {@code 2L} and {@code new BigDecimal("2.0")} all match a {@code 2}; other
	 * values compare as their JSON.
	 * @param path the name, or a dotted path into nested objects
	 * @param expected the value, or {@code null} for JSON {@code null} or no such property
	 * @return whether it has
	 */
	public boolean hasProperty(String path, @Nullable Object expected) {
		JsonNode actual = propertyNode(path);
		JsonNode wanted = json.valueToTree(expected);
		if (wanted == null || wanted.isNull()) {
			return actual.isMissingNode() || actual.isNull();
		}
		return sameValue(actual, wanted);
	}

	private static boolean sameValue(JsonNode actual, JsonNode wanted) {
		if (actual.isNumber() && wanted.isNumber()) {
			return new BigDecimal(actual.asString()).compareTo(new BigDecimal(wanted.asString())) == 0;
		}
		return actual.equals(wanted);
	}

	private JsonNode propertyNode(String path) {
		JsonNode node = this.properties;
		for (String name : path.split("\\.")) {
			node = node.path(name);
		}
		return node;
	}

	/**
	 * Return a column of the row, for a table with columns of its own.
	 * @param column the column
	 * @return its value as JSON, a missing node when the row has no such column
	 */
	public JsonNode column(String column) {
		return this.row.path(column).deepCopy();
	}

	private @Nullable String text(String column) {
		JsonNode value = this.row.get(column);
		return (value == null || value.isNull()) ? null : value.asString();
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof ReceivedEvent event && this.table.equals(event.table) && this.row.equals(event.row);
	}

	@Override
	public int hashCode() {
		return this.row.hashCode();
	}

	@Override
	public String toString() {
		return this.row.toString();
	}

}
