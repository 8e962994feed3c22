package io.github.eventsforward.internal;

import java.net.URI;

import org.jspecify.annotations.Nullable;

/**
 * The two Datasette write API endpoints the forwarder can post to.
 */
public enum WriteEndpoint {

	/**
	 * {@code /<database>/-/create}: creates the table if it is missing, then inserts.
	 */
	CREATE("/-/create"),

	/**
	 * {@code /<database>/<table>/-/insert}: inserts into an existing table.
	 */
	INSERT("/-/insert");

	private final String suffix;

	WriteEndpoint(String suffix) {
		this.suffix = suffix;
	}

	/**
	 * Return the endpoint a write API URL points at.
	 * @param apiUrl the URL
	 * @return the endpoint, or {@code null} when the URL ends in neither {@code /-/create}
	 * nor {@code /-/insert}
	 */
	public static @Nullable WriteEndpoint of(URI apiUrl) {
		String path = apiUrl.getPath();
		if (path == null) {
			return null;
		}
		String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		for (WriteEndpoint endpoint : values()) {
			if (trimmed.endsWith(endpoint.suffix)) {
				return endpoint;
			}
		}
		return null;
	}

}
