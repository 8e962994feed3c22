package io.github.eventsforward.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.eventsforward.DeadLetter;
import io.github.eventsforward.DeadLetterHandler;
import io.github.eventsforward.EventRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Gives up on events: logs each, hands it to the application's {@link DeadLetterHandler}s,
 * and counts it as failed once they are done, so that {@code flush} and the counts cover
 * them. Events that cannot be mapped to a row are logged once for their type.
 */
final class DeadLetters {

	private static final Log logger = LogFactory.getLog(DeadLetters.class);

	private final List<DeadLetterHandler> handlers;

	private final Accounting accounting;

	private final ForwarderObserver observer;

	private final String displayUrl;

	private final Set<Class<?>> unmappableTypes = ConcurrentHashMap.newKeySet();

	DeadLetters(List<DeadLetterHandler> handlers, Accounting accounting, ForwarderObserver observer,
			String displayUrl) {
		this.handlers = List.copyOf(handlers);
		this.accounting = accounting;
		this.observer = observer;
		this.displayUrl = displayUrl;
	}

	/**
	 * Give up on rows.
	 * @param outcome the rows and why
	 * @param cause why, for metrics
	 */
	void giveUp(Outcome outcome, ForwarderObserver.DeadLetterCause cause) {
		for (EventRow row : Outcome.eventRows(outcome.rows())) {
			logger.error("Gave up on event " + row.id() + " (" + row.event() + "), not delivered to " + this.displayUrl
					+ ": " + outcome.reason());
			DeadLetter deadLetter = new DeadLetter(row, outcome.reason(), outcome.status());
			for (DeadLetterHandler handler : this.handlers) {
				try {
					handler.handle(deadLetter);
				}
				catch (RuntimeException ex) {
					logger.warn("Dead letter handler " + handler + " failed on event " + row.id(), ex);
				}
			}
		}
		this.accounting.failed(outcome.rows().size());
		this.observer.deadLettered(cause, outcome.rows().size());
	}

	/**
	 * Give up on an event that cannot be mapped to a row.
	 * @param type the event's type
	 * @param ex why it cannot be mapped
	 */
	void unmappable(Class<?> type, RuntimeException ex) {
		if (this.unmappableTypes.add(type)) {
			logger.error("Skipping events of type " + type.getName() + ": they cannot be mapped to a row ("
					+ ex.getMessage() + "). Further events of this type are skipped and counted as failed"
					+ " without another log entry", ex);
		}
		this.accounting.failed(1);
		this.observer.deadLettered(ForwarderObserver.DeadLetterCause.UNMAPPABLE, 1);
	}

}
