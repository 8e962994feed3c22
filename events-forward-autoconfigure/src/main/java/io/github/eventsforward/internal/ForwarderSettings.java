package io.github.eventsforward.internal;

import java.net.URI;
import java.time.Duration;

/**
 * The validated settings the pipeline runs with. Holds no secret, so it is safe to print.
 *
 * @param apiUrl the write API URL
 * @param endpoint whether {@code apiUrl} is a {@code /-/create} or an {@code /-/insert} URL
 * @param batchLimit most rows in one request
 * @param maxRate most requests in one {@code timePeriod}
 * @param timePeriod window of the rate limit
 * @param flushInterval longest an event waits for its batch to fill
 * @param bufferCapacity most events waiting to be sent
 * @param requestTimeout longest one request may take
 * @param shutdownTimeout longest shutdown waits for queued events to be sent
 * @param maxAttempts attempts per batch, the first included
 * @param initialBackoff wait before the first retry, doubled for each further one
 * @param maxBackoff longest wait between two attempts
 */
public record ForwarderSettings(URI apiUrl, WriteEndpoint endpoint, int batchLimit, int maxRate,
		Duration timePeriod, Duration flushInterval, int bufferCapacity, Duration requestTimeout,
		Duration shutdownTimeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

}
