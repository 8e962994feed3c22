package io.github.eventsforward.internal;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

import io.github.eventsforward.EventRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The writes a spool owes its file: rows taken in since the last commit, and rows with an
 * outcome to delete, written together in one transaction, a group commit. A row that has its
 * outcome before its commit is never written. When the file cannot be written (a full disk),
 * the writes wait for the next commit, and one WARN says so. Used by the forwarder's thread
 * only.
 */
final class SpoolWrites {

	/** Longest a row taken in waits for its commit. */
	static final Duration COMMIT_INTERVAL = Duration.ofMillis(200);

	private static final Log logger = LogFactory.getLog(SpoolWrites.class);

	private final Path directory;

	private final LinkedHashMap<Long, Unwritten> unwritten = new LinkedHashMap<>();

	private final List<Long> deleted = new ArrayList<>();

	private @Nullable SpoolStore store;

	// The newest rowid the file holds, and the rows it holds without an outcome.
	private long written;

	private volatile long inFile;

	private volatile long usedBytes;

	private volatile long unwrittenBytes;

	// What the rows deleted since the last commit took, until the file says so itself.
	private volatile long deletedBytes;

	private boolean failing;

	SpoolWrites(SpoolStore store, long written, long inFile, long usedBytes) {
		this.directory = store.directory();
		this.store = store;
		this.written = written;
		this.inFile = inFile;
		this.usedBytes = usedBytes;
	}

	@Nullable SpoolStore store() {
		return this.store;
	}

	void reopen(SpoolStore store) {
		this.store = store;
	}

	void add(long rowid, EventRow row, EncodedRow encoded, long bytes) {
		this.unwritten.put(rowid, new Unwritten(new SpoolStore.StoredRow(rowid, row), encoded, bytes));
		this.unwrittenBytes += bytes;
	}

	/**
	 * A row has an outcome, or was dropped: it is never written if its commit has not come,
	 * else deleted.
	 * @param rowid the row
	 * @param bytes what it takes in the file
	 */
	void forget(long rowid, long bytes) {
		Unwritten row = this.unwritten.remove(rowid);
		if (row != null) {
			this.unwrittenBytes -= row.bytes();
		}
		else {
			this.deleted.add(rowid);
			this.deletedBytes += bytes;
		}
	}

	int unwrittenRows() {
		return this.unwritten.size();
	}

	long written() {
		return this.written;
	}

	long inFile() {
		return this.inFile;
	}

	long bytes() {
		return Math.max(0, this.usedBytes + this.unwrittenBytes - this.deletedBytes);
	}

	/**
	 * Return the rows that wait for their commit, oldest first.
	 * @return the rows, with their JSON
	 */
	Iterator<Unwritten> unwritten() {
		return this.unwritten.values().iterator();
	}

	/**
	 * Write what was taken in and delete what has an outcome, in one transaction.
	 * Synchronized with {@link #close()}: the stopping thread closes while a commit task may
	 * still be finishing on a scheduler's thread that it does not wait for.
	 */
	synchronized void commit() {
		SpoolStore store = this.store;
		if ((this.unwritten.isEmpty() && this.deleted.isEmpty()) || store == null) {
			return;
		}
		try {
			List<SpoolStore.StoredRow> rows = new ArrayList<>(this.unwritten.size());
			this.unwritten.values().forEach((row) -> rows.add(row.row()));
			store.write(rows, ranges(this.deleted));
			if (!rows.isEmpty()) {
				this.written = rows.get(rows.size() - 1).rowid();
			}
			this.inFile += rows.size() - this.deleted.size();
			this.unwritten.clear();
			this.deleted.clear();
			this.unwrittenBytes = 0;
			this.deletedBytes = 0;
			this.usedBytes = store.usedBytes();
			if (this.failing) {
				this.failing = false;
				logger.info("The spool at " + this.directory + " is written again");
			}
		}
		catch (SQLException ex) {
			if (!this.failing) {
				this.failing = true;
				logger.warn("The spool at " + this.directory + " cannot be written (" + ex.getMessage() + "): events"
						+ " are held in memory, up to datasette.events-forward.buffer-capacity, and the spool is tried"
						+ " again every " + COMMIT_INTERVAL.toMillis() + " ms");
			}
		}
	}

	/**
	 * Commit what is owed, and close the file.
	 */
	synchronized void close() {
		commit();
		SpoolStore store = this.store;
		if (store != null) {
			store.close();
			this.store = null;
		}
	}

	// Rowids to delete as ranges, so that a run of settled rows is one statement.
	private static List<long[]> ranges(List<Long> rowids) {
		List<Long> sorted = new ArrayList<>(rowids);
		sorted.sort(null);
		List<long[]> ranges = new ArrayList<>();
		for (long rowid : sorted) {
			long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
			if (last != null && rowid <= last[1] + 1) {
				last[1] = Math.max(last[1], rowid);
			}
			else {
				ranges.add(new long[] { rowid, rowid });
			}
		}
		return ranges;
	}

	/**
	 * A row that waits for its commit.
	 *
	 * @param row the row and its place
	 * @param encoded its JSON
	 * @param bytes what it takes in the file
	 */
	record Unwritten(SpoolStore.StoredRow row, EncodedRow encoded, long bytes) {

	}

}
