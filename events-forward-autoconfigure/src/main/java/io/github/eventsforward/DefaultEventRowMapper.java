package io.github.eventsforward;

import java.util.EventObject;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.github.eventsforward.internal.WrittenProperties;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.introspect.BeanPropertyDefinition;
import tools.jackson.databind.introspect.ClassIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.ser.std.NullSerializer;

import org.springframework.context.ApplicationEvent;

/**
 * The default {@link EventRowMapper}. It reads an event's properties (record components or
 * getters) with the application's JSON mapper, so the mapper's modules and settings apply:
 * <ul>
 * <li>{@code event}: the value of {@link EventName @EventName} on the event's class, else
 * the class's simple name without a trailing {@code Event}, in kebab-case
 * ({@code UserSignedUpEvent} becomes {@code user-signed-up});</li>
 * <li>{@code actor_id}, {@code database_name}, {@code table_name}: the properties
 * {@code actorId}, {@code database} and {@code table} as text (an empty one as
 * {@code null}), removed from the others. They are found by their Java names, whatever
 * JSON names the mapper's naming strategy or {@code @JsonProperty} give them;</li>
 * <li>{@code properties}: every other property, as a JSON object, named as the mapper
 * names it. The {@code source} and {@code timestamp} of an {@link ApplicationEvent} are not
 * properties.</li>
 * </ul>
 * The properties are what the mapper writes for the event's tree ({@code valueToTree}) once
 * the three column properties are taken out of it. They are written in one pass, without
 * the tree, and come as {@link WrittenProperties}, the JSON text, which the forwarder sends
 * as it is. Events whose text a single pass cannot give exactly (a payload that is not an
 * object, a column property that is not text, a name written twice, binary or raw output,
 * or a mapper whose settings write trees differently from values) go through the tree
 * itself, and their properties are that tree, as an {@link ObjectNode}.
 * <p>
 * Thread-safe: the forwarder calls it from its own thread, but it may be called from any.
 */
public class DefaultEventRowMapper implements EventRowMapper {

	private static final String ACTOR_ID = "actorId";

	private static final String DATABASE = "database";

	private static final String TABLE = "table";

	// The application's mapper, which the forwarder writes the properties column with.
	private final JsonMapper applicationMapper;

	// The application's mapper with the mix-ins: events are read with it.
	private final JsonMapper jsonMapper;

	// Writes events in one pass, one after another as root values with nothing between them;
	// null when this mapper's trees are not written as its values are.
	private final @Nullable ObjectWriter propertiesWriter;

	// Whether a generator can write one event after another: a pretty printer would write
	// something between them.
	private final boolean reusesGenerators;

	private final AtomicReference<@Nullable PropertiesGenerator> idleGenerator = new AtomicReference<>();

	private final ClassValue<EventType> types = new ClassValue<>() {

		@Override
		protected EventType computeValue(Class<?> type) {
			return eventType(type);
		}

	};

	/**
	 * Create a mapper with Jackson's defaults.
	 */
	public DefaultEventRowMapper() {
		this(JsonMapper.shared());
	}

	/**
	 * Create a mapper that reads events with the given JSON mapper's settings.
	 * @param jsonMapper the application's JSON mapper
	 */
	public DefaultEventRowMapper(JsonMapper jsonMapper) {
		this.applicationMapper = jsonMapper;
		this.jsonMapper = jsonMapper.rebuild()
			.addMixIn(EventObject.class, IgnoreSource.class)
			.addMixIn(ApplicationEvent.class, IgnoreTimestamp.class)
			.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
			.build();
		this.propertiesWriter = writesTreesAsValues(this.jsonMapper) ? this.jsonMapper.writer()
			.without(StreamWriteFeature.AUTO_CLOSE_CONTENT)
			.withRootValueSeparator((String) null) : null;
		this.reusesGenerators = !this.jsonMapper.isEnabled(SerializationFeature.INDENT_OUTPUT);
	}

	/**
	 * Return whether the mapper writes a tree of a value as it writes the value itself, so
	 * that the value can be written without the tree: none of its settings that apply only
	 * to trees, or to root values, is changed from Jackson's default.
	 */
	private static boolean writesTreesAsValues(JsonMapper jsonMapper) {
		SerializationConfig config = jsonMapper.serializationConfig();
		// A null serializer of the application's own (from a module) writes a tree's every null.
		boolean standardNulls = jsonMapper._serializationContext()
			.getDefaultNullValueSerializer() instanceof NullSerializer;
		return standardNulls && !config.isEnabled(SerializationFeature.WRAP_ROOT_VALUE)
				&& config.getFullRootName() == null
				&& !config.isEnabled(SerializationFeature.CLOSE_CLOSEABLE)
				&& config.isEnabled(SerializationFeature.WRITE_EMPTY_JSON_ARRAYS)
				&& config.isEnabled(JsonNodeFeature.WRITE_NULL_PROPERTIES)
				&& !config.isEnabled(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
				&& !config.isEnabled(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
				&& config.getNodeFactory().getClass() == JsonNodeFactory.class
				&& config.getDefaultTyper(config.constructType(Object.class)) == null;
	}

	@Override
	public MappedEvent map(Object event) {
		EventType type = this.types.get(event.getClass());
		ObjectWriter writer = type.writer();
		ObjectWriter propertiesWriter = this.propertiesWriter;
		if (writer != null && propertiesWriter != null) {
			MappedEvent mapped = mapInOnePass(event, type, writer, propertiesWriter);
			if (mapped != null) {
				return mapped;
			}
		}
		return mapThroughTree(event, type);
	}

	/**
	 * Map an event by writing it once: the properties' text, with the columns kept out of it.
	 * @return the columns, or {@code null} if the event is to be mapped through its tree
	 */
	private @Nullable MappedEvent mapInOnePass(Object event, EventType type, ObjectWriter writer,
			ObjectWriter propertiesWriter) {
		// One generator is kept for the next event and taken by one thread at a time; other
		// threads make their own.
		PropertiesGenerator generator = this.reusesGenerators ? this.idleGenerator.getAndSet(null) : null;
		if (generator == null) {
			generator = PropertiesGenerator.create(propertiesWriter);
		}
		generator.start(type.layout());
		String text;
		try {
			writer.writeValue(generator, event);
			text = generator.text();
		}
		catch (RuntimeException ex) {
			// Whatever failed, the tree tells: it maps the event, or fails as it always did.
			generator.closeText();
			return null;
		}
		if (generator.needsTree()) {
			generator.closeText();
			return null;
		}
		generator.learn();
		WrittenProperties properties = new WrittenProperties(text, this.applicationMapper, event, type.tree());
		MappedEvent mapped = new MappedEvent(type.name(), column(generator.column(0)), column(generator.column(1)),
				column(generator.column(2)), properties);
		if (!this.reusesGenerators || !this.idleGenerator.compareAndSet(null, generator)) {
			generator.closeText();
		}
		return mapped;
	}

	private MappedEvent mapThroughTree(Object event, EventType type) {
		JsonNode tree = this.jsonMapper.valueToTree(event);
		if (!(tree instanceof ObjectNode properties)) {
			// A scalar or array payload, such as publishEvent("text"), has no named properties.
			ObjectNode value = this.jsonMapper.createObjectNode();
			if (tree != null && !tree.isNull()) {
				value.set("value", tree);
			}
			return new MappedEvent(type.name(), null, null, null, value);
		}
		PropertiesGenerator.Layout keys = type.layout();
		String actorId = column(properties.remove(keys.key(0)));
		String database = column(properties.remove(keys.key(1)));
		String table = column(properties.remove(keys.key(2)));
		return new MappedEvent(type.name(), actorId, database, table, properties);
	}

	// The tree of an event written in one pass, with the column properties taken out: the
	// object its text was written from.
	private JsonNode tree(Object event, PropertiesGenerator.Layout keys) {
		JsonNode tree = this.jsonMapper.valueToTree(event);
		if (tree instanceof ObjectNode properties) {
			properties.remove(keys.key(0));
			properties.remove(keys.key(1));
			properties.remove(keys.key(2));
		}
		return tree;
	}

	private EventType eventType(Class<?> type) {
		ObjectWriter writer = (this.propertiesWriter != null) ? this.propertiesWriter.forType(type) : null;
		PropertiesGenerator.Layout layout = layout(type);
		return new EventType(eventName(type), layout, writer, (event) -> tree(event, layout));
	}

	/**
	 * Find the JSON names that the mapper gives the {@code actorId}, {@code database} and
	 * {@code table} properties of a type, after its naming strategy and annotations. A
	 * type without such a property, such as a {@code Map}, keeps the property's own name.
	 */
	private PropertiesGenerator.Layout layout(Class<?> type) {
		SerializationConfig config = this.jsonMapper.serializationConfig();
		JavaType javaType = config.constructType(type);
		ClassIntrospector introspector = config.classIntrospectorInstance();
		BeanDescription description = introspector.introspectForSerialization(javaType,
				introspector.introspectClassAnnotations(javaType));
		String actorId = ACTOR_ID;
		String database = DATABASE;
		String table = TABLE;
		for (BeanPropertyDefinition property : description.findProperties()) {
			switch (property.getInternalName()) {
				case ACTOR_ID -> actorId = property.getName();
				case DATABASE -> database = property.getName();
				case TABLE -> table = property.getName();
				default -> {
				}
			}
		}
		return new PropertiesGenerator.Layout(actorId, database, table);
	}

	private static @Nullable String column(@Nullable JsonNode value) {
		if (value == null || value.isNull() || value.isMissingNode()) {
			return null;
		}
		return column(value.isValueNode() ? value.asString() : value.toString());
	}

	private static @Nullable String column(@Nullable String text) {
		// As the Python plugin does, an empty value means none.
		return (text == null || text.isEmpty()) ? null : text;
	}

	/**
	 * Return the {@code event} name of a type: its {@link EventName @EventName}, else its
	 * simple name without a trailing {@code Event}, in kebab-case.
	 * @param type the event's type
	 * @return the event name
	 */
	public static String eventName(Class<?> type) {
		EventName explicit = type.getAnnotation(EventName.class);
		if (explicit != null && !explicit.value().isBlank()) {
			return explicit.value();
		}
		String simpleName = simpleName(type);
		if (simpleName.endsWith("Event") && simpleName.length() > "Event".length()) {
			simpleName = simpleName.substring(0, simpleName.length() - "Event".length());
		}
		return kebabCase(simpleName);
	}

	private static String simpleName(Class<?> type) {
		String simpleName = type.getSimpleName();
		if (!simpleName.isEmpty()) {
			return simpleName;
		}
		// Anonymous and synthetic classes: the part of the binary name after the last '.' or '$'.
		String name = type.getName();
		int start = Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1;
		return name.substring(start);
	}

	static String kebabCase(String name) {
		StringBuilder kebab = new StringBuilder(name.length() + 8);
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c == '_' || c == '$' || c == '-') {
				appendSeparator(kebab);
				continue;
			}
			if (Character.isUpperCase(c) && i > 0) {
				char previous = name.charAt(i - 1);
				boolean wordStart = Character.isLowerCase(previous) || Character.isDigit(previous);
				boolean acronymEnd = Character.isUpperCase(previous) && i + 1 < name.length()
						&& Character.isLowerCase(name.charAt(i + 1));
				if (wordStart || acronymEnd) {
					appendSeparator(kebab);
				}
			}
			kebab.append(Character.toLowerCase(c));
		}
		int end = kebab.length();
		while (end > 0 && kebab.charAt(end - 1) == '-') {
			end--;
		}
		return kebab.substring(0, end).toLowerCase(Locale.ROOT);
	}

	private static void appendSeparator(StringBuilder kebab) {
		if (kebab.length() > 0 && kebab.charAt(kebab.length() - 1) != '-') {
			kebab.append('-');
		}
	}

	/**
	 * What is found once for each type of event.
	 * @param name the event name
	 * @param layout the JSON names of its {@code actorId}, {@code database} and
	 * {@code table} properties, and what is learned of its root object
	 * @param writer writes events of this type in one pass, or {@code null} if they go
	 * through a tree
	 * @param tree makes the tree an event written in one pass was written from
	 */
	private record EventType(String name, PropertiesGenerator.Layout layout, @Nullable ObjectWriter writer,
			Function<Object, JsonNode> tree) {
	}

	// Method mix-ins rather than class-level @JsonIgnoreProperties: Jackson takes a class
	// annotation from the nearest type that has one, so a second mix-in on ApplicationEvent,
	// or the event's own @JsonIgnoreProperties, would hide the first. Method annotations are
	// merged, and also cover an override of getSource() with a narrower return type.
	private abstract static class IgnoreSource {

		@JsonIgnore
		abstract Object getSource();

	}

	private abstract static class IgnoreTimestamp {

		@JsonIgnore
		abstract long getTimestamp();

	}

}
