package io.github.eventsforward.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

/**
 * Records what a logger and the loggers below it log, between {@link #attach()} and
 * {@link #detach()}.
 */
public final class LogRecorder extends AppenderBase<ILoggingEvent> {

	private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

	private final Logger logger;

	/**
	 * Record what the named logger logs.
	 * @param loggerName the logger's name, a package's to record all its classes log
	 */
	public LogRecorder(String loggerName) {
		this.logger = (Logger) LoggerFactory.getLogger(loggerName);
	}

	/**
	 * Record what the class's logger logs.
	 * @param loggingClass the class that logs
	 */
	public LogRecorder(Class<?> loggingClass) {
		this.logger = (Logger) LoggerFactory.getLogger(loggingClass);
	}

	public void attach() {
		start();
		this.logger.addAppender(this);
	}

	public void detach() {
		this.logger.detachAppender(this);
		stop();
	}

	public List<ILoggingEvent> events() {
		return List.copyOf(this.events);
	}

	/**
	 * Return the messages logged at the level that contain the fragment.
	 * @param level the level
	 * @param fragment what the message contains
	 * @return the formatted messages, in the order logged
	 */
	public List<String> messages(Level level, String fragment) {
		return this.events.stream()
			.filter((event) -> event.getLevel() == level)
			.map(ILoggingEvent::getFormattedMessage)
			.filter((message) -> message.contains(fragment))
			.toList();
	}

	@Override
	protected void append(ILoggingEvent event) {
		this.events.add(event);
	}

}
