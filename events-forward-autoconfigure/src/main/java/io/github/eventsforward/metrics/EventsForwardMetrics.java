package io.github.eventsforward.metrics;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.internal.ForwarderObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer metrics of the forwarder, all named {@code datasette.events.forward.*} and
 * tagged with the {@code instance}:
 * <ul>
 * <li>{@code .published}, {@code .delivered}: events;</li>
 * <li>{@code .dropped} by {@code reason} ({@code buffer-full}, {@code stopped});</li>
 * <li>{@code .dead.lettered} by {@code reason} ({@code rejected}, {@code too-large},
 * {@code gave-up}, {@code unmappable});</li>
 * <li>{@code .retries} by {@code kind} ({@code transient}, {@code paused});</li>
 * <li>{@code .queued}, {@code .queued.bytes} and {@code .queue.age}: events waiting, what
 * they take, and how long the oldest has waited;</li>
 * <li>{@code .requests}: a timer of write API requests by {@code outcome} and
 * {@code status} class;</li>
 * <li>{@code .batch.size}: rows per delivered request.</li>
 * </ul>
 */
public class EventsForwardMetrics implements ForwarderObserver {

	private static final String PREFIX = "datasette.events.forward.";

	private final Tags tags;

	private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);

	private final Map<DeadLetterCause, Counter> deadLettered = new EnumMap<>(DeadLetterCause.class);

	private final Counter transientRetries;

	private final Counter pausedRetries;

	private final DistributionSummary batchSize;

	private final MeterRegistry registry;

	private final Supplier<EventsForwarder> forwarder;

	/**
	 * Create the metrics and register them.
	 * @param registry where to register them
	 * @param instance the {@code instance} tag, or {@code null} for none
	 * @param forwarder the forwarder whose counts and queue the gauges read, looked up when
	 * they are read (the forwarder itself reports to these metrics)
	 */
	public EventsForwardMetrics(MeterRegistry registry, @Nullable String instance,
			Supplier<EventsForwarder> forwarder) {
		this.registry = registry;
		this.forwarder = forwarder;
		this.tags = Tags.of("instance", (instance != null) ? instance : "none");
		for (DropReason reason : DropReason.values()) {
			this.dropped.put(reason, Counter.builder(PREFIX + "dropped")
				.description("Events dropped, by reason")
				.baseUnit("events")
				.tags(this.tags)
				.tag("reason", tagValue(reason))
				.register(registry));
		}
		for (DeadLetterCause cause : DeadLetterCause.values()) {
			this.deadLettered.put(cause, Counter.builder(PREFIX + "dead.lettered")
				.description("Events given up on, by reason")
				.baseUnit("events")
				.tags(this.tags)
				.tag("reason", tagValue(cause))
				.register(registry));
		}
		this.transientRetries = retries(registry, "transient");
		this.pausedRetries = retries(registry, "paused");
		this.batchSize = DistributionSummary.builder(PREFIX + "batch.size")
			.description("Rows per delivered write API request")
			.baseUnit("events")
			.tags(this.tags)
			.register(registry);
		FunctionCounter.builder(PREFIX + "published", this, (m) -> m.forwarder.get().counts().published())
			.description("Events handed to the forwarder")
			.baseUnit("events")
			.tags(this.tags)
			.register(registry);
		FunctionCounter.builder(PREFIX + "delivered", this, (m) -> m.forwarder.get().counts().delivered())
			.description("Events the server acknowledged")
			.baseUnit("events")
			.tags(this.tags)
			.register(registry);
		FunctionCounter.builder(PREFIX + "rolled.back", this, (m) -> m.forwarder.get().counts().rolledBack())
			.description("Events published in a transaction that rolled back, never forwarded")
			.baseUnit("events")
			.tags(this.tags)
			.register(registry);
		Gauge.builder(PREFIX + "queued", this, (m) -> m.forwarder.get().counts().queued())
			.description("Events waiting to be sent")
			.baseUnit("events")
			.tags(this.tags)
			.register(registry);
		Gauge.builder(PREFIX + "queued.bytes", this, (m) -> m.forwarder.get().queuedBytes())
			.description("What the events waiting to be sent take, in memory or in the spool")
			.baseUnit("bytes")
			.tags(this.tags)
			.register(registry);
		TimeGauge.builder(PREFIX + "queue.age", this, TimeUnit.MILLISECONDS,
				(m) -> m.forwarder.get().oldestQueuedAge().toMillis())
			.description("How long the oldest queued event has waited")
			.tags(this.tags)
			.register(registry);
	}

	private Counter retries(MeterRegistry registry, String kind) {
		return Counter.builder(PREFIX + "retries")
			.description("Write API requests tried again, by kind of failure")
			.baseUnit("requests")
			.tags(this.tags)
			.tag("kind", kind)
			.register(registry);
	}

	@Override
	public void requestCompleted(long nanos, int rows, @Nullable Throwable error) {
		String outcome;
		String status;
		if (error == null) {
			outcome = "success";
			status = "2xx";
			this.batchSize.record(rows);
		}
		else if (error instanceof DatasetteWriteException answer) {
			status = (answer.getStatus() / 100) + "xx";
			outcome = (answer.getStatus() >= 500) ? "server-error" : "client-error";
		}
		else if (error instanceof TimeoutException) {
			outcome = "timeout";
			status = "none";
		}
		else {
			outcome = "io-error";
			status = "none";
		}
		Timer.builder(PREFIX + "requests")
			.description("Write API requests, by outcome and status class")
			.tags(this.tags)
			.tag("outcome", outcome)
			.tag("status", status)
			.register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void retrying(boolean paused) {
		(paused ? this.pausedRetries : this.transientRetries).increment();
	}

	@Override
	public void dropped(DropReason reason, long events) {
		// The constructor registered a counter for every reason and cause.
		Objects.requireNonNull(this.dropped.get(reason)).increment(events);
	}

	@Override
	public void deadLettered(DeadLetterCause cause, long events) {
		Objects.requireNonNull(this.deadLettered.get(cause)).increment(events);
	}

	private static String tagValue(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
