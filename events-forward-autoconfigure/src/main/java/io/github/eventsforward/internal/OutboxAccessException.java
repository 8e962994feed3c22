package io.github.eventsforward.internal;

import org.springframework.dao.DataAccessException;

/**
 * Thrown when the outbox table cannot be used as the forwarder needs. The message names the
 * table and says what to check; the cause is the database's own answer, translated by Spring
 * as usual, for whoever tells transient failures from lasting ones.
 */
final class OutboxAccessException extends DataAccessException {

	OutboxAccessException(String message, Throwable cause) {
		super(message, cause);
	}

}
