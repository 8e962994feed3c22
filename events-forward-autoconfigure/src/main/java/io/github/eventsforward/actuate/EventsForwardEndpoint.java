package io.github.eventsforward.actuate;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code eventsforward} actuator endpoint: reading it shows the configuration (with the
 * token masked), the counts, the queue and the state with its last error; writing to it
 * flushes the forwarder.
 */
@Endpoint(id = "eventsforward")
public class EventsForwardEndpoint {

	private final EventsForwarder forwarder;

	private final Map<String, Object> configuration;

	private final Duration defaultFlushTimeout;

	/**
	 * Create the endpoint.
	 * @param forwarder the forwarder
	 * @param configuration the configuration to show, secrets already masked
	 * @param defaultFlushTimeout how long a flush waits unless told otherwise
	 */
	public EventsForwardEndpoint(EventsForwarder forwarder, Map<String, Object> configuration,
			Duration defaultFlushTimeout) {
		this.forwarder = forwarder;
		this.configuration = Collections.unmodifiableMap(new LinkedHashMap<>(configuration));
		this.defaultFlushTimeout = defaultFlushTimeout;
	}

	/**
	 * Describe the forwarder.
	 * @return the description
	 */
	@ReadOperation
	public ForwarderDescriptor describe() {
		ForwardCounts counts = this.forwarder.counts();
		return new ForwarderDescriptor(this.configuration, counts, counts.queued(),
				this.forwarder.oldestQueuedAge().toString(), this.forwarder.state());
	}

	/**
	 * Wait until everything published so far is delivered or given up on, for at most the
	 * shutdown timeout. Takes no parameter, so that a bare {@code POST} (no body, no
	 * {@code Content-Type}) reaches it.
	 * @return whether everything was flushed, and the counts afterwards
	 */
	@WriteOperation
	public FlushResult flush() {
		boolean flushed = this.forwarder.flush(this.defaultFlushTimeout);
		return new FlushResult(flushed, this.forwarder.counts());
	}

	/**
	 * What the endpoint shows.
	 *
	 * @param configuration the configuration, token masked
	 * @param counts what became of the events so far
	 * @param queueDepth events waiting to be sent
	 * @param oldestQueuedAge how long the oldest of them has waited
	 * @param state delivering, retrying or paused, with the reason and the last error
	 */
	public record ForwarderDescriptor(Map<String, Object> configuration, ForwardCounts counts, long queueDepth,
			String oldestQueuedAge, ForwarderState state) {

	}

	/**
	 * The result of a flush.
	 *
	 * @param flushed whether everything published before the flush has an outcome
	 * @param counts the counts afterwards
	 */
	public record FlushResult(boolean flushed, ForwardCounts counts) {

	}

}
