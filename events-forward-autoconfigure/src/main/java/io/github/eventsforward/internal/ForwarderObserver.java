package io.github.eventsforward.internal;

import java.util.List;

import io.github.eventsforward.DatasetteWriteException;
import org.jspecify.annotations.Nullable;

/**
 * Told what the forwarder does, for metrics. Calls come from the forwarder's thread, except
 * {@link #dropped}, which mostly comes from the publisher's at the drop, so implementations
 * must be quick and thread-safe.
 */
public interface ForwarderObserver {

	/**
	 * An observer that does nothing.
	 */
	ForwarderObserver NONE = new ForwarderObserver() {
	};

	/**
	 * Return an observer that tells each of the given ones, in order.
	 * @param observers the observers
	 * @return the observer
	 */
	static ForwarderObserver of(List<? extends ForwarderObserver> observers) {
		List<ForwarderObserver> all = List.copyOf(observers);
		if (all.isEmpty()) {
			return NONE;
		}
		if (all.size() == 1) {
			return all.get(0);
		}
		return new ForwarderObserver() {

			@Override
			public void requestCompleted(long nanos, int rows, @Nullable Throwable error) {
				all.forEach((observer) -> observer.requestCompleted(nanos, rows, error));
			}

			@Override
			public void retrying(boolean paused) {
				all.forEach((observer) -> observer.retrying(paused));
			}

			@Override
			public void dropped(DropReason reason, long events) {
				all.forEach((observer) -> observer.dropped(reason, events));
			}

			@Override
			public void deadLettered(DeadLetterCause cause, long events) {
				all.forEach((observer) -> observer.deadLettered(cause, events));
			}

		};
	}

	/**
	 * A write API request ended.
	 * @param nanos how long it took
	 * @param rows how many rows it carried
	 * @param error why it failed ({@link DatasetteWriteException} for an answer other than
	 * 2xx, a {@code TimeoutException}, an I/O error), or {@code null} if it succeeded
	 */
	default void requestCompleted(long nanos, int rows, @Nullable Throwable error) {
	}

	/**
	 * A failed request is about to be tried again.
	 * @param paused whether sending is paused (401, 403, 404) rather than retrying a
	 * transient failure
	 */
	default void retrying(boolean paused) {
	}

	/**
	 * Events were dropped.
	 * @param reason why
	 * @param events how many
	 */
	default void dropped(DropReason reason, long events) {
	}

	/**
	 * Events were given up on.
	 * @param cause why
	 * @param events how many
	 */
	default void deadLettered(DeadLetterCause cause, long events) {
	}

	/**
	 * Why events were dropped.
	 */
	enum DropReason {

		/** The buffer was full. */
		BUFFER_FULL,

		/** The forwarder had stopped. */
		STOPPED,

		/** The outbox table could not be written, outside a transaction. */
		OUTBOX_UNAVAILABLE

	}

	/**
	 * Why events were given up on.
	 */
	enum DeadLetterCause {

		/** The server refused the row (400). */
		REJECTED,

		/** The row alone is larger than the server or {@code max-request-size} takes. */
		TOO_LARGE,

		/** Transient failures lasted longer than {@code retry.give-up-after}. */
		GAVE_UP,

		/** The event could not be mapped to a row. */
		UNMAPPABLE

	}

}
