package io.github.eventsforward.benchmarks;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import com.github.f4b6a3.ulid.UlidFactory;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.MappedEvent;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The forwarder's event-to-row and rows-to-body steps, rebuilt on the public API.
 * <p>
 * The starter's {@code RowFactory} and {@code RequestBodyWriter} are package-private in
 * {@code io.github.eventsforward.internal} and cannot be called from this module. This class
 * does the same work in the same way, step for step, as of this commit: the mapper's
 * {@link EventRowMapper#map(Object)}, the properties written with
 * {@link JsonMapper#writeValueAsString(Object)}, a monotonic ULID, the {@code created} column
 * formatted with the same pattern, and the {@code /-/create} body written with a
 * {@link JsonGenerator}. Keep it in step with those two classes when they change.
 */
final class RowJson {

	private static final DateTimeFormatter CREATED = DateTimeFormatter
		.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx")
		.withZone(ZoneOffset.UTC);

	private final EventRowMapper mapper;

	private final JsonMapper jsonMapper;

	private final JsonMapper bodyMapper = JsonMapper.shared();

	private final UlidFactory ids = UlidFactory.newMonotonicInstance();

	RowJson(EventRowMapper mapper, JsonMapper jsonMapper) {
		this.mapper = mapper;
		this.jsonMapper = jsonMapper;
	}

	/** As {@code RowFactory.create}. */
	EventRow row(Object event, Instant published) {
		MappedEvent mapped = this.mapper.map(event);
		Object properties = mapped.properties();
		String json = (properties != null) ? this.jsonMapper.writeValueAsString(properties) : "{}";
		String id = this.ids.create(published.toEpochMilli()).toString();
		return new EventRow(id, "benchmark", mapped.name(), CREATED.format(published), mapped.actorId(),
				mapped.database(), mapped.table(), json);
	}

	/** As {@code RequestBodyWriter.write} for a {@code /-/create} URL. */
	byte[] body(List<EventRow> rows, String table) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(256 + rows.size() * 256);
		try (JsonGenerator json = this.bodyMapper.createGenerator(out)) {
			json.writeStartObject();
			json.writeStringProperty("table", table);
			json.writeName("rows");
			json.writeStartArray();
			for (EventRow row : rows) {
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
			json.writeEndArray();
			json.writeBooleanProperty("ignore", true);
			json.writeStringProperty("pk", "id");
			json.writeEndObject();
		}
		return out.toByteArray();
	}

	private static void writeNullable(JsonGenerator json, String name, String value) {
		if (value != null) {
			json.writeStringProperty(name, value);
		}
		else {
			json.writeNullProperty(name);
		}
	}

}
