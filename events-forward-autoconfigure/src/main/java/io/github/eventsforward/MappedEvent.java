package io.github.eventsforward;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What an {@link EventRowMapper} makes of one event: the columns that describe it. The
 * forwarder adds the {@code id}, {@code instance} and {@code created} columns itself.
 *
 * @param name value of the {@code event} column, such as {@code user-signed-up}
 * @param actorId value of the {@code actor_id} column, or {@code null}
 * @param database value of the {@code database_name} column, or {@code null}
 * @param table value of the {@code table_name} column, or {@code null}
 * @param properties the event's other properties, written to the {@code properties} column as
 * JSON text: a {@code Map}, a record, a Jackson {@code JsonNode} or anything else the
 * application's JSON mapper writes as an object; {@code null} for none.
 * {@link DefaultEventRowMapper} gives them already written, as an object whose
 * {@code toString()} is the JSON text and which any JSON mapper writes as that object
 */
public record MappedEvent(String name, @Nullable String actorId, @Nullable String database,
		@Nullable String table, @Nullable Object properties) {

	public MappedEvent {
		Objects.requireNonNull(name, "name must not be null");
		if (name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
	}

}
