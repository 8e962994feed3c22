package io.github.eventsforward.internal;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * Sends one batch of rows to the server.
 */
@FunctionalInterface
public interface BatchSender {

	/**
	 * Send a batch; the returned {@code Mono} completes when the server has accepted it
	 * and fails with the reason otherwise.
	 * @param rows the rows, in publish order
	 * @return completion of the request
	 */
	Mono<Void> send(List<EventRow> rows);

}
