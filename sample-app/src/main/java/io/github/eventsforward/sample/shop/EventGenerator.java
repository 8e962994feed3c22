package io.github.eventsforward.sample.shop;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Publishes a steady trickle of shop events, as visitors would cause them. Switch it off with
 * {@code sample.generator.enabled=false}; {@code sample.generator.interval} sets the pace.
 */
@Component
@ConditionalOnBooleanProperty(name = "sample.generator.enabled", matchIfMissing = true)
class EventGenerator {

	private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "erin");

	private static final List<String> PAGES = List.of("/", "/catalog", "/catalog/book", "/catalog/mug", "/cart",
			"/about");

	private final ApplicationEventPublisher events;

	EventGenerator(ApplicationEventPublisher events) {
		this.events = events;
	}

	@Scheduled(initialDelayString = "${sample.generator.interval:2s}", fixedDelayString = "${sample.generator.interval:2s}")
	void publishOne() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		String user = USERS.get(random.nextInt(USERS.size()));
		int dice = random.nextInt(10);
		if (dice < 6) {
			this.events.publishEvent(new PageViewed(PAGES.get(random.nextInt(PAGES.size())),
					(dice < 3) ? null : user, 5 + random.nextInt(120)));
		}
		else if (dice < 8) {
			this.events.publishEvent(new UserLoggedIn(user, (dice == 6) ? "password" : "github"));
		}
		else {
			String item = Catalog.ITEMS.get(random.nextInt(Catalog.ITEMS.size()));
			int quantity = 1 + random.nextInt(3);
			this.events.publishEvent(new OrderPlaced("o-" + Long.toHexString(random.nextLong() >>> 36), user, item,
					quantity, Catalog.price(item).multiply(BigDecimal.valueOf(quantity))));
		}
	}

}
