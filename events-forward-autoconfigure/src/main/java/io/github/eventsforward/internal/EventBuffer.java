package io.github.eventsforward.internal;

import java.util.List;

/**
 * The rows that wait to be delivered, in publish order, from the moment the forwarder's
 * thread has made them until they have an outcome, with the bound on them and what a full
 * buffer drops. Events kept in memory are its first kind; a store that survives a restart is
 * another.
 * <p>
 * {@link #admit(long)} is called on publisher threads and must never block; every other
 * method is called on the forwarder's thread only.
 */
interface EventBuffer {

	/** No row is waiting or in flight. */
	long NONE = Long.MAX_VALUE;

	/**
	 * Decide what becomes of an event published while {@code pending} accepted events,
	 * this one included, have no outcome yet.
	 * @param pending the events without an outcome
	 * @return what to do with it
	 */
	Admission admit(long pending);

	/**
	 * Add a row, dropping the oldest waiting rows if the buffer is then over its bound and
	 * drops its oldest.
	 * @param row the row
	 * @return how many waiting rows were dropped to make room
	 */
	int add(EncodedRow row);

	/**
	 * Take up to {@code max} of the oldest waiting rows, to be sent. They are in flight
	 * until {@link #settled(List) settled}.
	 * @param max most rows to take
	 * @return the rows, oldest first; empty when none wait
	 */
	List<EncodedRow> take(int max);

	/**
	 * Let rows in flight go: they were delivered or given up on.
	 * @param rows rows that {@link #take(int)} returned
	 */
	void settled(List<EncodedRow> rows);

	/**
	 * Put the rows in flight back in front of the waiting ones, in their order: their
	 * requests were abandoned, as when the forwarder stopped before their answer came.
	 */
	void requeue();

	/**
	 * Drop the oldest waiting row, to make room.
	 * @return whether there was one
	 */
	boolean evictOldest();

	/**
	 * Return how many rows wait to be taken.
	 * @return the rows, in flight ones not counted
	 */
	int size();

	/**
	 * Return when the oldest row waiting or in flight arrived, in the forwarder's scheduler's
	 * nanoseconds. Safe to call from any thread.
	 * @return the time, or {@link #NONE}
	 */
	long oldestArrival();

	/**
	 * What becomes of an event offered to a buffer that may be full.
	 */
	enum Admission {

		/** Accept it. */
		ACCEPT,

		/** Drop it: the buffer is full and keeps what it has. */
		DROP_NEWEST,

		/**
		 * Accept it and drop the oldest event not yet taken from the hand-off, to make room
		 * in a flood that the forwarder's thread has not caught up with.
		 */
		DROP_OLDEST_QUEUED

	}

}
