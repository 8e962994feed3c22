package io.github.eventsforward.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import com.github.f4b6a3.ulid.UlidFactory;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.MappedEvent;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns captured events into rows: the mapper's columns plus an id, the instance and the
 * creation time. Used by the forwarder's single thread only, so ids come out in publish
 * order.
 */
final class RowFactory {

	// Python's isoformat() for an aware UTC datetime: always six fractional digits and +00:00.
	private static final DateTimeFormatter CREATED = DateTimeFormatter
		.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx")
		.withZone(ZoneOffset.UTC);

	private final EventRowMapper mapper;

	private final JsonMapper jsonMapper;

	private final @Nullable String instance;

	private final UlidFactory ids = UlidFactory.newMonotonicInstance();

	RowFactory(EventRowMapper mapper, JsonMapper jsonMapper, @Nullable String instance) {
		this.mapper = mapper;
		this.jsonMapper = jsonMapper;
		this.instance = instance;
	}

	EventRow create(CapturedEvent captured) {
		MappedEvent mapped = this.mapper.map(captured.event());
		if (mapped == null) {
			throw new IllegalStateException(this.mapper.getClass().getName() + " returned null");
		}
		Object properties = mapped.properties();
		String json = (properties != null) ? this.jsonMapper.writeValueAsString(properties) : "{}";
		Instant published = captured.published();
		String id = this.ids.create(published.toEpochMilli()).toString();
		return new EventRow(id, this.instance, mapped.name(), CREATED.format(published), mapped.actorId(),
				mapped.database(), mapped.table(), json);
	}

}
