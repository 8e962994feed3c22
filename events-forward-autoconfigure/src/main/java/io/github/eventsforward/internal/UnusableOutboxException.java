package io.github.eventsforward.internal;

/**
 * The outbox was asked for and cannot be used: no database, or no table and no leave to
 * create it. The message says which, and what to do.
 */
public final class UnusableOutboxException extends RuntimeException {

	UnusableOutboxException(String message) {
		super(message);
	}

	UnusableOutboxException(String message, Throwable cause) {
		super(message, cause);
	}

}
