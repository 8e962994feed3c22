package io.github.eventsforward.sample.shop;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * What the shop sells, and for how much.
 */
final class Catalog {

	static final Map<String, BigDecimal> PRICES = Map.of("book", new BigDecimal("12.50"), "mug",
			new BigDecimal("8.00"), "poster", new BigDecimal("15.00"), "sticker", new BigDecimal("1.20"));

	static final List<String> ITEMS = List.copyOf(PRICES.keySet());

	private Catalog() {
	}

	static BigDecimal price(String item) {
		return PRICES.getOrDefault(item, BigDecimal.TEN);
	}

}
