package io.github.eventsforward.internal;

import java.util.concurrent.TimeUnit;

import io.github.eventsforward.EventRow;
import reactor.core.scheduler.Scheduler;

/**
 * Turns captured events into rows ready for a request body, on the forwarder's thread; an
 * event that cannot be mapped is given up on.
 */
final class RowEncoder {

	private final RowFactory rows;

	private final RequestBodyWriter bodyWriter;

	private final DeadLetters deadLetters;

	RowEncoder(RowFactory rows, RequestBodyWriter bodyWriter, DeadLetters deadLetters) {
		this.rows = rows;
		this.bodyWriter = bodyWriter;
		this.deadLetters = deadLetters;
	}

	/**
	 * Map an event to a row, and add the row and its JSON to the buffer.
	 * @param captured the event
	 * @param scheduler the forwarder's scheduler, whose clock stamps the row's arrival
	 * @param buffer where the row waits
	 * @return how many accepted events the buffer dropped to make room, or {@code -1} if the
	 * event could not be mapped
	 */
	int add(CapturedEvent captured, Scheduler scheduler, EventBuffer buffer) {
		EventRow row;
		EncodedRow encoded;
		try {
			row = this.rows.create(captured);
			encoded = this.bodyWriter.encodeMade(row, scheduler.now(TimeUnit.NANOSECONDS));
		}
		catch (RuntimeException ex) {
			this.deadLetters.unmappable(captured.event().getClass(), ex);
			return -1;
		}
		return buffer.add(row, encoded);
	}

}
