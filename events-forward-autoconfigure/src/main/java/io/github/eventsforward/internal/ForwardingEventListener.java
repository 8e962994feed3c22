package io.github.eventsforward.internal;

import org.springframework.context.ApplicationEvent;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;

/**
 * Hands the application's events to the forwarder. Runs on the publisher's thread, so it
 * does no more than the include and exclude check and a queue offer. The check is also
 * answered through {@link #supportsEventType(ResolvableType)}, which Spring caches per event
 * type: events that are not forwarded never reach this listener.
 */
public final class ForwardingEventListener implements GenericApplicationListener {

	private final EventFilter filter;

	private final ForwardingPipeline pipeline;

	/**
	 * Create a listener.
	 * @param filter which events to forward
	 * @param pipeline where to hand them
	 */
	public ForwardingEventListener(EventFilter filter, ForwardingPipeline pipeline) {
		this.filter = filter;
		this.pipeline = pipeline;
	}

	@Override
	public boolean supportsEventType(ResolvableType eventType) {
		Class<?> type = eventType.toClass();
		if (PayloadApplicationEvent.class.isAssignableFrom(type)) {
			Class<?> payloadType = eventType.as(PayloadApplicationEvent.class).getGeneric().resolve();
			return payloadType == null || this.filter.accepts(payloadType);
		}
		return this.filter.accepts(type);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		Object forwarded = (event instanceof PayloadApplicationEvent<?> payload) ? payload.getPayload() : event;
		if (this.filter.accepts(forwarded.getClass())) {
			this.pipeline.offer(forwarded);
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
