package io.github.eventsforward.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * The validated settings the pipeline runs with. Holds no secret, so it is safe to print.
 *
 * @param apiUrl the write API URL
 * @param endpoint whether {@code apiUrl} is a {@code /-/create} or an {@code /-/insert} URL
 * @param hasToken whether an API token is sent
 * @param table the table a {@code /-/create} request names
 * @param batchLimit most rows in one request
 * @param maxRate most requests in one {@code timePeriod}
 * @param timePeriod window of the rate limit
 * @param flushInterval longest an event waits for its batch to fill
 * @param bufferCapacity most events waiting to be sent
 * @param dropOldest whether a full buffer drops its oldest events rather than new ones
 * @param maxRequestSize largest request body, in bytes; bigger batches are split
 * @param requestTimeout longest one request may take
 * @param shutdownTimeout longest shutdown waits for queued events to be sent
 * @param initialBackoff wait before the first retry, doubled for each further one
 * @param maxBackoff longest wait between two attempts
 * @param giveUpAfter how long a batch may keep failing transiently before it is
 * dead-lettered
 */
public record ForwarderSettings(URI apiUrl, WriteEndpoint endpoint, boolean hasToken, String table,
		int batchLimit, int maxRate,
		Duration timePeriod, Duration flushInterval, int bufferCapacity, boolean dropOldest, long maxRequestSize,
		Duration requestTimeout, Duration shutdownTimeout, Duration initialBackoff, Duration maxBackoff,
		Duration giveUpAfter) {

	/**
	 * Return the write API URL as messages show it: its userinfo, which may hold a password,
	 * masked.
	 * @return the URL to show
	 */
	public String displayUrl() {
		return withoutCredentials(this.apiUrl.toString());
	}

	/**
	 * Return the URL requests go to: the write API URL without its userinfo, which Datasette
	 * does not read (it takes a Bearer token).
	 * @return the URL
	 */
	public URI requestUrl() {
		if (this.apiUrl.getRawUserInfo() == null) {
			return this.apiUrl;
		}
		try {
			return new URI(this.apiUrl.getScheme(), null, this.apiUrl.getHost(), this.apiUrl.getPort(),
					this.apiUrl.getPath(), this.apiUrl.getQuery(), this.apiUrl.getFragment());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException("The URL was valid with its userinfo", ex);
		}
	}

	/**
	 * Return a URL with the userinfo of its authority ({@code user:password@}) masked; a
	 * value that is no URL, or has none, is returned as it is.
	 * @param url the URL, parsed or not
	 * @return the URL to show
	 */
	public static String withoutCredentials(String url) {
		int scheme = url.indexOf("://");
		if (scheme < 0) {
			return url;
		}
		int start = scheme + 3;
		int end = start;
		while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
			end++;
		}
		int at = url.lastIndexOf('@', end - 1);
		return (at < start) ? url : url.substring(0, start) + "******" + url.substring(at);
	}

	/**
	 * Return whether a URL has userinfo ({@code user:password@}) in its authority.
	 * @param url the URL, parsed or not
	 * @return whether {@link #withoutCredentials(String)} masks anything
	 */
	public static boolean hasCredentials(String url) {
		return !withoutCredentials(url).equals(url);
	}

	@Override
	public String toString() {
		return "ForwarderSettings[apiUrl=" + displayUrl() + ", endpoint=" + this.endpoint + ", hasToken="
				+ this.hasToken + ", table=" + this.table + ", batchLimit=" + this.batchLimit + ", maxRate="
				+ this.maxRate + ", timePeriod=" + this.timePeriod + ", flushInterval=" + this.flushInterval
				+ ", bufferCapacity=" + this.bufferCapacity + ", dropOldest=" + this.dropOldest + ", maxRequestSize="
				+ this.maxRequestSize + ", requestTimeout=" + this.requestTimeout + ", shutdownTimeout="
				+ this.shutdownTimeout + ", initialBackoff=" + this.initialBackoff + ", maxBackoff=" + this.maxBackoff
				+ ", giveUpAfter=" + this.giveUpAfter + "]";
	}

}
