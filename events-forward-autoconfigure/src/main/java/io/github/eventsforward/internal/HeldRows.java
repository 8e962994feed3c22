package io.github.eventsforward.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
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

	// In the order they were taken. EncodedRow has identity equality, and settling one of
	// several batches in flight removes its rows from the middle: a linked map does both
	// at constant cost.
	private final Map<EncodedRow, Long> inFlight = new LinkedHashMap<>();

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
		List<Held> inFlight = new ArrayList<>(this.inFlight.size());
		this.inFlight.forEach((row, key) -> inFlight.add(new Held(row, key)));
		this.inFlight.clear();
		for (int i = inFlight.size() - 1; i >= 0; i--) {
			Held held = inFlight.get(i);
			this.waiting.addFirst(held);
			this.bytes += held.row().json().length;
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
		long inFlight = this.inFlight.isEmpty() ? EventBuffer.NONE : this.inFlight.keySet().iterator().next().arrived();
		this.oldestArrival = Math.min(inFlight, oldestWaitingArrival());
	}

	private record Held(EncodedRow row, long key) {

	}

}
