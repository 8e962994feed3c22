package io.github.eventsforward.sample.shop;

/**
 * An event that fills the {@code database_name} and {@code table_name} columns, as
 * Datasette's own {@code create-table} event does.
 *
 * @param database the database, in {@code database_name}
 * @param table the new table, in {@code table_name}
 * @param actorId who created it
 * @param columns how many columns it has
 */
public record TableCreated(String database, String table, String actorId, int columns) {
}
