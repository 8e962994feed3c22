package io.github.eventsforward.internal;

/**
 * Thrown when the spool cannot be used: its directory cannot be written, or another
 * forwarder holds it. The message says what to do about it.
 */
public final class UnusableSpoolException extends RuntimeException {

	UnusableSpoolException(String message) {
		super(message);
	}

	UnusableSpoolException(String message, Throwable cause) {
		super(message, cause);
	}

}
