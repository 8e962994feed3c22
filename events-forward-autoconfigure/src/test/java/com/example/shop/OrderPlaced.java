package com.example.shop;

import java.math.BigDecimal;

/**
 * A record event published with {@code publishEvent(Object)}.
 */
public record OrderPlaced(String orderId, String actorId, int quantity, BigDecimal total) {
}
