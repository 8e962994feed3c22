package io.github.eventsforward.internal;

import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
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
	 * Map an event to a row and write its JSON.
	 * @param captured the event
	 * @param scheduler the forwarder's scheduler, whose clock stamps the row's arrival
	 * @return the row, or {@code null} if the event could not be mapped
	 */
	@Nullable EncodedRow encode(CapturedEvent captured, Scheduler scheduler) {
		try {
			return this.bodyWriter.encode(this.rows.create(captured), scheduler.now(TimeUnit.NANOSECONDS));
		}
		catch (RuntimeException ex) {
			this.deadLetters.unmappable(captured.event().getClass(), ex);
			return null;
		}
	}

}
