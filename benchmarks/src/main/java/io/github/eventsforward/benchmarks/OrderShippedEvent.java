package io.github.eventsforward.benchmarks;

import org.springframework.context.ApplicationEvent;

/**
 * The same six properties as {@link OrderPlaced}, as a classic {@link ApplicationEvent}
 * subclass with getters.
 */
public class OrderShippedEvent extends ApplicationEvent {

	private final String orderId;

	private final String actorId;

	private final String sku;

	private final int quantity;

	private final long amountCents;

	private final String currency;

	public OrderShippedEvent(Object source, String orderId, String actorId, String sku, int quantity,
			long amountCents, String currency) {
		super(source);
		this.orderId = orderId;
		this.actorId = actorId;
		this.sku = sku;
		this.quantity = quantity;
		this.amountCents = amountCents;
		this.currency = currency;
	}

	public String getOrderId() {
		return this.orderId;
	}

	public String getActorId() {
		return this.actorId;
	}

	public String getSku() {
		return this.sku;
	}

	public int getQuantity() {
		return this.quantity;
	}

	public long getAmountCents() {
		return this.amountCents;
	}

	public String getCurrency() {
		return this.currency;
	}

}
