package io.github.eventsforward.internal;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.github.eventsforward.EventRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The SQLite file of a spool: a table with the eight columns of {@code datasette_events},
 * in the order the rows were written, so that {@code datasette} or {@code sqlite3} shows
 * what waits. {@link SpoolFile} opens it. Used by the forwarder's thread only.
 */
final class SpoolStore implements AutoCloseable {

	static final String FILE = SpoolFile.FILE;

	private static final Log logger = LogFactory.getLog(SpoolStore.class);

	private static final String TABLE = "datasette_events";

	private static final String COLUMNS = String.join(", ", RequestBodyWriter.COLUMNS);

	private final Path directory;

	private final Path file;

	private final FileChannel lockChannel;

	private final FileLock lock;

	private final Connection connection;

	private final PreparedStatement insert;

	private final PreparedStatement deleteRange;

	private final PreparedStatement load;

	SpoolStore(Path directory, FileChannel lockChannel, FileLock lock, Connection connection)
			throws SQLException {
		this.directory = directory;
		this.file = directory.resolve(FILE);
		this.lockChannel = lockChannel;
		this.lock = lock;
		this.connection = connection;
		this.insert = connection.prepareStatement("INSERT INTO " + TABLE + " (rowid, " + COLUMNS
				+ ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
		this.deleteRange = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE rowid BETWEEN ? AND ?");
		this.load = connection.prepareStatement("SELECT rowid, " + COLUMNS + " FROM " + TABLE
				+ " WHERE rowid > ? ORDER BY rowid LIMIT ?");
	}

	/**
	 * Return the spool's file.
	 * @return the file
	 */
	Path file() {
		return this.file;
	}

	/**
	 * Return the spool's directory.
	 * @return the directory
	 */
	Path directory() {
		return this.directory;
	}

	/**
	 * Return the rowid of the newest row, so that new rows come after it.
	 * @return the rowid, {@code 0} when there is none
	 */
	long lastRowid() throws SQLException {
		try (Statement statement = this.connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT COALESCE(MAX(rowid), 0) FROM " + TABLE)) {
			result.next();
			return result.getLong(1);
		}
	}

	/**
	 * Return how many rows the spool holds.
	 * @return the rows
	 */
	long count() throws SQLException {
		try (Statement statement = this.connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT COUNT(*) FROM " + TABLE)) {
			result.next();
			return result.getLong(1);
		}
	}

	/**
	 * Return how many bytes of the file hold data: its pages, less the free ones.
	 * @return the bytes
	 */
	long usedBytes() throws SQLException {
		try (Statement statement = this.connection.createStatement()) {
			return (pragma(statement, "page_count") - pragma(statement, "freelist_count"))
					* pragma(statement, "page_size");
		}
	}

	private static long pragma(Statement statement, String name) throws SQLException {
		try (ResultSet result = statement.executeQuery("PRAGMA " + name)) {
			return result.next() ? result.getLong(1) : 0;
		}
	}

	/**
	 * Read rows in the order they were written.
	 * @param afterRowid the rowid after which to start
	 * @param limit most rows to read
	 * @return the rows
	 */
	List<StoredRow> load(long afterRowid, int limit) throws SQLException {
		this.load.setLong(1, afterRowid);
		this.load.setInt(2, limit);
		List<StoredRow> rows = new ArrayList<>(Math.min(limit, 1024));
		try (ResultSet result = this.load.executeQuery()) {
			while (result.next()) {
				rows.add(new StoredRow(result.getLong(1), new EventRow(result.getString(2), result.getString(3),
						result.getString(4), result.getString(5), result.getString(6), result.getString(7),
						result.getString(8), result.getString(9))));
			}
		}
		return rows;
	}

	/**
	 * Write rows and delete others, in one transaction: one group commit.
	 * @param rows rows to add
	 * @param deleted ranges of rowids to delete, inclusive, as {@code [first, last]} pairs
	 */
	void write(Collection<StoredRow> rows, List<long[]> deleted) throws SQLException {
		this.connection.setAutoCommit(false);
		try {
			for (StoredRow stored : rows) {
				EventRow row = stored.row();
				this.insert.setLong(1, stored.rowid());
				this.insert.setString(2, row.id());
				this.insert.setString(3, row.instance());
				this.insert.setString(4, row.event());
				this.insert.setString(5, row.created());
				this.insert.setString(6, row.actorId());
				this.insert.setString(7, row.databaseName());
				this.insert.setString(8, row.tableName());
				this.insert.setString(9, row.properties());
				this.insert.addBatch();
			}
			if (!rows.isEmpty()) {
				this.insert.executeBatch();
			}
			for (long[] range : deleted) {
				this.deleteRange.setLong(1, range[0]);
				this.deleteRange.setLong(2, range[1]);
				this.deleteRange.addBatch();
			}
			if (!deleted.isEmpty()) {
				this.deleteRange.executeBatch();
			}
			this.connection.commit();
		}
		catch (SQLException ex) {
			this.insert.clearBatch();
			this.deleteRange.clearBatch();
			try {
				this.connection.rollback();
			}
			catch (SQLException rollback) {
				// SQLite rolls back by itself on some failures, a full disk among them.
				ex.addSuppressed(rollback);
			}
			throw ex;
		}
		finally {
			this.connection.setAutoCommit(true);
		}
	}

	/**
	 * Limit the file to a number of pages, as a full disk would: for tests.
	 * @param pages the most pages
	 */
	void limitPages(long pages) throws SQLException {
		try (Statement statement = this.connection.createStatement()) {
			statement.execute("PRAGMA max_page_count = " + pages);
		}
	}

	@Override
	public void close() {
		try {
			this.connection.close();
		}
		catch (SQLException ex) {
			logger.warn("The spool at " + this.file + " was not closed cleanly; it is checked at the next start", ex);
		}
		finally {
			SpoolFile.release(this.lock, this.lockChannel);
		}
	}

	/**
	 * A row as the spool holds it.
	 *
	 * @param rowid its place in the spool, in the order rows were written
	 * @param row the row
	 */
	record StoredRow(long rowid, EventRow row) {

	}

}
