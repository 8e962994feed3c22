package io.github.eventsforward.test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A request that {@link FakeDatasette} received, and how it answered.
 *
 * @param method the HTTP method
 * @param path the path, without the query
 * @param headers the headers, with lowercase names
 * @param body the body
 * @param status the status it answered with; {@code 0} when it dropped the connection
 * instead, as {@link Fault#dropConnection()} and {@link Fault#loseAnswer()} do
 */
public record ReceivedRequest(String method, String path, Map<String, List<String>> headers, byte[] body,
		int status) {

	/**
	 * Return the first value of a header.
	 * @param name the header's name, in any case
	 * @return the value, or {@code null} when the request had no such header
	 */
	public @Nullable String header(String name) {
		List<String> values = this.headers.get(name.toLowerCase(Locale.ROOT));
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

	/**
	 * Return the body as text.
	 * @return the body, read as UTF-8
	 */
	public String bodyText() {
		return new String(this.body, StandardCharsets.UTF_8);
	}

	// The Authorization header carries a token: never shown.
	@Override
	public String toString() {
		return this.method + " " + this.path + " (" + this.body.length + " bytes) -> "
				+ ((this.status != 0) ? this.status : "connection dropped");
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return this == other;
	}

	@Override
	public int hashCode() {
		return System.identityHashCode(this);
	}

}
