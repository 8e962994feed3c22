package io.github.eventsforward.internal;

import java.time.Clock;
import java.util.List;

import io.github.eventsforward.EventRow;
import reactor.core.scheduler.Scheduler;

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
	 * Return the buffer the settings ask for: in memory, or a spool.
	 * @param settings the settings
	 * @param bodyWriter writes rows a spool reads back as request bodies carry them
	 * @param clock the clock, for the ages of rows a spool reads back
	 * @return the buffer
	 * @throws UnusableSpoolException when the spool cannot be opened
	 */
	static EventBuffer of(ForwarderSettings settings, RequestBodyWriter bodyWriter, Clock clock) {
		return settings.spool().enabled() ? new SpoolBuffer(settings.spool(), settings, bodyWriter, clock)
				: new MemoryBuffer(settings.buffer());
	}

	/**
	 * Return how many rows the buffer held when it was made, left by an earlier run.
	 * @return the rows
	 */
	default long recovered() {
		return 0;
	}

	/**
	 * Decide what becomes of an event published while {@code pending} accepted events,
	 * this one included, have no outcome yet.
	 * @param pending the events without an outcome
	 * @return what to do with it
	 */
	Admission admit(long pending);

	/**
	 * Add a row. If the buffer is then over its bound, it drops its oldest waiting rows, or,
	 * when it drops the newest, this one.
	 * @param row the row's columns
	 * @param encoded the row as a request body carries it
	 * @return how many accepted events were dropped to make room, this one included if it
	 * was
	 */
	int add(EventRow row, EncodedRow encoded);

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
	 * Return how many bytes the rows that wait take: their JSON in memory, or the file that
	 * holds them. Safe to call from any thread.
	 * @return the bytes
	 */
	long bytes();

	/**
	 * Return whether the rows outlive the application: then a shutdown need not wait for the
	 * server to take them.
	 * @return whether they are kept in a file
	 */
	default boolean durable() {
		return false;
	}

	/**
	 * Return where the rows are kept, for messages.
	 * @return for example "memory"
	 */
	default String describe() {
		return "memory";
	}

	/**
	 * Start using the forwarder's thread, for timed work and the clock.
	 * @param scheduler the forwarder's scheduler
	 */
	default void start(Scheduler scheduler) {
	}

	/**
	 * Start using the forwarder's thread, for timed work and the clock, and say when rows
	 * arrive that the buffer did not {@link #add add}, as a table other processes write does.
	 * @param scheduler the forwarder's scheduler
	 * @param rowsArrived run on the forwarder's thread when rows arrived that way
	 */
	default void start(Scheduler scheduler, Runnable rowsArrived) {
		start(scheduler);
	}

	/**
	 * Stop using the forwarder's thread and release what the buffer holds open, keeping the
	 * rows it can keep.
	 */
	default void close() {
	}

	/**
	 * Return when the oldest row waiting or in flight arrived, in the forwarder's scheduler's
	 * nanoseconds. Safe to call from any thread.
	 * @return the time, or {@link #NONE}
	 */
	long oldestArrival();

	/**
	 * Return when the oldest row waiting to be taken arrived, in the forwarder's
	 * scheduler's nanoseconds; rows in flight are not counted. Called on the forwarder's
	 * thread.
	 * @return the time, or {@link #NONE}
	 */
	default long oldestWaitingArrival() {
		return oldestArrival();
	}

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
