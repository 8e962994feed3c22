package io.github.eventsforward.internal;

import java.util.List;

import io.github.eventsforward.EventRow;

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

	private final HeldRows rows = new HeldRows();

	MemoryBuffer(ForwarderSettings.Buffer settings) {
		this.capacity = settings.capacity();
		this.dropOldest = settings.dropOldest();
	}

	/**
	 * Decide what becomes of an event while memory holds the given number of events, for a
	 * buffer of that capacity.
	 * @param inMemory the events memory holds, the new one included
	 * @param capacity {@code buffer-capacity}
	 * @param dropOldest whether a full buffer drops its oldest events
	 * @return what to do with the event
	 */
	static Admission admit(long inMemory, int capacity, boolean dropOldest) {
		if (inMemory <= capacity) {
			return Admission.ACCEPT;
		}
		if (!dropOldest) {
			return Admission.DROP_NEWEST;
		}
		return (inMemory <= capacity + Math.max(capacity, BURST_ROOM)) ? Admission.ACCEPT
				: Admission.DROP_OLDEST_QUEUED;
	}

	@Override
	public Admission admit(long pending) {
		return admit(pending, this.capacity, this.dropOldest);
	}

	@Override
	public int add(EventRow row, EncodedRow encoded) {
		this.rows.add(encoded, 0);
		int evicted = 0;
		if (this.dropOldest) {
			while (this.rows.held() > this.capacity && this.rows.evictOldest() >= 0) {
				evicted++;
			}
		}
		return evicted;
	}

	@Override
	public List<EncodedRow> take(int max) {
		return this.rows.take(max);
	}

	@Override
	public void settled(List<EncodedRow> rows) {
		rows.forEach(this.rows::settle);
		this.rows.refreshOldest();
	}

	@Override
	public void requeue() {
		this.rows.requeue();
	}

	@Override
	public boolean evictOldest() {
		return this.rows.evictOldest() >= 0;
	}

	@Override
	public int size() {
		return this.rows.waiting();
	}

	@Override
	public long bytes() {
		return this.rows.bytes();
	}

	@Override
	public long oldestArrival() {
		return this.rows.oldestArrival();
	}

	@Override
	public long oldestWaitingArrival() {
		return this.rows.oldestWaitingArrival();
	}

}
