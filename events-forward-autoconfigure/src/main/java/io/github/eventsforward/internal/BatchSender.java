package io.github.eventsforward.internal;

import java.util.List;

import io.github.eventsforward.EventRow;
import reactor.core.publisher.Mono;

/**
 * Sends one batch of rows to the server.
 */
@FunctionalInterface
public interface BatchSender {

	/**
	 * Send a batch when the returned {@code Mono} is subscribed to, again for each
	 * subscription; it completes when the server has accepted the batch and fails with the
	 * reason otherwise ({@link DatasetteWriteException} for an answer other than 2xx).
	 * @param rows the rows, in publish order
	 * @param body the request body that carries them
	 * @return completion of the request
	 */
	Mono<Void> send(List<EventRow> rows, byte[] body);

}
