package io.github.eventsforward.sample.receiver;

import java.time.Duration;

import io.github.eventsforward.EventsForwarder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Lets the forwarder deliver what is queued while the stand-in receiver still runs. The
 * starter stops after the web server, which suits a real Datasette elsewhere; here the
 * receiver is part of this web server, so the sample flushes before it goes down. Scheduled
 * tasks (the event generator) have stopped by then.
 */
class ForwarderDrain implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ForwarderDrain.class);

	/** After the task scheduler ({@code DEFAULT_PHASE}), before the web server (-1024). */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	private final ObjectProvider<EventsForwarder> forwarder;

	private final Duration timeout;

	private volatile boolean running;

	ForwarderDrain(ObjectProvider<EventsForwarder> forwarder, Duration timeout) {
		this.forwarder = forwarder;
		this.timeout = timeout;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		EventsForwarder forwarder = this.forwarder.getIfAvailable();
		if (forwarder != null && !forwarder.flush(this.timeout)) {
			logger.warn("Not every event was delivered in the " + this.timeout
					+ " the sample waits before its stand-in receiver stops: " + forwarder.counts());
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
