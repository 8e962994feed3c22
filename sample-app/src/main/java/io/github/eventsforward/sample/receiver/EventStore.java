package io.github.eventsforward.sample.receiver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The receiver's SQLite storage: creates tables from the rows it is sent and inserts rows as
 * Datasette's write API does, so that {@code datasette events.db} opens the result. Writes are
 * serialised, as SQLite wants them.
 */
public class EventStore {

	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	EventStore(JdbcTemplate jdbc, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.transactions = transactions;
	}

	/**
	 * What a {@code /-/create} call did.
	 *
	 * @param schema the table's {@code CREATE TABLE} statement
	 * @param inserted rows stored that were not there before
	 */
	record Outcome(String schema, int inserted) {
	}

	synchronized Outcome create(String table, String pk, List<ObjectNode> rows, Conflict conflict, boolean alter) {
		checkName(table);
		String existingPk = primaryKey(table);
		if (existingPk == null) {
			createTable(table, pk, rows);
		}
		else if (!existingPk.equals(pk)) {
			throw WriteApiException.badRequest("pk cannot be changed for existing table");
		}
		Set<String> columns = columns(table);
		for (ObjectNode row : rows) {
			for (String key : row.propertyNames()) {
				if (!columns.contains(key)) {
					if (!alter) {
						throw WriteApiException.badRequest("table " + table + " has no column named " + key);
					}
					addColumn(table, key, row.get(key));
					columns.add(key);
				}
			}
		}
		int inserted = insertRows(table, pk, rows, conflict);
		return new Outcome(schema(table), inserted);
	}

	synchronized int insert(String table, List<ObjectNode> rows, Conflict conflict, boolean alter) {
		String pk = primaryKey(table);
		if (pk == null) {
			throw new WriteApiException(404, "Table not found");
		}
		Set<String> columns = columns(table);
		for (int i = 0; i < rows.size(); i++) {
			List<String> invalid = new ArrayList<>();
			for (String key : rows.get(i).propertyNames()) {
				if (!columns.contains(key)) {
					invalid.add(key);
				}
			}
			if (!invalid.isEmpty()) {
				if (!alter) {
					throw WriteApiException.badRequest("Row " + i + " has invalid columns: " + String.join(", ", invalid));
				}
				for (String key : invalid) {
					addColumn(table, key, rows.get(i).get(key));
					columns.add(key);
				}
			}
		}
		return insertRows(table, pk, rows, conflict);
	}

	/**
	 * Return the newest rows of a table, newest first.
	 * @param table the table
	 * @param limit how many at most
	 * @return the rows, empty when the table does not exist yet
	 */
	public synchronized List<Map<String, Object>> newest(String table, int limit) {
		String pk = primaryKey(table);
		if (pk == null) {
			return List.of();
		}
		return this.jdbc.queryForList("SELECT * FROM [" + table + "] ORDER BY [" + pk + "] DESC LIMIT ?", limit);
	}

	/**
	 * Return how many rows a table holds.
	 * @param table the table
	 * @return the count, 0 when the table does not exist yet
	 */
	public synchronized long count(String table) {
		if (primaryKey(table) == null) {
			return 0;
		}
		Long count = this.jdbc.queryForObject("SELECT count(*) FROM [" + table + "]", Long.class);
		return (count != null) ? count : 0;
	}

	private int insertRows(String table, String pk, List<ObjectNode> rows, Conflict conflict) {
		if (rows.isEmpty()) {
			return 0;
		}
		Integer inserted = this.transactions.execute((status) -> {
			int count = 0;
			for (ObjectNode row : rows) {
				List<String> keys = new ArrayList<>(row.propertyNames());
				String sql = "INSERT " + conflict.clause + "INTO [" + table + "] ("
						+ String.join(", ", keys.stream().map((key) -> "[" + key + "]").toList()) + ") VALUES ("
						+ String.join(", ", Collections.nCopies(keys.size(), "?")) + ")";
				Object[] values = keys.stream().map((key) -> value(row.get(key))).toArray();
				try {
					count += this.jdbc.update(sql, values);
				}
				catch (DataAccessException ex) {
					if (String.valueOf(ex.getMessage()).contains("constraint failed")) {
						throw WriteApiException.badRequest("UNIQUE constraint failed: " + table + "." + pk);
					}
					throw ex;
				}
			}
			return count;
		});
		return (inserted != null) ? inserted : 0;
	}

	private void createTable(String table, String pk, List<ObjectNode> rows) {
		Map<String, String> columns = new LinkedHashMap<>();
		for (ObjectNode row : rows) {
			for (String key : row.propertyNames()) {
				checkName(key);
				JsonNode value = row.get(key);
				if (!columns.containsKey(key) || (value != null && !value.isNull() && "TEXT".equals(columns.get(key)))) {
					columns.put(key, type(value));
				}
			}
		}
		if (!columns.containsKey(pk)) {
			throw WriteApiException.badRequest("Primary key column " + pk + " does not exist");
		}
		List<String> definitions = new ArrayList<>();
		columns.forEach((name, type) -> definitions
			.add("   [" + name + "] " + type + (name.equals(pk) ? " PRIMARY KEY" : "")));
		this.jdbc.execute("CREATE TABLE [" + table + "] (\n" + String.join(",\n", definitions) + "\n)");
	}

	private void addColumn(String table, String column, @Nullable JsonNode value) {
		checkName(column);
		this.jdbc.execute("ALTER TABLE [" + table + "] ADD COLUMN [" + column + "] " + type(value));
	}

	private @Nullable String primaryKey(String table) {
		List<String> keys = this.jdbc.queryForList("SELECT name FROM pragma_table_info(?) WHERE pk > 0", String.class,
				table);
		return keys.isEmpty() ? null : keys.get(0);
	}

	private Set<String> columns(String table) {
		return new LinkedHashSet<>(
				this.jdbc.queryForList("SELECT name FROM pragma_table_info(?)", String.class, table));
	}

	private String schema(String table) {
		// Only SQLite's internal indexes have no sql: a table always has its CREATE statement.
		return Objects.requireNonNull(this.jdbc.queryForObject(
				"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", String.class, table));
	}

	private static void checkName(String name) {
		if (!NAME.matcher(name).matches()) {
			throw WriteApiException.badRequest("Invalid table or column name: " + name
					+ " (this stand-in receiver accepts letters, digits and underscores)");
		}
	}

	private static String type(@Nullable JsonNode value) {
		if (value == null || value.isNull() || value.isString() || value.isContainer()) {
			return "TEXT";
		}
		if (value.isIntegralNumber() || value.isBoolean()) {
			return "INTEGER";
		}
		return value.isNumber() ? "REAL" : "TEXT";
	}

	private static @Nullable Object value(@Nullable JsonNode value) {
		if (value == null || value.isNull()) {
			return null;
		}
		if (value.isContainer()) {
			// A nested object or list is stored as JSON text, as Datasette does.
			return value.toString();
		}
		if (value.isBoolean()) {
			return value.asBoolean() ? 1 : 0;
		}
		if (value.isIntegralNumber()) {
			return value.asLong();
		}
		if (value.isNumber()) {
			return value.asDouble();
		}
		return value.asString();
	}

	/**
	 * What to do with a row whose primary key is already stored.
	 */
	enum Conflict {

		/** Fail the whole batch. */
		FAIL(""),

		/** Keep the stored row. */
		IGNORE("OR IGNORE "),

		/** Replace the stored row. */
		REPLACE("OR REPLACE ");

		private final String clause;

		Conflict(String clause) {
			this.clause = clause;
		}

	}

}
