package io.github.eventsforward.sample.shop;

import org.springframework.context.ApplicationEvent;

/**
 * A classic {@code ApplicationEvent} subclass: forwarded as {@code user-signed-up}, with
 * {@code actorId} in the {@code actor_id} column and {@code plan} in {@code properties}.
 */
public class UserSignedUpEvent extends ApplicationEvent {

	private final String actorId;

	private final String plan;

	public UserSignedUpEvent(Object source, String actorId, String plan) {
		super(source);
		this.actorId = actorId;
		this.plan = plan;
	}

	public String getActorId() {
		return this.actorId;
	}

	public String getPlan() {
		return this.plan;
	}

}
