package io.github.eventsforward.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import com.github.f4b6a3.ulid.Ulid;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.MappedEvent;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RowFactory}: the columns it adds to the mapper's.
 */
class RowFactoryTests {

	private static final DateTimeFormatter ISOFORMAT = DateTimeFormatter
		.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx")
		.withZone(ZoneOffset.UTC);

	private final RowFactory rows = new RowFactory(new DefaultEventRowMapper(), JsonMapper.shared(), "shop-1");

	@Test
	void createdIsWrittenAsPythonsIsoformatWithSixFractionalDigits() {
		assertThat(created("2026-11-27T02:27:21.000042Z")).isEqualTo("2026-11-27T02:27:21.000042+00:00");
		assertThat(created("2026-11-27T02:27:21.5Z")).isEqualTo("2026-11-27T02:27:21.500000+00:00");
		assertThat(created("2026-11-27T02:27:22Z")).isEqualTo("2026-11-27T02:27:22.000000+00:00");
		assertThat(created("2026-11-27T02:27:21.999999Z")).isEqualTo("2026-11-27T02:27:21.999999+00:00");
	}

	@Test
	void createdMatchesAFormatterForTimesInAnyOrder() {
		SplittableRandom random = new SplittableRandom(27);
		long start = Instant.parse("2026-11-27T00:00:00Z").getEpochSecond() * 1_000_000L;
		for (int i = 0; i < 10_000; i++) {
			// Within a few seconds of each other, so that the same second comes back out of order.
			long micros = start + random.nextLong(5_000_000);
			Instant instant = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
					Math.floorMod(micros, 1_000_000L) * 1_000);
			assertThat(this.rows.create(new CapturedEvent(new Sample("a"), micros)).created())
				.isEqualTo(ISOFORMAT.format(instant));
		}
	}

	@Test
	void idsAndCreatedTimesAreAsciiThatJsonCarriesAsItIs() {
		RequestBodyWriter bodyWriter = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		SplittableRandom random = new SplittableRandom(1127);
		for (int i = 0; i < 2_000; i++) {
			// Any time a ULID holds, up to the year 10889: after 9999, created times take a sign.
			long micros = random.nextLong(0, (1L << 48) * 1_000);
			EventRow row = this.rows.create(new CapturedEvent(new Sample("a"), micros));
			assertThat(row.id()).matches("[0-9A-HJKMNP-TV-Z]{26}");
			assertThat(row.created()).matches("[-+]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}\\+00:00");
			assertThat(bodyWriter.encodeMade(row, 0).json()).isEqualTo(bodyWriter.encode(row, 0).json());
		}
	}

	@Test
	void idsCarryThePublishTimeAndGrowInPublishOrder() {
		long micros = Instant.parse("2026-11-27T02:27:21.123456Z").getEpochSecond() * 1_000_000L + 123_456;
		EventRow first = this.rows.create(new CapturedEvent(new Sample("a"), micros));
		EventRow second = this.rows.create(new CapturedEvent(new Sample("b"), micros));
		assertThat(Ulid.from(first.id()).getInstant()).isEqualTo(Instant.parse("2026-11-27T02:27:21.123Z"));
		assertThat(second.id()).isGreaterThan(first.id());
		assertThat(first.instance()).isEqualTo("shop-1");
		assertThat(first.event()).isEqualTo("sample");
		assertThat(first.properties()).isEqualTo("{\"value\":\"a\"}");
	}

	@Test
	void anEventWhosePropertiesCannotBeWrittenLeavesTheNextRowsIntact() {
		EventRowMapper mapper = (event) -> new MappedEvent("sample", null, null, null, event);
		RowFactory rows = new RowFactory(mapper, JsonMapper.shared(), null);
		assertThatExceptionOfType(JacksonException.class)
			.isThrownBy(() -> rows.create(new CapturedEvent(new Failing("a"), 0)));
		assertThat(rows.create(new CapturedEvent(new Sample("b"), 0)).properties()).isEqualTo("{\"value\":\"b\"}");
		assertThat(rows.create(new CapturedEvent(new Sample("c"), 0)).properties()).isEqualTo("{\"value\":\"c\"}");
	}

	private String created(String instant) {
		Instant time = Instant.parse(instant);
		long micros = time.getEpochSecond() * 1_000_000L + time.getNano() / 1_000;
		return this.rows.create(new CapturedEvent(new Sample("x"), micros)).created();
	}

	record Sample(String value) {

	}

	record Failing(String value) {

		public String getBroken() {
			throw new IllegalStateException("cannot be read");
		}

	}

}
