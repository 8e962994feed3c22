package io.github.eventsforward;

import org.jspecify.annotations.Nullable;

/**
 * One row of the events table, exactly as it is sent: the columns the Python plugin
 * {@code datasette-events-forward} writes.
 *
 * @param id monotonic ULID, the primary key
 * @param instance label of the sending instance
 * @param event event name in kebab-case
 * @param created publication time, ISO 8601 with microseconds and {@code +00:00}
 * @param actorId the actor, if any
 * @param databaseName the database, if any
 * @param tableName the table, if any
 * @param properties the other properties as JSON text
 */
public record EventRow(String id, @Nullable String instance, String event, String created, @Nullable String actorId,
		@Nullable String databaseName, @Nullable String tableName, String properties) {

}
