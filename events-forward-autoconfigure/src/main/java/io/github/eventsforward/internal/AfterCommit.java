package io.github.eventsforward.internal;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Holds the events published in a Spring-managed transaction until it ends: offered to the
 * forwarder once it commits, counted as rolled back otherwise. One synchronization a
 * transaction, registered with its first event, keeps them; it is bound to the transaction
 * as a resource, so that a transaction suspended for a {@code REQUIRES_NEW} one keeps its
 * own, and it follows savepoints, so that events of a nested transaction rolled back to its
 * savepoint are not forwarded.
 * <p>
 * Events published while a transaction completes are seen as follows: in another
 * synchronization's {@code afterCommit} they join the transaction's events, which are
 * offered in {@code afterCompletion}, called after every {@code afterCommit}; in an
 * {@code afterCompletion}, synchronization is over and they are offered at once.
 */
final class AfterCommit {

	static final String TRANSACTIONS_CLASS = "org.springframework.transaction.support.TransactionSynchronizationManager";

	private final HandOff handOff;

	private final Accounting accounting;

	private final Committed committed;

	/**
	 * Hold events and offer them to the hand-off once their transaction commits.
	 * @param handOff where committed events go
	 * @param accounting counts held and rolled-back events
	 */
	AfterCommit(HandOff handOff, Accounting accounting) {
		this(handOff, accounting, (events) -> {
			for (CapturedEvent event : events) {
				handOff.offer(event.event(), event.publishedMicros());
				accounting.released(1);
			}
		});
	}

	/**
	 * Hold events and tell a callback once their transaction commits.
	 * @param handOff the clock of publish times
	 * @param accounting counts held and rolled-back events
	 * @param committed told of the events of each committed transaction; it releases them
	 * from {@link Accounting#held()}
	 */
	AfterCommit(HandOff handOff, Accounting accounting, Committed committed) {
		this.handOff = handOff;
		this.accounting = accounting;
		this.committed = committed;
	}

	/**
	 * Return whether the calling thread is in a Spring-managed transaction whose events
	 * {@link #hold(Object)} would hold.
	 * @return whether it is
	 */
	static boolean inTransaction() {
		return TransactionSynchronizationManager.isSynchronizationActive()
				&& TransactionSynchronizationManager.isActualTransactionActive();
	}

	/**
	 * Hold an event for the transaction of the calling thread, if it has one.
	 * @param event the event or payload
	 * @return whether the event is held; {@code false} when no transaction is active
	 */
	boolean hold(Object event) {
		if (!inTransaction()) {
			return false;
		}
		Held held = (Held) TransactionSynchronizationManager.getResource(this);
		if (held == null) {
			held = new Held();
			TransactionSynchronizationManager.bindResource(this, held);
			TransactionSynchronizationManager.registerSynchronization(held);
		}
		held.events.add(new CapturedEvent(event, this.handOff.nowMicros()));
		this.accounting.hold();
		return true;
	}

	/**
	 * The events of one transaction.
	 */
	private final class Held implements TransactionSynchronization {

		private final List<CapturedEvent> events = new ArrayList<>();

		// How many events there were when each savepoint was set.
		private @Nullable Map<Object, Integer> savepoints;

		@Override
		public void suspend() {
			TransactionSynchronizationManager.unbindResourceIfPossible(AfterCommit.this);
		}

		@Override
		public void resume() {
			TransactionSynchronizationManager.bindResource(AfterCommit.this, this);
		}

		@Override
		public void savepoint(Object savepoint) {
			if (this.savepoints == null) {
				this.savepoints = new IdentityHashMap<>();
			}
			this.savepoints.put(savepoint, this.events.size());
		}

		@Override
		public void savepointRollback(Object savepoint) {
			// A savepoint set before the first event was held: all of them came after it.
			Integer mark = (this.savepoints != null) ? this.savepoints.get(savepoint) : null;
			int from = (mark != null) ? mark : 0;
			if (from >= this.events.size()) {
				return;
			}
			List<CapturedEvent> undone = this.events.subList(from, this.events.size());
			int count = undone.size();
			undone.clear();
			AfterCommit.this.accounting.rolledBack(count);
		}

		@Override
		public void afterCompletion(int status) {
			TransactionSynchronizationManager.unbindResourceIfPossible(AfterCommit.this);
			if (status != STATUS_COMMITTED) {
				AfterCommit.this.accounting.rolledBack(this.events.size());
				return;
			}
			AfterCommit.this.committed.committed(this.events);
		}

		@Override
		public int getOrder() {
			// Last, after the application's own synchronizations, whose afterCommit may publish.
			return LOWEST_PRECEDENCE;
		}

	}

	/**
	 * What becomes of the events of a committed transaction.
	 */
	interface Committed {

		/**
		 * Take the events of a committed transaction, in publish order.
		 * @param events the events
		 */
		void committed(List<CapturedEvent> events);

	}

}
