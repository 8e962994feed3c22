package io.github.eventsforward.internal;

import java.time.Instant;
import java.util.List;

import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The forwarder's own event-to-row and rows-to-body steps, opened up for the mapping
 * benchmark: it lives in the starter's package, so it calls the package-private
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
	 * Map one event to its row, as the forwarder's thread does.
	 * @param event the event
	 * @param published when it was published
	 * @return the row
	 */
	public EventRow row(Object event, Instant published) {
		return this.rows.create(new CapturedEvent(event, published));
	}

	/**
	 * Write the request body for a batch.
	 * @param rows the rows
	 * @return the body
	 */
	public byte[] body(List<EventRow> rows) {
		return this.bodyWriter.write(rows);
	}

}
