package io.github.eventsforward.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * An {@link EventBuffer} in memory, bounded by {@code buffer-capacity}: the bound covers every
 * accepted event without an outcome, wherever it is. A full buffer drops new events, or with
 * drop-oldest the oldest waiting rows; a burst published faster than the forwarder's thread
 * takes it in may then hold up to {@code capacity} more (at least {@value #BURST_ROOM}) until
 * those are taken in, and beyond that the oldest events not yet taken in make room.
 */
final class MemoryBuffer implements EventBuffer {

	static final int BURST_ROOM = 1024;

	private final int capacity;

	private final boolean dropOldest;

	private final long burstBound;

	private final Deque<EncodedRow> waiting = new ArrayDeque<>();

	private final Deque<EncodedRow> inFlight = new ArrayDeque<>();

	private volatile long oldestArrival = NONE;

	MemoryBuffer(ForwarderSettings.Buffer settings) {
		this.capacity = settings.capacity();
		this.dropOldest = settings.dropOldest();
		this.burstBound = this.dropOldest ? this.capacity + Math.max(this.capacity, BURST_ROOM) : this.capacity;
	}

	@Override
	public Admission admit(long pending) {
		if (pending <= this.capacity) {
			return Admission.ACCEPT;
		}
		if (!this.dropOldest) {
			return Admission.DROP_NEWEST;
		}
		return (pending <= this.burstBound) ? Admission.ACCEPT : Admission.DROP_OLDEST_QUEUED;
	}

	@Override
	public int add(EncodedRow row) {
		this.waiting.addLast(row);
		int evicted = 0;
		if (this.dropOldest) {
			while (this.waiting.size() + this.inFlight.size() > this.capacity && evictOldest()) {
				evicted++;
			}
		}
		refreshOldest();
		return evicted;
	}

	@Override
	public List<EncodedRow> take(int max) {
		int size = Math.min(max, this.waiting.size());
		List<EncodedRow> rows = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			EncodedRow row = this.waiting.pollFirst();
			rows.add(row);
			this.inFlight.addLast(row);
		}
		return rows;
	}

	@Override
	public void settled(List<EncodedRow> rows) {
		for (EncodedRow row : rows) {
			this.inFlight.remove(row);
		}
		refreshOldest();
	}

	@Override
	public void requeue() {
		while (!this.inFlight.isEmpty()) {
			this.waiting.addFirst(this.inFlight.pollLast());
		}
		refreshOldest();
	}

	@Override
	public boolean evictOldest() {
		boolean evicted = this.waiting.pollFirst() != null;
		if (evicted) {
			refreshOldest();
		}
		return evicted;
	}

	@Override
	public int size() {
		return this.waiting.size();
	}

	@Override
	public long oldestArrival() {
		return this.oldestArrival;
	}

	private void refreshOldest() {
		EncodedRow inFlight = this.inFlight.peekFirst();
		EncodedRow waiting = this.waiting.peekFirst();
		this.oldestArrival = Math.min((inFlight != null) ? inFlight.arrived() : NONE,
				(waiting != null) ? waiting.arrived() : NONE);
	}

}
