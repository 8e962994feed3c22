package io.github.eventsforward.internal;

import java.nio.file.Path;
import java.time.Duration;

import io.github.eventsforward.autoconfigure.EventsForwardProperties;
import io.github.eventsforward.autoconfigure.EventsForwardPropertiesValidator;

import org.springframework.util.unit.DataSize;

/**
 * Builds {@link ForwarderSettings} for tests the way the application gets them: from the
 * properties, with their defaults, through the validator.
 */
final class TestSettings {

	private final EventsForwardProperties properties = new EventsForwardProperties();

	private String instance = "test";

	private TestSettings() {
		this.properties.setApiUrl("http://localhost:8001/data/-/create");
		this.properties.setApiToken("dstok_test");
	}

	static TestSettings defaults() {
		return new TestSettings();
	}

	TestSettings insert() {
		this.properties.setApiUrl("http://localhost:8001/data/datasette_events/-/insert");
		return this;
	}

	TestSettings noToken() {
		this.properties.setApiToken(null);
		return this;
	}

	TestSettings batchLimit(int batchLimit) {
		this.properties.setBatchLimit(batchLimit);
		return this;
	}

	TestSettings rate(int maxRate, Duration timePeriod) {
		this.properties.setMaxRate(maxRate);
		this.properties.setTimePeriod(timePeriod);
		return this;
	}

	TestSettings maxInFlight(int maxInFlight) {
		this.properties.setMaxInFlight(maxInFlight);
		return this;
	}

	TestSettings flushInterval(Duration flushInterval) {
		this.properties.setFlushInterval(flushInterval);
		return this;
	}

	TestSettings bufferCapacity(int bufferCapacity) {
		this.properties.setBufferCapacity(bufferCapacity);
		return this;
	}

	TestSettings dropOldest() {
		this.properties.setBufferOverflow(EventsForwardProperties.BufferOverflow.DROP_OLDEST);
		return this;
	}

	TestSettings maxRequestSize(long maxRequestSize) {
		this.properties.setMaxRequestSize(DataSize.ofBytes(maxRequestSize));
		return this;
	}

	TestSettings requestTimeout(Duration requestTimeout) {
		this.properties.setRequestTimeout(requestTimeout);
		return this;
	}

	TestSettings backoff(Duration initialBackoff, Duration maxBackoff) {
		this.properties.getRetry().setInitialBackoff(initialBackoff);
		this.properties.getRetry().setMaxBackoff(maxBackoff);
		return this;
	}

	TestSettings giveUpAfter(Duration giveUpAfter) {
		this.properties.getRetry().setGiveUpAfter(giveUpAfter);
		return this;
	}

	TestSettings shutdownTimeout(Duration shutdownTimeout) {
		this.properties.setShutdownTimeout(shutdownTimeout);
		return this;
	}

	TestSettings instance(String instance) {
		this.instance = instance;
		return this;
	}

	TestSettings spool(Path directory) {
		this.properties.getSpool().setEnabled(true);
		this.properties.getSpool().setPath(directory.toString());
		return this;
	}

	TestSettings spoolMaxSize(DataSize maxSize) {
		this.properties.getSpool().setMaxSize(maxSize);
		return this;
	}

	ForwarderSettings build() {
		return EventsForwardPropertiesValidator.validate(this.properties, this.instance, getClass().getClassLoader());
	}

}
