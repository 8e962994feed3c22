package io.github.eventsforward.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.github.eventsforward.EventRowMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The forwarder's own event-to-row and rows-to-body steps, opened up for the benchmarks:
 * this class lives in the starter's package, so it calls the package-private
 * {@link RowFactory} and {@link RequestBodyWriter} themselves rather than a copy of them.
 */
public final class MappingSteps {

	private final RowFactory rows;

	private final RequestBodyWriter bodyWriter;

	/**
	 * Create the steps for a {@code /-/create} URL.
	 * @param mapper maps events to columns
	 * @param jsonMapper writes the {@code properties} column
	 * @param table the table the body names
	 */
	public MappingSteps(EventRowMapper mapper, JsonMapper jsonMapper, String table) {
		this.rows = new RowFactory(mapper, jsonMapper, "benchmark");
		this.bodyWriter = new RequestBodyWriter(WriteEndpoint.CREATE, table);
	}

	/**
	 * Map events to rows and write them as one request body, as the forwarder's thread does:
	 * each event to its row and the row's JSON, then the rows joined into the body.
	 * @param events the events of one batch
	 * @param published when they were published
	 * @return the body
	 */
	public byte[] body(Object[] events, Instant published) {
		long micros = published.getEpochSecond() * 1_000_000L + published.getNano() / 1_000;
		List<EncodedRow> batch = new ArrayList<>(events.length);
		for (Object event : events) {
			batch.add(this.bodyWriter.encodeMade(this.rows.create(new CapturedEvent(event, micros)), 0));
		}
		return this.bodyWriter.write(batch);
	}

}
