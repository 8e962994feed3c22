package io.github.eventsforward.internal;

import java.io.ByteArrayOutputStream;
import java.io.CharArrayWriter;
import java.nio.charset.StandardCharsets;
import java.util.EventObject;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRow;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.introspect.BeanPropertyDefinition;
import tools.jackson.databind.introspect.ClassIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.context.ApplicationEvent;

/**
 * The way from an event to the bytes of its row as it was before the properties were
 * written in one pass, kept as the reference the forwarder must match byte for byte: the
 * event read into a tree with the mix-ins, the column properties taken out of the tree,
 * the tree written with the application's mapper as one of a sequence of root values, and
 * the row written as a JSON object around it. Like the forwarder, one instance is used by
 * one thread and keeps its generators from one event to the next.
 */
final class TreeReference {

	private static final String[] COLUMNS = { "id", "instance", "event", "created", "actor_id", "database_name",
			"table_name", "properties" };

	private final JsonMapper eventMapper;

	private final ObjectWriter propertiesWriter;

	private final CharArrayWriter propertiesBuffer = new CharArrayWriter(256);

	private @Nullable JsonGenerator propertiesGenerator;

	private final JsonMapper rowMapper = JsonMapper
		.builder(JsonFactory.builder().rootValueSeparator((String) null).build())
		.build();

	private final ByteArrayOutputStream rowBuffer = new ByteArrayOutputStream(1024);

	private @Nullable JsonGenerator rowGenerator;

	/**
	 * Create the reference for a mapper that reads events with one JSON mapper and a
	 * forwarder that writes properties with another (usually the same).
	 * @param eventMapper the mapper given to the event row mapper
	 * @param propertiesMapper the mapper given to the forwarder
	 */
	TreeReference(JsonMapper eventMapper, JsonMapper propertiesMapper) {
		this.eventMapper = eventMapper.rebuild()
			.addMixIn(EventObject.class, IgnoreSource.class)
			.addMixIn(ApplicationEvent.class, IgnoreTimestamp.class)
			.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
			.build();
		this.propertiesWriter = propertiesMapper.writer().withRootValueSeparator((String) null);
	}

	/**
	 * Return the row of a mapped event, with the columns the forwarder adds given.
	 */
	EventRow row(Mapped mapped, String id, @Nullable String instance, String created) {
		String json = writeProperties(mapped.properties());
		return new EventRow(id, instance, mapped.name(), created, mapped.actorId(), mapped.database(),
				mapped.table(), json);
	}

	/**
	 * Return the row as a request body carries it.
	 */
	byte[] encode(EventRow row) {
		JsonGenerator json = this.rowGenerator;
		if (json == null) {
			json = this.rowMapper.createGenerator(this.rowBuffer);
			this.rowGenerator = json;
		}
		try {
			String[] values = { row.id(), row.instance(), row.event(), row.created(), row.actorId(),
					row.databaseName(), row.tableName(), row.properties() };
			json.writeStartObject();
			for (int i = 0; i < COLUMNS.length; i++) {
				json.writeName(COLUMNS[i]);
				if (values[i] != null) {
					json.writeString(values[i]);
				}
				else {
					json.writeNull();
				}
			}
			json.writeEndObject();
			json.flush();
			return this.rowBuffer.toByteArray();
		}
		finally {
			this.rowBuffer.reset();
		}
	}

	/**
	 * Return the {@code /-/create} body of the given rows.
	 */
	static byte[] body(String table, List<byte[]> rows) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes(("{\"table\":\"" + table + "\",\"rows\":[").getBytes(StandardCharsets.UTF_8));
		for (int i = 0; i < rows.size(); i++) {
			if (i > 0) {
				body.write(',');
			}
			body.writeBytes(rows.get(i));
		}
		body.writeBytes("],\"ignore\":true,\"pk\":\"id\"}".getBytes(StandardCharsets.UTF_8));
		return body.toByteArray();
	}

	private String writeProperties(@Nullable Object properties) {
		if (properties == null) {
			return "{}";
		}
		JsonGenerator generator = this.propertiesGenerator;
		if (generator == null) {
			generator = this.propertiesWriter.createGenerator(this.propertiesBuffer);
			this.propertiesGenerator = generator;
		}
		try {
			this.propertiesWriter.writeValue(generator, properties);
			generator.flush();
			return this.propertiesBuffer.toString();
		}
		catch (RuntimeException ex) {
			this.propertiesGenerator = null;
			throw ex;
		}
		finally {
			this.propertiesBuffer.reset();
		}
	}

	/**
	 * Map an event as the mapper did: its tree, with the column properties taken out.
	 */
	Mapped map(Object event) {
		JsonNode tree = this.eventMapper.valueToTree(event);
		String name = DefaultEventRowMapper.eventName(event.getClass());
		if (!(tree instanceof ObjectNode properties)) {
			ObjectNode value = this.eventMapper.createObjectNode();
			if (tree != null && !tree.isNull()) {
				value.set("value", tree);
			}
			return new Mapped(name, null, null, null, value);
		}
		String[] keys = columnKeys(event.getClass());
		String actorId = column(properties.remove(keys[0]));
		String database = column(properties.remove(keys[1]));
		String table = column(properties.remove(keys[2]));
		return new Mapped(name, actorId, database, table, properties);
	}

	private String[] columnKeys(Class<?> type) {
		SerializationConfig config = this.eventMapper.serializationConfig();
		JavaType javaType = config.constructType(type);
		ClassIntrospector introspector = config.classIntrospectorInstance();
		BeanDescription description = introspector.introspectForSerialization(javaType,
				introspector.introspectClassAnnotations(javaType));
		String[] keys = { "actorId", "database", "table" };
		for (BeanPropertyDefinition property : description.findProperties()) {
			switch (property.getInternalName()) {
				case "actorId" -> keys[0] = property.getName();
				case "database" -> keys[1] = property.getName();
				case "table" -> keys[2] = property.getName();
				default -> {
				}
			}
		}
		return keys;
	}

	private static @Nullable String column(@Nullable JsonNode value) {
		if (value == null || value.isNull() || value.isMissingNode()) {
			return null;
		}
		String text = value.isValueNode() ? value.asString() : value.toString();
		return text.isEmpty() ? null : text;
	}

	record Mapped(String name, @Nullable String actorId, @Nullable String database, @Nullable String table,
			ObjectNode properties) {
	}

	private abstract static class IgnoreSource {

		@JsonIgnore
		abstract Object getSource();

	}

	private abstract static class IgnoreTimestamp {

		@JsonIgnore
		abstract long getTimestamp();

	}

}
