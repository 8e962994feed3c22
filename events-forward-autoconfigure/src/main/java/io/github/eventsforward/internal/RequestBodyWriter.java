package io.github.eventsforward.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.eventsforward.EventRow;
import tools.jackson.core.JsonParser;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the JSON body of a write API request, exactly as the Python plugin does:
 * {@code {"table": ..., "rows": [...], "ignore": true, "pk": "id"}} for {@code /-/create},
 * {@code {"rows": [...], "ignore": true}} for {@code /-/insert}. {@code ignore} makes a
 * batch that is sent twice store each row once.
 * <p>
 * Each row is written on its own by {@link #encode(EventRow, long)}, as soon as it is made; a
 * body is those rows joined between a fixed opening and closing.
 */
final class RequestBodyWriter {

	/** The columns of a row, in the order they are written: that of {@link EventRow}. */
	static final List<String> COLUMNS = List.of("id", "instance", "event", "created", "actor_id", "database_name",
			"table_name", "properties");

	private static final byte[] CLOSE_ROW = { '}' };

	// What comes before each column's value: the opening brace or a comma, and the name.
	private static final byte[][] NAMES = new byte[COLUMNS.size()][];

	private static final int NAMES_LENGTH;

	static {
		int length = 0;
		for (int i = 0; i < NAMES.length; i++) {
			NAMES[i] = (((i == 0) ? "{\"" : ",\"") + COLUMNS.get(i) + "\":").getBytes(StandardCharsets.UTF_8);
			length += NAMES[i].length;
		}
		NAMES_LENGTH = length;
	}

	private static final JsonMapper READER = JsonMapper.shared();

	// Writes what RowJson leaves to Jackson: root values one after another, nothing between.
	private final JsonMapper jsonMapper = JsonMapper
		.builder(JsonFactory.builder().rootValueSeparator((String) null).build())
		.build();

	private final RowJson json = new RowJson(this.jsonMapper);

	// The instance's name and the event names: the same few instances, row after row.
	private final RowJson.Known knownNames = new RowJson.Known();

	private final byte[] opening;

	private final byte[] closing;

	RequestBodyWriter(WriteEndpoint endpoint, String table) {
		String opening = (endpoint == WriteEndpoint.CREATE)
				? "{\"table\":" + this.jsonMapper.writeValueAsString(table) + ",\"rows\":[" : "{\"rows\":[";
		String closing = (endpoint == WriteEndpoint.CREATE) ? "],\"ignore\":true,\"pk\":\"id\"}" : "],\"ignore\":true}";
		this.opening = opening.getBytes(StandardCharsets.UTF_8);
		this.closing = closing.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Write one row as a JSON object, byte for byte as Jackson's generator writes it. Not
	 * thread-safe: the forwarder calls it from its own thread only.
	 * @param row the row
	 * @param arrived when it reached the buffer, in the forwarder's scheduler's nanoseconds
	 * @return the row, ready to be joined into a body
	 */
	EncodedRow encode(EventRow row, long arrived) {
		return encode(row, arrived, false);
	}

	/**
	 * Write a row that {@link RowFactory} has just made, whose id (a ULID) and created time
	 * are ASCII that JSON carries as it is: those are copied rather than escaped. The bytes
	 * are those of {@link #encode(EventRow, long)}.
	 * @param row the row
	 * @param arrived when it reached the buffer, in the forwarder's scheduler's nanoseconds
	 * @return the row, ready to be joined into a body
	 */
	EncodedRow encodeMade(EventRow row, long arrived) {
		return encode(row, arrived, true);
	}

	private EncodedRow encode(EventRow row, long arrived, boolean made) {
		RowJson json = this.json;
		json.reset();
		json.reserve(NAMES_LENGTH + 1 + RowJson.room(row.id()) + RowJson.room(row.instance())
				+ RowJson.room(row.event()) + RowJson.room(row.created()) + RowJson.room(row.actorId())
				+ RowJson.room(row.databaseName()) + RowJson.room(row.tableName()) + RowJson.room(row.properties()));
		json.raw(NAMES[0]);
		if (made) {
			json.plainAscii(row.id());
		}
		else {
			json.string(row.id());
		}
		json.raw(NAMES[1]);
		json.string(row.instance(), this.knownNames);
		json.raw(NAMES[2]);
		json.string(row.event(), this.knownNames);
		json.raw(NAMES[3]);
		if (made) {
			json.plainAscii(row.created());
		}
		else {
			json.string(row.created());
		}
		json.raw(NAMES[4]);
		json.string(row.actorId());
		json.raw(NAMES[5]);
		json.string(row.databaseName());
		json.raw(NAMES[6]);
		json.string(row.tableName());
		json.raw(NAMES[7]);
		json.string(row.properties());
		json.raw(CLOSE_ROW);
		return new EncodedRow(json.toByteArray(), arrived);
	}

	/**
	 * Write the body for a batch of rows.
	 * @param rows the rows
	 * @return the body
	 */
	byte[] write(List<EncodedRow> rows) {
		int length = this.opening.length + this.closing.length + Math.max(0, rows.size() - 1);
		for (EncodedRow row : rows) {
			length += row.json().length;
		}
		byte[] body = new byte[length];
		System.arraycopy(this.opening, 0, body, 0, this.opening.length);
		int position = this.opening.length;
		for (int i = 0; i < rows.size(); i++) {
			if (i > 0) {
				body[position++] = ',';
			}
			byte[] json = rows.get(i).json();
			System.arraycopy(json, 0, body, position, json.length);
			position += json.length;
		}
		System.arraycopy(this.closing, 0, body, position, this.closing.length);
		return body;
	}


	/**
	 * Read a row back from the JSON object {@link #encode(EventRow, long)} wrote.
	 * @param json the row's JSON
	 * @return the row
	 */
	static EventRow decode(byte[] json) {
		String[] columns = new String[COLUMNS.size()];
		try (JsonParser parser = READER.createParser(json)) {
			parser.nextToken();
			String name;
			while ((name = parser.nextName()) != null) {
				columns[COLUMNS.indexOf(name)] = parser.nextStringValue();
			}
		}
		return new EventRow(columns[0], columns[1], columns[2], columns[3], columns[4], columns[5], columns[6],
				columns[7]);
	}

}
