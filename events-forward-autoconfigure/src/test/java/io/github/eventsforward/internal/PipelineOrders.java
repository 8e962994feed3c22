package io.github.eventsforward.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.ForwardCounts;
import tools.jackson.databind.json.JsonMapper;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders {@code o-<n>} offered straight to a {@link ForwardingPipeline}, numbered from
 * {@code from} up to, not including, {@code to}, and what the pipeline counts of them.
 */
final class PipelineOrders {

	private PipelineOrders() {
	}

	static void publish(ForwardingPipeline pipeline, int count) {
		publish(pipeline, 0, count);
	}

	static void publish(ForwardingPipeline pipeline, int from, int to) {
		for (int i = from; i < to; i++) {
			pipeline.offer(new OrderPlaced("o-" + i, "alice", 1, BigDecimal.TEN));
		}
	}

	static List<String> orderIds(int from, int to) {
		List<String> ids = new ArrayList<>();
		for (int i = from; i < to; i++) {
			ids.add("o-" + i);
		}
		return ids;
	}

	static String orderId(EventRow row) {
		return JsonMapper.shared().readTree(row.properties()).path("orderId").asString();
	}

	/**
	 * Assert the pipeline's counts, the events still queued being the rest, and that they
	 * add up.
	 */
	static void assertCounts(ForwardingPipeline pipeline, long published, long delivered, long dropped,
			long failed) {
		ForwardCounts counts = pipeline.counts();
		assertThat(counts).isEqualTo(
				new ForwardCounts(published, delivered, dropped, failed, published - delivered - dropped - failed));
		assertAddsUp(counts);
	}

}
