package io.github.eventsforward.autoconfigure;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

import io.github.eventsforward.internal.ForwarderSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

import static io.github.eventsforward.autoconfigure.EventsForwardPropertiesValidator.PREFIX;
import static io.github.eventsforward.autoconfigure.EventsForwardPropertiesValidator.invalid;
import static io.github.eventsforward.autoconfigure.EventsForwardPropertiesValidator.logger;

/**
 * Reads {@code datasette.events-forward.api-url}: an absolute http or https URL, shown and
 * sent without the userinfo it may hold, with a WARN for what a user would not want.
 */
final class ApiUrl {

	private ApiUrl() {
	}

	/**
	 * Parse the URL requests go to.
	 * @param value the property's value
	 * @param withToken whether a token is sent to it
	 * @return the URL, without userinfo
	 */
	static URI parse(@Nullable String value, boolean withToken) {
		String hint = "must be the absolute http or https URL of a Datasette write API endpoint, such as"
				+ " http://localhost:8001/mydb/-/create";
		if (!StringUtils.hasText(value)) {
			throw invalid("api-url", value, hint);
		}
		// Shown without its userinfo: it may hold a password.
		String shown = ForwarderSettings.withoutCredentials(value);
		URI uri;
		try {
			uri = new URI(value.strip());
		}
		catch (URISyntaxException ex) {
			throw invalid("api-url", shown, hint + " (" + ForwarderSettings.withoutCredentials(ex.getReason()) + ")");
		}
		if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
				|| uri.getHost() == null) {
			throw invalid("api-url", shown, hint);
		}
		if (uri.getRawUserInfo() != null) {
			logger.warn(PREFIX + "api-url (" + shown + ") holds a user name or password. They are not sent:"
					+ " Datasette takes a Bearer token. Remove them from the URL, and set " + PREFIX
					+ "api-token to a token made with 'datasette create-token'");
			uri = withoutUserInfo(uri);
		}
		if (withToken && "http".equalsIgnoreCase(uri.getScheme()) && !isLoopback(uri.getHost())) {
			logger.warn(PREFIX + "api-url (" + uri + ") uses http:// to a host other than this machine: the API"
					+ " token travels in clear text. Use https://");
		}
		return uri;
	}

	private static URI withoutUserInfo(URI uri) {
		try {
			return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(),
					uri.getFragment());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException("The URL was valid with its userinfo", ex);
		}
	}

	private static boolean isLoopback(@Nullable String host) {
		if (host == null) {
			return false;
		}
		if ("localhost".equalsIgnoreCase(host) || host.toLowerCase(Locale.ROOT).endsWith(".localhost")) {
			return true;
		}
		String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
		// Only literal addresses: a name is not looked up, as that would block start-up.
		if (!literal.chars().allMatch((c) -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
			return false;
		}
		try {
			return InetAddress.getByName(literal).isLoopbackAddress();
		}
		catch (UnknownHostException ex) {
			return false;
		}
	}

}
