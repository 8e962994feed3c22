package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Reads a {@code Retry-After} header (RFC 9110, section 10.2.3): a number of seconds, or an
 * HTTP date in any of the three forms a recipient must read (section 5.6.7), as a wait from
 * the clock's present.
 */
final class RetryAfter {

	// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"; a day without its leading zero reads too.
	private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME
		.withResolverStyle(ResolverStyle.STRICT);

	// asctime, "Sun Nov  6 08:49:37 1994": the day is padded with a space. Runs of spaces are
	// read as one, so a day without padding ("Nov 6") or with a zero ("Nov 06") reads as well.
	private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
		.appendPattern("EEE MMM d HH:mm:ss uuuu")
		.toFormatter(Locale.US)
		.withZone(ZoneOffset.UTC)
		.withResolverStyle(ResolverStyle.STRICT);

	private static final Pattern SPACES = Pattern.compile(" {2,}");

	private RetryAfter() {
	}

	/**
	 * Read a {@code Retry-After} value.
	 * @param value the header's value
	 * @param clock the present, which an HTTP date is measured from
	 * @return how long to wait ({@link Duration#ZERO} for a date in the past), or
	 * {@code null} when the value is neither seconds nor an HTTP date
	 */
	static @Nullable Duration parse(@Nullable String value, Clock clock) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String trimmed = value.strip();
		if (trimmed.chars().allMatch((c) -> c >= '0' && c <= '9')) {
			// delay-seconds is digits only; more than a long holds is no usable value.
			try {
				return Duration.ofSeconds(Long.parseLong(trimmed));
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		Instant now = clock.instant();
		Instant date = date(SPACES.matcher(trimmed).replaceAll(" "), now);
		if (date == null) {
			return null;
		}
		Duration wait = Duration.between(now, date);
		return wait.isNegative() ? Duration.ZERO : wait;
	}

	private static @Nullable Instant date(String text, Instant now) {
		for (DateTimeFormatter format : List.of(IMF_FIXDATE, rfc850(now), ASCTIME)) {
			try {
				return ZonedDateTime.parse(text, format).toInstant();
			}
			catch (DateTimeParseException ex) {
				// Try the next form.
			}
		}
		return null;
	}

	// RFC 850, "Sunday, 06-Nov-94 08:49:37 GMT". Its two-digit year is read as RFC 9110 says:
	// a year more than 50 years in the future is the most recent past year with those digits.
	private static DateTimeFormatter rfc850(Instant now) {
		int year = now.atOffset(ZoneOffset.UTC).getYear();
		return new DateTimeFormatterBuilder().parseCaseInsensitive()
			.appendPattern("EEEE, dd-MMM-")
			.appendValueReduced(ChronoField.YEAR, 2, 2, year - 49)
			.appendPattern(" HH:mm:ss 'GMT'")
			.toFormatter(Locale.US)
			.withZone(ZoneOffset.UTC)
			.withResolverStyle(ResolverStyle.STRICT);
	}

}
