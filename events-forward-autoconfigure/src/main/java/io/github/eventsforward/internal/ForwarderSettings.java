package io.github.eventsforward.internal;

import java.net.URI;
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
		String userInfo = this.apiUrl.getRawUserInfo();
		return (userInfo != null) ? this.apiUrl.toString().replace(userInfo + "@", "******@") : this.apiUrl.toString();
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
