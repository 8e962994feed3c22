package com.example.shop;

/**
 * An event that carries the {@code database}, {@code table} and {@code actorId} columns.
 */
public record TableCreated(String database, String table, String actorId, int columns) {
}
