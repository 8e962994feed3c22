package com.example.shop;

import org.springframework.context.ApplicationEvent;

/**
 * A classic {@code ApplicationEvent} subclass with getters.
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
