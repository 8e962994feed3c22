package io.github.eventsforward.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.eventsforward.EventRow;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
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

	private static final SerializableString[] NAMES = COLUMNS.stream()
		.map(SerializedString::new)
		.toArray(SerializableString[]::new);

	private static final JsonMapper READER = JsonMapper.shared();

	// Rows are written one after another as root values of one generator, with nothing
	// between them, and taken out of the buffer one by one.
	private final JsonMapper jsonMapper = JsonMapper
		.builder(JsonFactory.builder().rootValueSeparator((String) null).build())
		.build();

	private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);

	private final byte[] opening;

	private final byte[] closing;

	private @Nullable JsonGenerator generator;

	RequestBodyWriter(WriteEndpoint endpoint, String table) {
		String opening = (endpoint == WriteEndpoint.CREATE)
				? "{\"table\":" + this.jsonMapper.writeValueAsString(table) + ",\"rows\":[" : "{\"rows\":[";
		String closing = (endpoint == WriteEndpoint.CREATE) ? "],\"ignore\":true,\"pk\":\"id\"}" : "],\"ignore\":true}";
		this.opening = opening.getBytes(StandardCharsets.UTF_8);
		this.closing = closing.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Write one row as a JSON object. Not thread-safe: the forwarder calls it from its own
	 * thread only.
	 * @param row the row
	 * @param arrived when it reached the buffer, in the forwarder's scheduler's nanoseconds
	 * @return the row, ready to be joined into a body
	 */
	EncodedRow encode(EventRow row, long arrived) {
		JsonGenerator json = this.generator;
		if (json == null) {
			json = this.jsonMapper.createGenerator(this.buffer);
			this.generator = json;
		}
		try {
			String[] values = { row.id(), row.instance(), row.event(), row.created(), row.actorId(),
					row.databaseName(), row.tableName(), row.properties() };
			json.writeStartObject();
			for (int i = 0; i < NAMES.length; i++) {
				json.writeName(NAMES[i]);
				if (values[i] != null) {
					json.writeString(values[i]);
				}
				else {
					json.writeNull();
				}
			}
			json.writeEndObject();
			json.flush();
			return new EncodedRow(this.buffer.toByteArray(), arrived);
		}
		catch (RuntimeException ex) {
			// Not expected for text, but a failed write leaves the generator inside the row:
			// the next row starts with a new one.
			this.generator = null;
			throw ex;
		}
		finally {
			this.buffer.reset();
		}
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
