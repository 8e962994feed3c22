package io.github.eventsforward.sample.shop;

import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The shop's endpoints. Each publishes one event, as application code does; forwarding it is
 * the starter's business.
 */
@RestController
class ShopController {

	private final ApplicationEventPublisher events;

	ShopController(ApplicationEventPublisher events) {
		this.events = events;
	}

	@PostMapping("/users")
	@ResponseStatus(HttpStatus.CREATED)
	Map<String, Object> signUp(@RequestParam String name, @RequestParam(defaultValue = "free") String plan) {
		this.events.publishEvent(new UserSignedUpEvent(this, name, plan));
		return Map.of("published", "user-signed-up", "user", name, "plan", plan);
	}

	@PostMapping("/login")
	Map<String, Object> login(@RequestParam String user, @RequestParam(defaultValue = "password") String method) {
		this.events.publishEvent(new UserLoggedIn(user, method));
		return Map.of("published", "login", "user", user);
	}

	@PostMapping("/orders")
	@ResponseStatus(HttpStatus.CREATED)
	Map<String, Object> placeOrder(@RequestParam String user, @RequestParam String item,
			@RequestParam(defaultValue = "1") int quantity) {
		OrderPlaced order = new OrderPlaced("o-" + UUID.randomUUID().toString().substring(0, 8), user, item,
				quantity, Catalog.price(item).multiply(BigDecimal.valueOf(quantity)));
		this.events.publishEvent(order);
		return Map.of("published", "order-placed", "order", order);
	}

	@PostMapping("/tables")
	@ResponseStatus(HttpStatus.CREATED)
	Map<String, Object> createTable(@RequestParam String database, @RequestParam String table,
			@RequestParam String user, @RequestParam(defaultValue = "3") int columns) {
		this.events.publishEvent(new TableCreated(database, table, user, columns));
		return Map.of("published", "table-created", "database", database, "table", table);
	}

}
