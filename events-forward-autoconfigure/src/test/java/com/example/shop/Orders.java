package com.example.shop;

/**
 * Events declared as nested types.
 */
public final class Orders {

	private Orders() {
	}

	/**
	 * A nested record event.
	 */
	public record ItemShipped(String orderId, String carrier) {
	}

	/**
	 * A doubly nested classic event class with the {@code Event} suffix.
	 */
	public static final class Refunds {

		private Refunds() {
		}

		public static class RefundIssuedEvent {

			private final String orderId;

			public RefundIssuedEvent(String orderId) {
				this.orderId = orderId;
			}

			public String getOrderId() {
				return this.orderId;
			}

		}

	}

}
