package io.github.eventsforward.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.eventsforward.EventRow;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RequestBodyWriter}: rows written once, joined into bodies, and read back.
 */
class RequestBodyWriterTests {

	private static final EventRow FULL = new EventRow("01JWNNSVG0FJZ563NSFJBEZWCM", "shop-1", "order-placed",
			"2026-11-27T02:27:21.000042+00:00", "alice", "shop", "orders",
			"{\"orderId\":\"o-1\",\"note\":\"\\\"quoted\\\" \\\\ back\"}");

	private static final EventRow SPARSE = new EventRow("01JWNNSVG0FJZ563NSFJBEZWCN", null, "signed-up",
			"2026-11-27T02:27:21.500000+00:00", null, null, null, "{\"text\":\"ünïcødé ✓ \uD83D\uDE00 \uD800\"}");

	@Test
	void createBodyJoinsTheRowsBetweenTheTableAndTheOptions() {
		RequestBodyWriter writer = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		String body = new String(writer.write(List.of(writer.encode(FULL, 0), writer.encode(SPARSE, 0))),
				StandardCharsets.UTF_8);
		assertThat(body).isEqualTo("{\"table\":\"datasette_events\",\"rows\":["
				+ "{\"id\":\"01JWNNSVG0FJZ563NSFJBEZWCM\",\"instance\":\"shop-1\",\"event\":\"order-placed\","
				+ "\"created\":\"2026-11-27T02:27:21.000042+00:00\",\"actor_id\":\"alice\",\"database_name\":\"shop\","
				+ "\"table_name\":\"orders\",\"properties\":"
				+ "\"{\\\"orderId\\\":\\\"o-1\\\",\\\"note\\\":\\\"\\\\\\\"quoted\\\\\\\" \\\\\\\\ back\\\"}\"},"
				+ "{\"id\":\"01JWNNSVG0FJZ563NSFJBEZWCN\",\"instance\":null,\"event\":\"signed-up\","
				+ "\"created\":\"2026-11-27T02:27:21.500000+00:00\",\"actor_id\":null,\"database_name\":null,"
				+ "\"table_name\":null,\"properties\":\"{\\\"text\\\":\\\"ünïcødé ✓ \uD83D\uDE00 \\uD800\\\"}\"}"
				+ "],\"ignore\":true,\"pk\":\"id\"}");
	}

	@Test
	void insertBodyHasNoTableAndNoPrimaryKey() {
		RequestBodyWriter writer = new RequestBodyWriter(WriteEndpoint.INSERT, "datasette_events");
		String body = new String(writer.write(List.of(writer.encode(SPARSE, 0))), StandardCharsets.UTF_8);
		assertThat(body).startsWith("{\"rows\":[{\"id\":\"01JWNNSVG0FJZ563NSFJBEZWCN\"")
			.endsWith("}],\"ignore\":true}");
	}

	@Test
	void rowsReadBackFromTheirJsonAreTheRowsThatWereWritten() {
		RequestBodyWriter writer = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		assertThat(writer.encode(FULL, 0).row()).isEqualTo(FULL);
		assertThat(writer.encode(SPARSE, 0).row()).isEqualTo(SPARSE);
	}

	@Test
	void aRowWrittenAfterOthersCarriesNothingOfThem() {
		RequestBodyWriter writer = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		byte[] alone = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events").encode(SPARSE, 0).json();
		writer.encode(FULL, 0);
		writer.encode(FULL, 0);
		assertThat(writer.encode(SPARSE, 0).json()).isEqualTo(alone);
	}

}
