package io.github.eventsforward;

import java.util.EventObject;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.introspect.BeanPropertyDefinition;
import tools.jackson.databind.introspect.ClassIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

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
 */
public class DefaultEventRowMapper implements EventRowMapper {

	private static final String ACTOR_ID = "actorId";

	private static final String DATABASE = "database";

	private static final String TABLE = "table";

	private static final ClassValue<String> NAMES = new ClassValue<>() {

		@Override
		protected String computeValue(Class<?> type) {
			return eventName(type);
		}

	};

	private final JsonMapper jsonMapper;

	private final ClassValue<ColumnKeys> columnKeys = new ClassValue<>() {

		@Override
		protected ColumnKeys computeValue(Class<?> type) {
			return columnKeys(type);
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
		this.jsonMapper = jsonMapper.rebuild()
			.addMixIn(EventObject.class, IgnoreSource.class)
			.addMixIn(ApplicationEvent.class, IgnoreTimestamp.class)
			.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
			.build();
	}

	@Override
	public MappedEvent map(Object event) {
		JsonNode tree = this.jsonMapper.valueToTree(event);
		String name = NAMES.get(event.getClass());
		if (!(tree instanceof ObjectNode properties)) {
			// A scalar or array payload, such as publishEvent("text"), has no named properties.
			ObjectNode value = this.jsonMapper.createObjectNode();
			if (tree != null && !tree.isNull()) {
				value.set("value", tree);
			}
			return new MappedEvent(name, null, null, null, value);
		}
		ColumnKeys keys = this.columnKeys.get(event.getClass());
		String actorId = column(properties.remove(keys.actorId()));
		String database = column(properties.remove(keys.database()));
		String table = column(properties.remove(keys.table()));
		return new MappedEvent(name, actorId, database, table, properties);
	}

	/**
	 * Find the JSON names that the mapper gives the {@code actorId}, {@code database} and
	 * {@code table} properties of a type, after its naming strategy and annotations. A
	 * type without such a property, such as a {@code Map}, keeps the property's own name.
	 */
	private ColumnKeys columnKeys(Class<?> type) {
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
		return new ColumnKeys(actorId, database, table);
	}

	private static @Nullable String column(@Nullable JsonNode value) {
		if (value == null || value.isNull() || value.isMissingNode()) {
			return null;
		}
		String text = value.isValueNode() ? value.asString() : value.toString();
		// As the Python plugin does, an empty value means none.
		return text.isEmpty() ? null : text;
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

	private record ColumnKeys(String actorId, String database, String table) {
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
