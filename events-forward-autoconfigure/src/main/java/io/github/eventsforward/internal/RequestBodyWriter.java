package io.github.eventsforward.internal;

import java.io.ByteArrayOutputStream;
import java.util.List;

import io.github.eventsforward.EventRow;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the JSON body of a write API request, exactly as the Python plugin does:
 * {@code {"table": ..., "rows": [...], "ignore": true, "pk": "id"}} for {@code /-/create},
 * {@code {"rows": [...], "ignore": true}} for {@code /-/insert}. {@code ignore} makes a
 * batch that is sent twice store each row once.
 */
final class RequestBodyWriter {

	private final JsonMapper jsonMapper = JsonMapper.shared();

	private final WriteEndpoint endpoint;

	private final String table;

	RequestBodyWriter(WriteEndpoint endpoint, String table) {
		this.endpoint = endpoint;
		this.table = table;
	}

	byte[] write(List<EventRow> rows) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(256 + rows.size() * 256);
		try (JsonGenerator json = this.jsonMapper.createGenerator(out)) {
			json.writeStartObject();
			if (this.endpoint == WriteEndpoint.CREATE) {
				json.writeStringProperty("table", this.table);
			}
			json.writeName("rows");
			json.writeStartArray();
			for (EventRow row : rows) {
				writeRow(json, row);
			}
			json.writeEndArray();
			json.writeBooleanProperty("ignore", true);
			if (this.endpoint == WriteEndpoint.CREATE) {
				json.writeStringProperty("pk", "id");
			}
			json.writeEndObject();
		}
		return out.toByteArray();
	}

	private static void writeRow(JsonGenerator json, EventRow row) {
		json.writeStartObject();
		json.writeStringProperty("id", row.id());
		writeNullable(json, "instance", row.instance());
		json.writeStringProperty("event", row.event());
		json.writeStringProperty("created", row.created());
		writeNullable(json, "actor_id", row.actorId());
		writeNullable(json, "database_name", row.databaseName());
		writeNullable(json, "table_name", row.tableName());
		json.writeStringProperty("properties", row.properties());
		json.writeEndObject();
	}

	private static void writeNullable(JsonGenerator json, String name, @Nullable String value) {
		if (value != null) {
			json.writeStringProperty(name, value);
		}
		else {
			json.writeNullProperty(name);
		}
	}

}
