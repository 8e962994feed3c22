package io.github.eventsforward.internal;

import java.util.AbstractList;
import java.util.List;

import io.github.eventsforward.EventRow;
import org.jspecify.annotations.Nullable;

/**
 * What became of some rows of a batch: delivered, or given up on and why. A batch that is
 * split has one outcome per part.
 *
 * @param rows the rows
 * @param cause why they were given up on, or {@code null} when they were delivered
 * @param reason why, in words; empty when delivered
 * @param status the last HTTP status, or {@code 0}
 */
record Outcome(List<EncodedRow> rows, ForwarderObserver.@Nullable DeadLetterCause cause, String reason, int status) {

	static Outcome delivered(List<EncodedRow> rows) {
		return new Outcome(rows, null, "", 0);
	}

	static Outcome deadLettered(List<EncodedRow> rows, ForwarderObserver.DeadLetterCause cause, String reason,
			int status) {
		return new Outcome(rows, cause, reason, status);
	}

	boolean isDelivered() {
		return this.cause == null;
	}

	/**
	 * Return the rows, each read back from its JSON only when it is looked at.
	 * @param rows the rows
	 * @return a view of them
	 */
	static List<EventRow> eventRows(List<EncodedRow> rows) {
		return new AbstractList<>() {

			@Override
			public EventRow get(int index) {
				return rows.get(index).row();
			}

			@Override
			public int size() {
				return rows.size();
			}

		};
	}

}
