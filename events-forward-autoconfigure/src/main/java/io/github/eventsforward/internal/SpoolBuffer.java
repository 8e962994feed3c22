package io.github.eventsforward.internal;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * An {@link EventBuffer} that keeps every row in a {@link SpoolStore} file until it has an
 * outcome, so that a restart, a crash or an outage loses nothing that reached the file. Rows
 * are written in group commits ({@link SpoolWrites}), at least every
 * {@link SpoolWrites#COMMIT_INTERVAL}, or sooner when many wait. The oldest rows, up to
 * {@code buffer-capacity}, are also held in memory to be sent from there; newer ones are read
 * back from the file as those are sent. {@code buffer-capacity} bounds the events that only
 * memory holds, {@code spool.max-size} the file, and {@code buffer-overflow} says what either
 * drops.
 */
final class SpoolBuffer implements EventBuffer {

	private static final Log logger = LogFactory.getLog(SpoolBuffer.class);

	private static final int READ_PAGE = 1000;

	// Besides its JSON, what a row costs in the file: keys, the index, page headers.
	private static final int ROW_OVERHEAD = 64;

	static long bytesInFile(EncodedRow row) {
		return row.json().length + ROW_OVERHEAD;
	}

	private final Path directory;

	private final Clock clock;

	private final RequestBodyWriter bodyWriter;

	private final int capacity;

	private final boolean dropOldest;

	private final long maxBytes;

	private final long flushIntervalNanos;

	private final long recovered;

	private final SpoolWrites writes;

	// The rows memory holds, by rowid.
	private final HeldRows rows = new HeldRows();

	private @Nullable Scheduler scheduler;

	private @Nullable Disposable commits;

	private long nextRowid;

	// Rows up to this rowid are in memory or have an outcome; the rows after it, "behind",
	// are not in memory: the file has them, or they wait for their commit.
	private long lastInMemory;

	private long behind;

	SpoolBuffer(ForwarderSettings.Spool spool, ForwarderSettings settings, RequestBodyWriter bodyWriter, Clock clock) {
		this.directory = Objects.requireNonNull(spool.path(), "The spool's path");
		this.clock = clock;
		this.bodyWriter = bodyWriter;
		this.capacity = settings.buffer().capacity();
		this.dropOldest = settings.buffer().dropOldest();
		this.maxBytes = spool.maxSize();
		this.flushIntervalNanos = settings.flushInterval().toNanos();
		SpoolStore store = SpoolFile.open(this.directory, clock);
		try {
			this.nextRowid = store.lastRowid();
			this.recovered = store.count();
			this.writes = new SpoolWrites(store, this.nextRowid, this.recovered, store.usedBytes());
		}
		catch (SQLException ex) {
			store.close();
			throw new UnusableSpoolException("The spool at " + this.directory + " cannot be read: " + ex, ex);
		}
		this.behind = this.recovered;
		if (this.recovered > 0) {
			logger.info("Found " + this.recovered + " events in " + describe() + ", left by an earlier run: sending"
					+ " them first");
		}
	}

	@Override
	public long recovered() {
		return this.recovered;
	}

	@Nullable SpoolStore store() {
		return this.writes.store();
	}

	@Override
	public boolean durable() {
		return true;
	}

	@Override
	public String describe() {
		return "the spool at " + this.directory;
	}

	// What only memory holds is bounded by buffer-capacity: events not yet in the file. The
	// rows memory holds besides the file, to send them from there, are bounded apart.
	@Override
	public Admission admit(long pending) {
		return MemoryBuffer.admit(pending - this.writes.inFile(), this.capacity, this.dropOldest);
	}

	@Override
	public void start(Scheduler scheduler) {
		if (this.writes.store() == null) {
			this.writes.reopen(SpoolFile.open(this.directory, this.clock));
		}
		this.scheduler = scheduler;
		long interval = SpoolWrites.COMMIT_INTERVAL.toNanos();
		this.commits = scheduler.schedulePeriodically(this.writes::commit, interval, interval, TimeUnit.NANOSECONDS);
		refill();
	}

	@Override
	public int add(EventRow row, EncodedRow encoded) {
		long bytes = bytesInFile(encoded);
		int evicted = 0;
		while (this.writes.bytes() + bytes > this.maxBytes) {
			if (!this.dropOldest) {
				return 1;
			}
			if (!evictOldest()) {
				break;
			}
			evicted++;
		}
		long rowid = ++this.nextRowid;
		this.writes.add(rowid, row, encoded, bytes);
		if (this.behind == 0 && this.rows.held() < this.capacity) {
			this.rows.add(encoded, rowid);
			this.lastInMemory = rowid;
		}
		else {
			this.behind++;
		}
		// Rows that wait for their commit are in memory: commit early rather than let them
		// fill it. Otherwise the commit comes with the interval, and the rows delivered by then
		// are never written.
		if (this.writes.unwrittenRows() >= Math.max(1, this.capacity / 2)) {
			this.writes.commit();
		}
		return evicted;
	}

	@Override
	public List<EncodedRow> take(int max) {
		if (this.rows.waiting() < max) {
			refill();
		}
		return this.rows.take(max);
	}

	@Override
	public void settled(List<EncodedRow> rows) {
		for (EncodedRow row : rows) {
			long rowid = this.rows.settle(row);
			if (rowid >= 0) {
				this.writes.forget(rowid, bytesInFile(row));
			}
		}
		refill();
		this.rows.refreshOldest();
	}

	@Override
	public void requeue() {
		this.rows.requeue();
	}

	@Override
	public boolean evictOldest() {
		if (this.rows.waiting() == 0) {
			refill();
		}
		EncodedRow oldest = this.rows.oldestWaiting();
		long rowid = this.rows.evictOldest();
		if (oldest == null || rowid < 0) {
			return false;
		}
		this.writes.forget(rowid, bytesInFile(oldest));
		return true;
	}

	@Override
	public int size() {
		return (int) Math.min(Integer.MAX_VALUE, this.rows.waiting() + this.behind);
	}

	@Override
	public long bytes() {
		return this.writes.bytes();
	}

	@Override
	public long oldestArrival() {
		return this.rows.oldestArrival();
	}

	@Override
	public long oldestWaitingArrival() {
		return this.rows.oldestWaitingArrival();
	}

	@Override
	public void close() {
		Disposable commits = this.commits;
		if (commits != null) {
			commits.dispose();
		}
		this.writes.close();
	}

	// Keep the oldest rows in memory: from the file first, then those still waiting for their
	// commit, which are newer.
	private void refill() {
		// A page at a time: the first request need not wait for a whole buffer to be read.
		int room = Math.min(READ_PAGE, this.capacity - this.rows.held());
		Scheduler scheduler = this.scheduler;
		SpoolStore store = this.writes.store();
		if (this.behind == 0 || room <= 0 || scheduler == null || store == null) {
			return;
		}
		long now = scheduler.now(TimeUnit.NANOSECONDS);
		if (this.lastInMemory < this.writes.written()) {
			try {
				for (SpoolStore.StoredRow stored : store.load(this.lastInMemory, room)) {
					hold(this.bodyWriter.encode(stored.row(), arrival(stored.row(), now)), stored.rowid());
					room--;
				}
			}
			catch (SQLException ex) {
				logger.warn("The spool at " + this.directory + " cannot be read (" + ex.getMessage() + "); trying"
						+ " again with the next batch", ex);
				return;
			}
		}
		Iterator<SpoolWrites.Unwritten> rows = this.writes.unwritten();
		while (room > 0 && this.behind > 0 && rows.hasNext()) {
			SpoolWrites.Unwritten row = rows.next();
			if (row.row().rowid() > this.lastInMemory) {
				hold(row.encoded(), row.row().rowid());
				room--;
			}
		}
	}

	private void hold(EncodedRow row, long rowid) {
		this.rows.add(row, rowid);
		this.lastInMemory = rowid;
		this.behind--;
	}

	// A row read back from the file waited since it was published, and its batch is due.
	private long arrival(EventRow row, long now) {
		Duration waited;
		try {
			waited = Duration.between(OffsetDateTime.parse(row.created()).toInstant(), Instant.now(this.clock));
		}
		catch (RuntimeException ex) {
			waited = Duration.ZERO;
		}
		return now - Math.max(waited.toNanos(), this.flushIntervalNanos);
	}

}
