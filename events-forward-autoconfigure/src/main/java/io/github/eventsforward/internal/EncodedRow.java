package io.github.eventsforward.internal;

import io.github.eventsforward.EventRow;

/**
 * A row as the JSON object a request body carries, written once when the row is made: a
 * body is then the rows' JSON joined, so that writing it does not hold back the next
 * request, and a batch that is split or retried is not written again. Only the JSON is
 * kept while the row waits, with when it reached the buffer; the {@link EventRow} is read
 * back from it when it is needed (a dead letter, a sender that looks at the rows), which is
 * rare.
 */
final class EncodedRow {

	private final byte[] json;

	private final long arrived;

	EncodedRow(byte[] json, long arrived) {
		this.json = json;
		this.arrived = arrived;
	}

	/**
	 * Return the row as a UTF-8 JSON object.
	 * @return the JSON, not to be modified
	 */
	byte[] json() {
		return this.json;
	}

	/**
	 * Return when the row reached the buffer, in the forwarder's scheduler's nanoseconds.
	 * @return the time
	 */
	long arrived() {
		return this.arrived;
	}

	/**
	 * Read the row back from its JSON.
	 * @return the row
	 */
	EventRow row() {
		return RequestBodyWriter.decode(this.json);
	}

}
