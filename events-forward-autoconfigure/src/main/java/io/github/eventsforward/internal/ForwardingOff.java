package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;

/**
 * The forwarder while forwarding is switched off by configuration: it forwards and counts
 * nothing, and says why it is off, so that beans which inject {@link EventsForwarder} work
 * either way.
 */
public final class ForwardingOff implements EventsForwarder {

	private static final ForwardCounts NONE = new ForwardCounts(0, 0, 0, 0, 0);

	private final ForwarderState state;

	/**
	 * Create the forwarder of an application that does not forward.
	 * @param reason why forwarding is off, naming the setting
	 * @param clock when it was switched off, for the state
	 */
	public ForwardingOff(String reason, Clock clock) {
		this.state = new ForwarderState(ForwarderState.Status.OFF, reason, clock.instant(), null, null);
	}

	@Override
	public ForwardCounts counts() {
		return NONE;
	}

	@Override
	public ForwarderState state() {
		return this.state;
	}

	@Override
	public Duration oldestQueuedAge() {
		return Duration.ZERO;
	}

	@Override
	public boolean flush(Duration timeout) {
		return true;
	}

	@Override
	public String toString() {
		return "ForwardingOff[" + this.state.reason() + "]";
	}

}
