package io.github.eventsforward.benchmarks;

/**
 * A typical application event as a record: six properties, one of them the actor.
 *
 * @param orderId the order
 * @param actorId who placed it, the {@code actor_id} column
 * @param sku the item
 * @param quantity how many
 * @param amountCents the total
 * @param currency the currency
 */
public record OrderPlaced(String orderId, String actorId, String sku, int quantity, long amountCents,
		String currency) {

	/**
	 * Return the {@code n}-th event of a run, with values of its own.
	 * @param n the sequence number
	 * @return the event
	 */
	public static OrderPlaced number(long n) {
		return new OrderPlaced("order-" + n, "user-" + (n % 1000), "sku-" + (n % 97), (int) (n % 5) + 1,
				1999 + n % 10_000, "EUR");
	}

}
