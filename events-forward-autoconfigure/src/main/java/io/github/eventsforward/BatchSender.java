package io.github.eventsforward;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * Sends one batch of rows to the server. The starter's sender posts them to Datasette's
 * write API through {@code WebClient}; an application may declare a bean of its own to send
 * them elsewhere or otherwise. Failures are classified as the write API's are: a
 * {@link DatasetteWriteException} by its status, anything else (an I/O error, a timeout) as
 * transient.
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
