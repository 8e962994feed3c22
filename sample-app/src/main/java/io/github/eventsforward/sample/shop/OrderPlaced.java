package io.github.eventsforward.sample.shop;

import java.math.BigDecimal;

/**
 * A record published with {@code publishEvent(Object)}: forwarded as {@code order-placed}.
 *
 * @param orderId the order
 * @param actorId the customer, in the {@code actor_id} column
 * @param item what was ordered
 * @param quantity how many
 * @param total the price of the order
 */
public record OrderPlaced(String orderId, String actorId, String item, int quantity, BigDecimal total) {
}
