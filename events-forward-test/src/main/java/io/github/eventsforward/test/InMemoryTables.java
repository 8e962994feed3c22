package io.github.eventsforward.test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tables kept in memory, as SQLite would keep them for Datasette: a table has the columns of
 * the rows it was created with and a primary key; a request that names a column it lacks is
 * refused unless it asks to {@code alter}; rows keep the order they were stored in.
 */
public final class InMemoryTables implements DatasetteWriteApi.Tables {

	private final Map<String, Table> tables = new LinkedHashMap<>();

	private long stored;

	@Override
	public synchronized String create(String table, String pk, List<ObjectNode> rows,
			DatasetteWriteApi.Conflict conflict, boolean alter) {
		Table existing = this.tables.get(table);
		Table target = (existing != null) ? existing : new Table(table, pk, rows);
		if (!target.pk.equals(pk)) {
			throw WriteRefusedException.badRequest("pk cannot be changed for existing table");
		}
		for (ObjectNode row : rows) {
			for (String key : row.propertyNames()) {
				if (!target.columns.containsKey(key)) {
					if (!alter) {
						throw WriteRefusedException.badRequest("table " + table + " has no column named " + key);
					}
				}
			}
		}
		target.store(rows, conflict, alter);
		this.tables.put(table, target);
		return target.schema();
	}

	@Override
	public synchronized void insert(String table, List<ObjectNode> rows, DatasetteWriteApi.Conflict conflict,
			boolean alter) {
		Table target = this.tables.get(table);
		if (target == null) {
			throw new WriteRefusedException(404, "Table not found");
		}
		if (!alter) {
			for (int i = 0; i < rows.size(); i++) {
				List<String> invalid = rows.get(i).propertyNames().stream()
					.filter((key) -> !target.columns.containsKey(key))
					.toList();
				if (!invalid.isEmpty()) {
					throw WriteRefusedException.badRequest("Row " + i + " has invalid columns: " + String.join(", ", invalid));
				}
			}
		}
		target.store(rows, conflict, alter);
	}

	/**
	 * Return the rows of a table, in the order they were stored.
	 * @param table the table
	 * @return copies of the rows, empty when the table does not exist
	 */
	public synchronized List<ObjectNode> rows(String table) {
		Table target = this.tables.get(table);
		return (target != null) ? target.rows.values().stream().map((row) -> row.row.deepCopy()).toList() : List.of();
	}

	/**
	 * Return the rows of every table, in the order they were stored.
	 * @return the table of each row, and a copy of the row
	 */
	public synchronized List<Map.Entry<String, ObjectNode>> allRows() {
		List<Stored> all = new ArrayList<>();
		this.tables.values().forEach((table) -> all.addAll(table.rows.values()));
		all.sort(Comparator.comparingLong(Stored::sequence));
		return all.stream().map((row) -> Map.entry(row.table, row.row.deepCopy())).toList();
	}

	/**
	 * Return whether a table exists.
	 * @param table the table
	 * @return whether it does
	 */
	public synchronized boolean hasTable(String table) {
		return this.tables.containsKey(table);
	}

	/**
	 * Create an empty table with the forwarder's columns and {@code id} as its primary key,
	 * as a first {@code /-/create} would have, so that {@code /-/insert} finds it.
	 * @param table the table
	 */
	public synchronized void createEventsTable(String table) {
		this.tables.computeIfAbsent(table, (name) -> new Table(name, "id", List.of()));
	}

	/**
	 * Delete every row; the tables stay.
	 */
	public synchronized void deleteRows() {
		this.tables.values().forEach((table) -> table.rows.clear());
	}

	private long nextSequence() {
		return this.stored++;
	}

	private record Stored(String table, long sequence, ObjectNode row) {
	}

	private final class Table {

		private static final List<String> EVENT_COLUMNS = List.of("id", "instance", "event", "created", "actor_id",
				"database_name", "table_name", "properties");

		private final String name;

		private final String pk;

		private final Map<String, String> columns = new LinkedHashMap<>();

		private final Map<Object, Stored> rows = new LinkedHashMap<>();

		private long rowid;

		Table(String name, String pk, List<ObjectNode> rows) {
			this.name = name;
			this.pk = pk;
			if (rows.isEmpty()) {
				EVENT_COLUMNS.forEach((column) -> this.columns.put(column, "TEXT"));
			}
			for (ObjectNode row : rows) {
				for (String key : row.propertyNames()) {
					JsonNode value = row.get(key);
					if (!this.columns.containsKey(key) || (!value.isNull() && "TEXT".equals(this.columns.get(key)))) {
						this.columns.put(key, DatasetteWriteApi.columnType(value));
					}
				}
			}
			if (!"rowid".equals(pk) && !this.columns.containsKey(pk)) {
				throw WriteRefusedException.badRequest("Primary key column " + pk + " does not exist");
			}
		}

		void store(List<ObjectNode> rows, DatasetteWriteApi.Conflict conflict, boolean alter) {
			Map<Object, ObjectNode> batch = new LinkedHashMap<>();
			Set<Object> replaced = new LinkedHashSet<>();
			for (ObjectNode row : rows) {
				Object key = key(row);
				boolean stored = this.rows.containsKey(key) || batch.containsKey(key);
				if (stored && conflict == DatasetteWriteApi.Conflict.FAIL) {
					throw WriteRefusedException.badRequest("UNIQUE constraint failed: " + this.name + "." + this.pk);
				}
				if (conflict == DatasetteWriteApi.Conflict.REPLACE) {
					replaced.add(key);
					batch.remove(key);
					batch.put(key, row);
				}
				else {
					batch.putIfAbsent(key, row);
				}
			}
			if (alter) {
				rows.forEach((row) -> row.propertyNames()
					.forEach((key) -> this.columns.putIfAbsent(key, DatasetteWriteApi.columnType(row.get(key)))));
			}
			batch.forEach((key, row) -> {
				if (replaced.contains(key)) {
					this.rows.remove(key);
				}
				if (!this.rows.containsKey(key)) {
					this.rows.put(key, new Stored(this.name, nextSequence(), row.deepCopy()));
				}
			});
		}

		private Object key(ObjectNode row) {
			if ("rowid".equals(this.pk)) {
				return ++this.rowid;
			}
			JsonNode key = row.get(this.pk);
			return (key != null) ? key : "";
		}

		String schema() {
			List<String> definitions = new ArrayList<>();
			this.columns.forEach((column, type) -> definitions
				.add("   [" + column + "] " + type + (column.equals(this.pk) ? " PRIMARY KEY" : "")));
			return "CREATE TABLE [" + this.name + "] (\n" + String.join(",\n", definitions) + "\n)";
		}

	}

}
