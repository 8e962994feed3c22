package io.github.eventsforward.internal;

import java.net.URI;
import java.time.Duration;

/**
 * Builds {@link ForwarderSettings} for tests, starting from the defaults of the properties.
 */
final class TestSettings {

	private URI apiUrl = URI.create("http://localhost:8001/data/-/create");

	private WriteEndpoint endpoint = WriteEndpoint.CREATE;

	private int batchLimit = 10;

	private int maxRate = 1;

	private Duration timePeriod = Duration.ofSeconds(10);

	private Duration flushInterval = Duration.ofSeconds(1);

	private int bufferCapacity = 10_000;

	private boolean dropOldest;

	private long maxRequestSize = 2_048_000;

	private Duration requestTimeout = Duration.ofSeconds(30);

	private Duration initialBackoff = Duration.ofSeconds(1);

	private Duration maxBackoff = Duration.ofSeconds(30);

	private Duration giveUpAfter = Duration.ofMinutes(10);

	static TestSettings defaults() {
		return new TestSettings();
	}

	TestSettings insert() {
		this.apiUrl = URI.create("http://localhost:8001/data/datasette_events/-/insert");
		this.endpoint = WriteEndpoint.INSERT;
		return this;
	}

	TestSettings batchLimit(int batchLimit) {
		this.batchLimit = batchLimit;
		return this;
	}

	TestSettings rate(int maxRate, Duration timePeriod) {
		this.maxRate = maxRate;
		this.timePeriod = timePeriod;
		return this;
	}

	TestSettings flushInterval(Duration flushInterval) {
		this.flushInterval = flushInterval;
		return this;
	}

	TestSettings bufferCapacity(int bufferCapacity) {
		this.bufferCapacity = bufferCapacity;
		return this;
	}

	TestSettings dropOldest() {
		this.dropOldest = true;
		return this;
	}

	TestSettings maxRequestSize(long maxRequestSize) {
		this.maxRequestSize = maxRequestSize;
		return this;
	}

	TestSettings requestTimeout(Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
		return this;
	}

	TestSettings backoff(Duration initialBackoff, Duration maxBackoff) {
		this.initialBackoff = initialBackoff;
		this.maxBackoff = maxBackoff;
		return this;
	}

	TestSettings giveUpAfter(Duration giveUpAfter) {
		this.giveUpAfter = giveUpAfter;
		return this;
	}

	ForwarderSettings build() {
		return new ForwarderSettings(this.apiUrl, this.endpoint, true, "datasette_events", this.batchLimit,
				this.maxRate, this.timePeriod, this.flushInterval, this.bufferCapacity, this.dropOldest,
				this.maxRequestSize, this.requestTimeout, Duration.ofSeconds(10), this.initialBackoff, this.maxBackoff,
				this.giveUpAfter);
	}

}
