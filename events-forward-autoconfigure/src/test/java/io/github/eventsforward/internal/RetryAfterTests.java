package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetryAfter}: seconds, and the three HTTP date forms of RFC 9110 read
 * against a fixed clock, on days that tell the forms' day and year rules apart.
 */
class RetryAfterTests {

	private static final Clock SOME_DAY = clock("2026-11-27T10:00:00Z");

	@Test
	void readsSeconds() {
		assertThat(RetryAfter.parse("3", SOME_DAY)).isEqualTo(Duration.ofSeconds(3));
		assertThat(RetryAfter.parse(" 120 ", SOME_DAY)).isEqualTo(Duration.ofMinutes(2));
		assertThat(RetryAfter.parse("0", SOME_DAY)).isEqualTo(Duration.ZERO);
	}

	@ParameterizedTest(name = "{0}: {1}")
	@CsvSource(delimiter = '|', textBlock = """
			# a day 1 to 9, one hour ahead
			2026-12-01T21:53:00Z | Tue, 01 Dec 2026 22:53:00 GMT   | PT1H
			2026-12-01T21:53:00Z | Tuesday, 01-Dec-26 22:53:00 GMT | PT1H
			2026-12-01T21:53:00Z | Tue Dec  1 22:53:00 2026        | PT1H
			2026-12-01T21:53:00Z | Tue Dec 1 22:53:00 2026         | PT1H
			2027-03-05T23:59:30Z | Sat, 06 Mar 2027 00:00:00 GMT   | PT30S
			2027-03-05T23:59:30Z | Saturday, 06-Mar-27 00:00:00 GMT | PT30S
			2027-03-05T23:59:30Z | Sat Mar  6 00:00:00 2027        | PT30S
			# a day 10 to 31
			2026-11-27T10:00:00Z | Fri, 27 Nov 2026 10:00:45 GMT   | PT45S
			2026-11-27T10:00:00Z | Friday, 27-Nov-26 10:00:45 GMT  | PT45S
			2026-11-27T10:00:00Z | Fri Nov 27 10:00:45 2026        | PT45S
			# the last second of a year, into the next one
			2026-12-31T23:59:59Z | Fri, 01 Jan 2027 00:59:59 GMT   | PT1H
			2026-12-31T23:59:59Z | Friday, 01-Jan-27 00:59:59 GMT  | PT1H
			2026-12-31T23:59:59Z | Fri Jan  1 00:59:59 2027        | PT1H
			2026-12-31T23:59:59Z | Thu, 31 Dec 2026 23:59:59 GMT   | PT0S
			# 29 February of a leap year, and across into March
			2028-02-29T12:00:00Z | Tue, 29 Feb 2028 12:30:00 GMT   | PT30M
			2028-02-29T12:00:00Z | Tuesday, 29-Feb-28 12:30:00 GMT | PT30M
			2028-02-29T12:00:00Z | Tue Feb 29 12:30:00 2028        | PT30M
			2028-02-29T23:00:00Z | Wed, 01 Mar 2028 01:00:00 GMT   | PT2H
			2028-02-29T23:00:00Z | Wednesday, 01-Mar-28 01:00:00 GMT | PT2H
			2028-02-29T23:00:00Z | Wed Mar  1 01:00:00 2028        | PT2H
			""")
	void readsEachHttpDateFormAsTheWaitFromTheClock(String now, String header, Duration wait) {
		assertThat(RetryAfter.parse(header, clock(now))).isEqualTo(wait);
	}

	@Test
	void readsTheExampleDatesOfRfc9110AsInThePast() {
		Clock later = clock("2026-12-01T00:00:00Z");
		assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", later)).isEqualTo(Duration.ZERO);
		assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", later)).isEqualTo(Duration.ZERO);
		assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", later)).isEqualTo(Duration.ZERO);
	}

	@Test
	void readsTheExampleDatesOfRfc9110AsTheSameInstant() {
		Clock before = clock("1994-11-06T08:49:00Z");
		Duration wait = Duration.ofSeconds(37);
		assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", before)).isEqualTo(wait);
		assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", before)).isEqualTo(wait);
		assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", before)).isEqualTo(wait);
	}

	@Test
	void readsATwoDigitYearMoreThanFiftyYearsAheadAsInThePast() {
		// In 2026, "76" is 2076, 50 years ahead; "77" would be 51 years ahead, so it is 1977.
		Clock now = clock("2026-01-01T00:00:00Z");
		assertThat(RetryAfter.parse("Wednesday, 01-Jan-76 00:00:00 GMT", now))
			.isEqualTo(Duration.between(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2076-01-01T00:00:00Z")));
		assertThat(RetryAfter.parse("Saturday, 01-Jan-77 00:00:00 GMT", now)).isEqualTo(Duration.ZERO);
		// 1 January 2077 is a Friday: read as 2077, the day of the week would not match.
		assertThat(RetryAfter.parse("Friday, 01-Jan-77 00:00:00 GMT", now)).isNull();
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "   ", "soon", "3s", "1.5", "Wed, 21 Oct 2015", "2015-10-21T07:28:00Z",
			"99999999999999999999", "Mon, 01 Dec 2026 22:53:00 GMT", "Tue Dec 32 22:53:00 2026",
			"Tue, 29 Feb 2027 12:00:00 GMT" })
	void ignoresRetryAfterThatIsNeitherSecondsNorAnHttpDate(String value) {
		assertThat(RetryAfter.parse(value, SOME_DAY)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "-1", "-3600" })
	void ignoresRetryAfterWithANegativeNumberOfSeconds(String value) {
		// RFC 9110 allows only digits; "retry at once" would be a misreading of a broken header.
		assertThat(RetryAfter.parse(value, SOME_DAY)).isNull();
	}

	private static Clock clock(String instant) {
		return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
	}

}
