package io.github.eventsforward.internal;

import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JacksonSerializable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.TypeSerializer;

/**
 * An event's properties already written as the JSON text of the {@code properties} column,
 * as {@link io.github.eventsforward.DefaultEventRowMapper} gives them: the forwarder sends
 * the text as it is when it writes rows with the JSON mapper it was written for. Any other
 * mapper writes these properties as the JSON object they were taken from, as it would write
 * that object itself; {@link #toString()} is the text.
 */
public final class WrittenProperties extends JacksonSerializable.Base {

	private final String json;

	private final JsonMapper writtenFor;

	private final Object value;

	private final Function<Object, JsonNode> tree;

	/**
	 * Create properties from their text.
	 * @param json the JSON object, as {@code writtenFor} writes it
	 * @param writtenFor the JSON mapper whose output the text is
	 * @param value what the text was written from, such as the event
	 * @param tree makes the JSON object the text was written from out of the value, for
	 * other mappers
	 */
	public WrittenProperties(String json, JsonMapper writtenFor, Object value, Function<Object, JsonNode> tree) {
		this.json = Objects.requireNonNull(json, "json must not be null");
		this.writtenFor = Objects.requireNonNull(writtenFor, "writtenFor must not be null");
		this.value = Objects.requireNonNull(value, "value must not be null");
		this.tree = Objects.requireNonNull(tree, "tree must not be null");
	}

	/**
	 * Return the text, if it is what the given mapper writes for these properties.
	 * @param jsonMapper the mapper that writes the {@code properties} column
	 * @return the JSON text, or {@code null} if the mapper is not the one it was written for
	 */
	@Nullable String json(JsonMapper jsonMapper) {
		return (jsonMapper == this.writtenFor) ? this.json : null;
	}

	/**
	 * Return the JSON object the text was written from.
	 * @return a new tree of the properties
	 */
	JsonNode tree() {
		return this.tree.apply(this.value);
	}

	@Override
	public void serialize(JsonGenerator generator, SerializationContext context) {
		tree().serialize(generator, context);
	}

	@Override
	public void serializeWithType(JsonGenerator generator, SerializationContext context,
			TypeSerializer typeSerializer) {
		tree().serializeWithType(generator, context, typeSerializer);
	}

	@Override
	public boolean isEmpty(SerializationContext context) {
		return tree().isEmpty(context);
	}

	@Override
	public String toString() {
		return this.json;
	}

}
