package io.github.eventsforward.benchmarks;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.internal.MappingSteps;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import tools.jackson.databind.json.JsonMapper;

/**
 * 4. Event to row to JSON, per event, as the forwarder's thread does it: 100 events mapped
 * by {@link DefaultEventRowMapper} to rows (properties as JSON text, ULID, created time),
 * each row written as JSON, and the rows joined into one 100-row {@code /-/create} body; for a record ({@code record}) and for a
 * classic {@code ApplicationEvent} subclass ({@code applicationEvent}) with the same six
 * properties. The baseline {@code jacksonOnly} writes the same records with
 * {@link JsonMapper#writeValueAsString(Object)} and nothing else.
 * <p>
 * {@link MappingSteps} runs the starter's own (package-private) row and body classes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Thread)
public class MappingBenchmark {

	static final int EVENTS = 100;

	private final JsonMapper jsonMapper = JsonMapper.shared();

	private final MappingSteps steps = new MappingSteps(new DefaultEventRowMapper(this.jsonMapper), this.jsonMapper,
			"datasette_events");

	private final OrderPlaced[] records = new OrderPlaced[EVENTS];

	private final OrderShippedEvent[] applicationEvents = new OrderShippedEvent[EVENTS];

	public MappingBenchmark() {
		for (int i = 0; i < EVENTS; i++) {
			OrderPlaced record = OrderPlaced.number(i);
			this.records[i] = record;
			this.applicationEvents[i] = new OrderShippedEvent(this, record.orderId(), record.actorId(), record.sku(),
					record.quantity(), record.amountCents(), record.currency());
		}
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public byte[] record() {
		return toBody(this.records);
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public byte[] applicationEvent() {
		return toBody(this.applicationEvents);
	}

	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public void jacksonOnly(Blackhole blackhole) {
		for (OrderPlaced record : this.records) {
			blackhole.consume(this.jsonMapper.writeValueAsString(record));
		}
	}

	private byte[] toBody(Object[] events) {
		return this.steps.body(events, Instant.now());
	}

}
