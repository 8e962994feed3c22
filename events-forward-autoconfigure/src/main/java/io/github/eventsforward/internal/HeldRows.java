package io.github.eventsforward.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The rows a buffer holds in memory: those waiting to be taken, oldest first, and those
 * taken and in flight, each with the key the buffer knows it by. Touched by the forwarder's
 * thread only, but for the oldest arrival and the bytes, which any thread may read.
 */
final class HeldRows {

	private final Deque<Held> waiting = new ArrayDeque<>();

	private final Map<EncodedRow, Long> inFlight = new IdentityHashMap<>();

	// The rows in flight in the order they were taken, and, until they reach its head, rows
	// settled meanwhile: with several batches in flight, one may settle before an older one.
	private final Deque<EncodedRow> inFlightOrder = new ArrayDeque<>();

	private volatile long oldestArrival = EventBuffer.NONE;

	// The JSON of the waiting rows.
	private volatile long bytes;

	void add(EncodedRow row, long key) {
		this.waiting.addLast(new Held(row, key));
		this.bytes += row.json().length;
		refreshOldest();
	}

	/**
	 * Drop the oldest waiting row.
	 * @return its key, or {@code -1} when none waits
	 */
	long evictOldest() {
		Held held = this.waiting.pollFirst();
		if (held == null) {
			return -1;
		}
		this.bytes -= held.row().json().length;
		refreshOldest();
		return held.key();
	}

	@Nullable EncodedRow oldestWaiting() {
		Held held = this.waiting.peekFirst();
		return (held != null) ? held.row() : null;
	}

	List<EncodedRow> take(int max) {
		int size = Math.min(max, this.waiting.size());
		List<EncodedRow> rows = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			Held held = this.waiting.pollFirst();
			rows.add(held.row());
			this.inFlight.put(held.row(), held.key());
			this.inFlightOrder.addLast(held.row());
			this.bytes -= held.row().json().length;
		}
		return rows;
	}

	/**
	 * A row in flight has its outcome.
	 * @param row the row
	 * @return its key, or {@code -1} if it was not in flight
	 */
	long settle(EncodedRow row) {
		Long key = this.inFlight.remove(row);
		return (key != null) ? key : -1;
	}

	void requeue() {
		while (!this.inFlightOrder.isEmpty()) {
			EncodedRow row = this.inFlightOrder.pollLast();
			Long key = this.inFlight.remove(row);
			if (key != null) {
				this.waiting.addFirst(new Held(row, key));
				this.bytes += row.json().length;
			}
		}
		refreshOldest();
	}

	int waiting() {
		return this.waiting.size();
	}

	int held() {
		return this.waiting.size() + this.inFlight.size();
	}

	long bytes() {
		return this.bytes;
	}

	long oldestArrival() {
		return this.oldestArrival;
	}

	long oldestWaitingArrival() {
		Held waiting = this.waiting.peekFirst();
		return (waiting != null) ? waiting.row().arrived() : EventBuffer.NONE;
	}

	void refreshOldest() {
		while (!this.inFlightOrder.isEmpty() && !this.inFlight.containsKey(this.inFlightOrder.peekFirst())) {
			this.inFlightOrder.pollFirst();
		}
		EncodedRow inFlight = this.inFlightOrder.peekFirst();
		this.oldestArrival = Math.min((inFlight != null) ? inFlight.arrived() : EventBuffer.NONE,
				oldestWaitingArrival());
	}

	private record Held(EncodedRow row, long key) {

	}

}
