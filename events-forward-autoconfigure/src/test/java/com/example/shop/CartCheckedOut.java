package com.example.shop;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * An event with numbers, nested objects, a list and a map among its properties.
 */
public record CartCheckedOut(String actorId, long cartId, int items, double weightKg, BigDecimal total,
		Address shipTo, List<Line> lines, Map<String, Integer> coupons) {

	public record Address(String city, String postcode) {
	}

	public record Line(String sku, int quantity) {
	}

}
