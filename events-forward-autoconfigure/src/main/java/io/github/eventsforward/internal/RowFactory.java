package io.github.eventsforward.internal;

import java.io.CharArrayWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

import com.github.f4b6a3.ulid.UlidFactory;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.MappedEvent;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.util.RawValue;

/**
 * Turns captured events into rows: the mapper's columns plus an id, the instance and the
 * creation time. Used by the forwarder's single thread only, so ids come out in publish
 * order. Ids are ULIDs and creation times ISO 8601 text: ASCII that JSON carries as it is,
 * which {@link RequestBodyWriter#encodeMade(EventRow, long)} relies on.
 */
final class RowFactory {

	// Python's isoformat() for an aware UTC datetime is this, then always six fractional
	// digits and +00:00. Formatted once per second: the digits are filled in by hand.
	private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.")
		.withZone(ZoneOffset.UTC);

	private static final long MICROS_PER_SECOND = 1_000_000;

	private static final int FRACTION_DIGITS = 6;

	private static final byte[] OFFSET = "+00:00".getBytes(StandardCharsets.ISO_8859_1);

	private final EventRowMapper mapper;

	private final JsonMapper jsonMapper;

	// The properties of one event after another, as root values of one generator with
	// nothing between them, each taken out of the buffer in turn.
	private final ObjectWriter propertiesWriter;

	// Whether the generator writes something between root values: its pretty printer does.
	private final boolean separatesRootValues;

	private final CharArrayWriter propertiesBuffer = new CharArrayWriter(256);

	private @Nullable JsonGenerator propertiesGenerator;

	private final @Nullable String instance;

	private final UlidFactory ids = UlidFactory.newMonotonicInstance();

	private long createdSecond = Long.MIN_VALUE;

	// The created text of the current second: its prefix, six digits to fill in, +00:00.
	private byte[] created = new byte[0];

	RowFactory(EventRowMapper mapper, JsonMapper jsonMapper, @Nullable String instance) {
		this(mapper, jsonMapper, jsonMapper.writer().withRootValueSeparator((String) null), instance);
	}

	/**
	 * Return a factory like this one, for another thread.
	 * @return a new factory with the same mapper, JSON writer and instance
	 */
	RowFactory copy() {
		return new RowFactory(this.mapper, this.jsonMapper, this.propertiesWriter, this.instance);
	}

	private RowFactory(EventRowMapper mapper, JsonMapper jsonMapper, ObjectWriter propertiesWriter,
			@Nullable String instance) {
		this.mapper = mapper;
		this.jsonMapper = jsonMapper;
		this.propertiesWriter = propertiesWriter;
		this.separatesRootValues = propertiesWriter.isEnabled(SerializationFeature.INDENT_OUTPUT);
		this.instance = instance;
	}

	EventRow create(CapturedEvent captured) {
		MappedEvent mapped = this.mapper.map(captured.event());
		if (mapped == null) {
			throw new IllegalStateException(this.mapper.getClass().getName() + " returned null");
		}
		Object properties = mapped.properties();
		String json = (properties != null) ? properties(properties) : "{}";
		long micros = captured.publishedMicros();
		String id = this.ids.create(Math.floorDiv(micros, 1_000)).toString();
		return new EventRow(id, this.instance, mapped.name(), created(micros), mapped.actorId(), mapped.database(),
				mapped.table(), json);
	}

	private String properties(Object properties) {
		if (properties instanceof WrittenProperties written) {
			String json = written.json(this.jsonMapper);
			if (json == null) {
				// Written for another mapper: this one writes the tree they were written from.
				return writeProperties(written.tree());
			}
			// The text is what the generator would write for the tree, except what a pretty
			// printer puts before any root value but the first: written raw, it gets that too.
			return this.separatesRootValues ? writeProperties(new RawValue(json)) : json;
		}
		return writeProperties(properties);
	}

	private String writeProperties(Object properties) {
		JsonGenerator generator = this.propertiesGenerator;
		if (generator == null) {
			generator = this.propertiesWriter.createGenerator(this.propertiesBuffer);
			this.propertiesGenerator = generator;
		}
		try {
			this.propertiesWriter.writeValue(generator, properties);
			generator.flush();
			return this.propertiesBuffer.toString();
		}
		catch (RuntimeException ex) {
			// The generator may be left inside the value: the next event starts with a new one.
			this.propertiesGenerator = null;
			throw ex;
		}
		finally {
			this.propertiesBuffer.reset();
		}
	}

	private String created(long micros) {
		long second = Math.floorDiv(micros, MICROS_PER_SECOND);
		if (second != this.createdSecond) {
			byte[] prefix = SECONDS.format(Instant.ofEpochSecond(second)).getBytes(StandardCharsets.ISO_8859_1);
			byte[] created = Arrays.copyOf(prefix, prefix.length + FRACTION_DIGITS + OFFSET.length);
			System.arraycopy(OFFSET, 0, created, prefix.length + FRACTION_DIGITS, OFFSET.length);
			this.created = created;
			this.createdSecond = second;
		}
		byte[] created = this.created;
		int fraction = (int) Math.floorMod(micros, MICROS_PER_SECOND);
		int end = created.length - OFFSET.length;
		for (int at = end - 1; at >= end - FRACTION_DIGITS; at--) {
			created[at] = (byte) ('0' + fraction % 10);
			fraction /= 10;
		}
		return new String(created, StandardCharsets.ISO_8859_1);
	}

}
