package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.github.eventsforward.EventRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The rows that wait in the outbox table of the application's database: written there by
 * {@link OutboxWriter} on the publishing threads, of this instance or of others, and claimed
 * here a batch at a time with a lease, so that no two forwarders send a row at once. A row
 * is deleted once it has an outcome; the leases of rows in flight are released when the
 * forwarder stops, and run out if it dies.
 * <p>
 * The table is read at start-up, every {@code outbox.poll-interval}, and at once when a
 * transaction of this application commits rows. How many rows wait is what the last read
 * found, less what was claimed since.
 */
final class OutboxBuffer implements EventBuffer {

	private static final Log logger = LogFactory.getLog(OutboxBuffer.class);

	private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

	private final OutboxStore store;

	private final RequestBodyWriter bodyWriter;

	private final Duration pollInterval;

	private final long recovered;

	// The rows in flight and their seqs; on the forwarder's thread only.
	private final Map<EncodedRow, Long> inFlight = new IdentityHashMap<>();

	private final Set<Long> seqsInFlight = new HashSet<>();

	// Rows in the table, as last read and counted down as rows are deleted, and of them those
	// that wait to be claimed.
	private volatile long inTable;

	private volatile long waiting;

	// When the table was first seen with rows waiting, in the scheduler's nanoseconds.
	private volatile long waitingSince = NONE;

	// Rows this application committed and the forwarder's thread has not counted yet.
	private final AtomicLong committed = new AtomicLong();

	private final ThrottledWarning unavailable;

	private volatile String failure = "";

	private volatile Scheduler.@Nullable Worker worker;

	private volatile @Nullable Scheduler scheduler;

	private volatile @Nullable Disposable polling;

	private Runnable rowsArrived = () -> {
	};

	/**
	 * Open the outbox and count what an earlier run, or another instance, left in it.
	 * @param store the table
	 * @param bodyWriter writes the rows read back as request bodies carry them
	 * @param pollInterval how often the table is read
	 * @throws OutboxAccessException when the table cannot be read
	 */
	OutboxBuffer(OutboxStore store, RequestBodyWriter bodyWriter, Duration pollInterval) {
		this.store = store;
		this.bodyWriter = bodyWriter;
		this.pollInterval = pollInterval;
		this.recovered = store.count();
		this.inTable = this.recovered;
		this.waiting = this.recovered;
		this.unavailable = new ThrottledWarning(logger, WARNING_INTERVAL, (count) -> "The outbox table "
				+ OutboxStore.TABLE + " could not be read or written " + count + " times (" + this.failure
				+ "); its rows stay there and are sent once it can be");
		if (this.recovered > 0) {
			logger.info("Found " + this.recovered + " events in the outbox table " + OutboxStore.TABLE
					+ ", written earlier or by another instance: sending them first");
		}
	}

	@Override
	public long recovered() {
		return this.recovered;
	}

	@Override
	public Admission admit(long pending) {
		return Admission.ACCEPT;
	}

	@Override
	public int add(EventRow row, EncodedRow encoded) {
		throw new UnsupportedOperationException("Rows reach the outbox through the publishing thread's transaction");
	}

	@Override
	public List<EncodedRow> take(int max) {
		List<OutboxStore.Claimed> claimed;
		try {
			claimed = this.store.claim(max);
		}
		catch (OutboxAccessException ex) {
			unavailable(ex);
			return List.of();
		}
		if (claimed.isEmpty()) {
			// Taken by another instance, or not committed yet: wait for the next read.
			waitingNone();
			return List.of();
		}
		long now = now();
		List<EncodedRow> rows = new ArrayList<>(claimed.size());
		for (OutboxStore.Claimed row : claimed) {
			if (!this.seqsInFlight.add(row.seq())) {
				// Its lease ran out while a batch of ours still carries it, retried or waiting
				// for its answer, and the claim renewed it: it is on its way already.
				continue;
			}
			EncodedRow encoded = this.bodyWriter.encode(row.row(), now);
			this.inFlight.put(encoded, row.seq());
			rows.add(encoded);
		}
		this.waiting = Math.max(0, this.waiting - rows.size());
		if (this.waiting == 0) {
			this.waitingSince = NONE;
		}
		return rows;
	}

	@Override
	public void settled(List<EncodedRow> rows) {
		List<Long> seqs = seqs(rows);
		try {
			this.store.delete(seqs);
			this.inTable = Math.max(0, this.inTable - seqs.size());
		}
		catch (OutboxAccessException ex) {
			// Sent again once the lease runs out; the server stores each row once.
			unavailable(ex);
		}
	}

	@Override
	public void requeue() {
		List<Long> seqs = new ArrayList<>(this.inFlight.values());
		this.inFlight.clear();
		this.seqsInFlight.clear();
		if (seqs.isEmpty()) {
			return;
		}
		try {
			this.store.release(seqs);
		}
		catch (OutboxAccessException ex) {
			// Their lease runs out instead.
			unavailable(ex);
		}
	}

	private List<Long> seqs(List<EncodedRow> rows) {
		List<Long> seqs = new ArrayList<>(rows.size());
		for (EncodedRow row : rows) {
			Long seq = this.inFlight.remove(row);
			if (seq != null) {
				this.seqsInFlight.remove(seq);
				seqs.add(seq);
			}
		}
		return seqs;
	}

	@Override
	public boolean evictOldest() {
		// The database holds what waits: nothing is dropped to make room.
		return false;
	}

	@Override
	public int size() {
		return (int) Math.min(Integer.MAX_VALUE, this.waiting);
	}

	@Override
	public long bytes() {
		return 0;
	}

	@Override
	public boolean durable() {
		return true;
	}

	@Override
	public String describe() {
		return "the outbox table " + OutboxStore.TABLE;
	}

	@Override
	public long oldestArrival() {
		return this.waitingSince;
	}

	/**
	 * Return how many rows the table holds, as last read: those that wait, in flight, or
	 * held by other instances.
	 * @return the rows
	 */
	long inTable() {
		return this.inTable;
	}

	@Override
	public void start(Scheduler scheduler, Runnable rowsArrived) {
		this.rowsArrived = rowsArrived;
		this.scheduler = scheduler;
		Scheduler.Worker worker = scheduler.createWorker();
		this.worker = worker;
		this.unavailable.start(scheduler);
		this.polling = worker.schedulePeriodically(this::read, 0, this.pollInterval.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Count rows this application committed, and have the forwarder's thread send them
	 * without waiting for the next read of the table. Safe to call from any thread: it adds
	 * to a count, and schedules a task when none is pending.
	 * @param rows how many were committed
	 */
	void committed(long rows) {
		Scheduler.Worker worker = this.worker;
		if (this.committed.getAndAdd(rows) == 0 && worker != null) {
			try {
				worker.schedule(this::countCommitted);
			}
			catch (RuntimeException ex) {
				// Stopped meanwhile: the next start reads the table.
			}
		}
	}

	private void countCommitted() {
		long rows = this.committed.getAndSet(0);
		if (rows == 0) {
			return;
		}
		this.inTable += rows;
		this.waiting += rows;
		if (this.waitingSince == NONE) {
			this.waitingSince = now();
		}
		this.rowsArrived.run();
	}

	private void read() {
		// What the read finds includes what was committed until now.
		this.committed.set(0);
		long rows;
		try {
			rows = this.store.count();
		}
		catch (OutboxAccessException ex) {
			unavailable(ex);
			return;
		}
		this.inTable = rows;
		this.store.keepStatistics(rows);
		long waiting = Math.max(0, rows - this.inFlight.size());
		this.waiting = waiting;
		if (waiting == 0) {
			this.waitingSince = NONE;
			return;
		}
		if (this.waitingSince == NONE) {
			this.waitingSince = now();
		}
		this.rowsArrived.run();
	}

	private void waitingNone() {
		this.waiting = 0;
		this.waitingSince = NONE;
	}

	private void unavailable(OutboxAccessException ex) {
		this.failure = String.valueOf(ex.getMessage());
		waitingNone();
		this.unavailable.record(1);
	}

	private long now() {
		Scheduler scheduler = this.scheduler;
		return (scheduler != null) ? scheduler.now(TimeUnit.NANOSECONDS) : System.nanoTime();
	}

	/**
	 * Wait until every row committed to the table before the call has left it, sent by this
	 * forwarder or another.
	 * @param timeout how long to wait at most
	 * @return whether they all left in time
	 */
	boolean awaitEmptied(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			long last = this.store.lastSeq();
			while (this.store.countUpTo(last) > 0) {
				if (System.nanoTime() >= deadline) {
					return false;
				}
				// The table is another process's: there is no signal to wait for.
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
				if (Thread.currentThread().isInterrupted()) {
					return false;
				}
			}
			return true;
		}
		catch (OutboxAccessException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		Disposable polling = this.polling;
		if (polling != null) {
			polling.dispose();
		}
		Scheduler.Worker worker = this.worker;
		this.worker = null;
		if (worker != null) {
			worker.dispose();
		}
		this.unavailable.stop();
	}

}
