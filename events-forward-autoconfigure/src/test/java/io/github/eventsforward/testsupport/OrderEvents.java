package io.github.eventsforward.testsupport;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.IntStream;

import com.example.shop.OrderPlaced;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Example events: orders {@code o-<n>} placed by alice, for {@code n} items at 1 each.
 */
public final class OrderEvents {

	private OrderEvents() {
	}

	/**
	 * Publish orders {@code o-from} to {@code o-to}, both included, in that order.
	 * @param publisher where to publish them
	 * @param from the first order's number
	 * @param to the last order's number
	 */
	public static void publish(ApplicationEventPublisher publisher, int from, int to) {
		for (int i = from; i <= to; i++) {
			publisher.publishEvent(new OrderPlaced("o-" + i, "alice", i, BigDecimal.ONE));
		}
	}

	/**
	 * Return the ids of the orders {@link #publish} publishes.
	 * @param from the first order's number
	 * @param to the last order's number
	 * @return {@code o-from} to {@code o-to}, both included
	 */
	public static List<String> orderIds(int from, int to) {
		return IntStream.rangeClosed(from, to).mapToObj((i) -> "o-" + i).toList();
	}

	/**
	 * Return the order ids that rows of {@link OrderPlaced} events carry in their
	 * {@code properties}, in the rows' order.
	 * @param rows rows as the server stored them
	 * @return the {@code orderId} of each
	 */
	public static List<String> orderIdsOf(List<ObjectNode> rows) {
		return rows.stream()
			.map((row) -> JsonMapper.shared().readTree(row.get("properties").asString()).path("orderId").asString())
			.toList();
	}

}
