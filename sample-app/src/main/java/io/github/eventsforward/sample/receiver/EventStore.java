package io.github.eventsforward.sample.receiver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.github.eventsforward.test.DatasetteWriteApi;
import io.github.eventsforward.test.WriteRefusedException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
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
public class EventStore implements DatasetteWriteApi.Tables {

	private static final Log logger = LogFactory.getLog(EventStore.class);

	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final String database;

	EventStore(JdbcTemplate jdbc, TransactionTemplate transactions, String database) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.database = database;
	}

	@Override
	public synchronized String create(String table, String pk, List<ObjectNode> rows,
			DatasetteWriteApi.Conflict conflict, boolean alter) {
		checkName(table);
		String existingPk = primaryKey(table);
		if (existingPk == null) {
			createTable(table, pk, rows);
		}
		else if (!existingPk.equals(pk)) {
			throw WriteRefusedException.badRequest("pk cannot be changed for existing table");
		}
		Set<String> columns = columns(table);
		for (ObjectNode row : rows) {
			for (String key : row.propertyNames()) {
				if (!columns.contains(key)) {
					if (!alter) {
						throw WriteRefusedException.badRequest("table " + table + " has no column named " + key);
					}
					addColumn(table, key, row.get(key));
					columns.add(key);
				}
			}
		}
		logBatch(table, rows, insertRows(table, pk, rows, conflict));
		return schema(table);
	}

	@Override
	public synchronized void insert(String table, List<ObjectNode> rows, DatasetteWriteApi.Conflict conflict,
			boolean alter) {
		String pk = primaryKey(table);
		if (pk == null) {
			throw new WriteRefusedException(404, "Table not found");
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
					throw WriteRefusedException.badRequest("Row " + i + " has invalid columns: " + String.join(", ", invalid));
				}
				for (String key : invalid) {
					addColumn(table, key, rows.get(i).get(key));
					columns.add(key);
				}
			}
		}
		logBatch(table, rows, insertRows(table, pk, rows, conflict));
	}

	private void logBatch(String table, List<ObjectNode> rows, int inserted) {
		Map<String, Integer> names = new TreeMap<>();
		for (ObjectNode row : rows) {
			names.merge(row.path("event").asString("?"), 1, Integer::sum);
		}
		List<String> summary = new ArrayList<>();
		names.forEach((name, count) -> summary.add(name + " x" + count));
		logger.info("Received " + rows.size() + " events into " + this.database + "/" + table + " (" + inserted
				+ " new, " + count(table) + " in all): " + String.join(", ", summary));
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

	private int insertRows(String table, String pk, List<ObjectNode> rows, DatasetteWriteApi.Conflict conflict) {
		if (rows.isEmpty()) {
			return 0;
		}
		Integer inserted = this.transactions.execute((status) -> {
			int count = 0;
			for (ObjectNode row : rows) {
				List<String> keys = new ArrayList<>(row.propertyNames());
				String sql = "INSERT " + clause(conflict) + "INTO [" + table + "] ("
						+ String.join(", ", keys.stream().map((key) -> "[" + key + "]").toList()) + ") VALUES ("
						+ String.join(", ", Collections.nCopies(keys.size(), "?")) + ")";
				Object[] values = keys.stream().map((key) -> value(row.get(key))).toArray();
				try {
					count += this.jdbc.update(sql, values);
				}
				catch (DataAccessException ex) {
					if (String.valueOf(ex.getMessage()).contains("constraint failed")) {
						throw WriteRefusedException.badRequest("UNIQUE constraint failed: " + table + "." + pk);
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
					columns.put(key, DatasetteWriteApi.columnType(value));
				}
			}
		}
		if (!columns.containsKey(pk)) {
			throw WriteRefusedException.badRequest("Primary key column " + pk + " does not exist");
		}
		List<String> definitions = new ArrayList<>();
		columns.forEach((name, type) -> definitions
			.add("   [" + name + "] " + type + (name.equals(pk) ? " PRIMARY KEY" : "")));
		this.jdbc.execute("CREATE TABLE [" + table + "] (\n" + String.join(",\n", definitions) + "\n)");
	}

	private void addColumn(String table, String column, @Nullable JsonNode value) {
		checkName(column);
		this.jdbc.execute(
				"ALTER TABLE [" + table + "] ADD COLUMN [" + column + "] " + DatasetteWriteApi.columnType(value));
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
			throw WriteRefusedException.badRequest("Invalid table or column name: " + name
					+ " (this stand-in receiver accepts letters, digits and underscores)");
		}
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

	private static String clause(DatasetteWriteApi.Conflict conflict) {
		return switch (conflict) {
			case FAIL -> "";
			case IGNORE -> "OR IGNORE ";
			case REPLACE -> "OR REPLACE ";
		};
	}

}
