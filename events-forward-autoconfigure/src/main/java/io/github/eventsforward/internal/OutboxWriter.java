package io.github.eventsforward.internal;

import java.util.concurrent.atomic.LongAdder;

import io.github.eventsforward.EventRow;

/**
 * Writes events to the outbox table on the publishing thread: in the application's
 * transaction when one is active, so that the row commits or rolls back with the business
 * data, and at once otherwise. One synchronization a transaction counts its rows, as rolled
 * back or, once committed, as waiting, and has the forwarder read the table at once.
 * <p>
 * A row that cannot be written in a transaction fails the transaction, as the application's
 * own statements would: the business data is then not committed without its event. Outside
 * a transaction the event is dropped, counted and reported, and the publisher goes on.
 */
final class OutboxWriter {

	private final OutboxStore store;

	private final ThreadLocal<RowFactory> rows;

	private final HandOff clock;

	private final AfterCommit transactions;

	private final DeadLetters deadLetters;

	private final Drops drops;

	private final OutboxBuffer buffer;

	private final LongAdder published = new LongAdder();

	OutboxWriter(OutboxStore store, RowFactory rows, HandOff clock, Accounting accounting, DeadLetters deadLetters,
			Drops drops, OutboxBuffer buffer) {
		this.store = store;
		// Row factories write one event at a time: one for each publishing thread.
		this.rows = ThreadLocal.withInitial(rows::copy);
		this.clock = clock;
		this.deadLetters = deadLetters;
		this.drops = drops;
		this.buffer = buffer;
		this.transactions = new AfterCommit(clock, accounting, (events) -> {
			accounting.released(events.size());
			buffer.committed(events.size());
		});
	}

	/**
	 * Write an event to the outbox.
	 * @param event the event or payload
	 * @throws OutboxAccessException when the row cannot be written in the calling thread's
	 * transaction
	 */
	void write(Object event) {
		this.published.increment();
		EventRow row;
		try {
			row = this.rows.get().create(new CapturedEvent(event, this.clock.nowMicros()));
		}
		catch (RuntimeException ex) {
			this.deadLetters.unmappable(event.getClass(), ex);
			return;
		}
		boolean inTransaction = AfterCommit.inTransaction();
		try {
			this.store.insert(row);
		}
		catch (OutboxAccessException ex) {
			if (inTransaction) {
				throw ex;
			}
			this.drops.refusedOutbox(ex);
			return;
		}
		if (!inTransaction || !this.transactions.hold(event)) {
			this.buffer.committed(1);
		}
	}

	/**
	 * Return how many events this writer was given.
	 * @return the events
	 */
	long published() {
		return this.published.sum();
	}

}
