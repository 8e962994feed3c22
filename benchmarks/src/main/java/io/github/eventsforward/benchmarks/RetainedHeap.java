package io.github.eventsforward.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * 3. Heap retained per queued event while Datasette is unreachable. Not a JMH benchmark:
 * JMH has no unit for bytes, and its auxiliary counters add the rounds up instead of
 * averaging them. Run it from the benchmarks jar:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.eventsforward.benchmarks.RetainedHeap [events] [rounds]
 * </pre>
 *
 * Each round starts the application with the starter forwarding to a closed loopback port
 * (buffer-capacity twice the events, so none is dropped), reads the used heap after full
 * GCs, publishes {@code events} (default 50,000) distinct {@link OrderPlaced} events (six
 * properties), waits until the used heap after GC settles (the forwarder's thread has taken
 * in what it takes: the rows of the next batches, the other events left waiting as they were
 * published) and reads it again. The difference divided by the events is the retained
 * heap per queued event. The baseline keeps the same events in an {@code ArrayList}: what the
 * events themselves weigh. A first round of each is a warm-up and is not counted; the median
 * of the other rounds (default 5) is reported.
 */
public final class RetainedHeap {

	private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

	private RetainedHeap() {
	}

	public static void main(String[] args) throws Exception {
		int events = (args.length > 0) ? Integer.parseInt(args[0]) : 50_000;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		long started = System.nanoTime();
		System.out.printf("Retained heap per queued event: %,d events, %d rounds after a warm-up, %s %s%n", events,
				rounds, System.getProperty("java.vm.name"), System.getProperty("java.version"));
		double[] forwarder = new double[rounds];
		double[] list = new double[rounds];
		for (int round = -1; round < rounds; round++) {
			double queued = queuedInForwarder(events);
			double held = heldInList(events);
			String label = (round < 0) ? "warm-up" : "round " + (round + 1);
			System.out.printf("  %-8s queuedInForwarder %8.1f B/event   heldInList %8.1f B/event%n", label, queued,
					held);
			if (round >= 0) {
				forwarder[round] = queued;
				list[round] = held;
			}
		}
		System.out.println();
		System.out.printf("%-40s %12s %10s%n", "Measurement (median)", "Score", "Units");
		System.out.printf("%-40s %12.1f %10s%n", "RetainedHeap.queuedInForwarder", median(forwarder), "B/event");
		System.out.printf("%-40s %12.1f %10s%n", "RetainedHeap.heldInList (baseline)", median(list), "B/event");
		System.out.printf("(%d s)%n", (System.nanoTime() - started) / 1_000_000_000L);
	}

	static double queuedInForwarder(int events) throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		try (ConfigurableApplicationContext context = Contexts.forwarding(
				"http://127.0.0.1:" + port + "/bench/-/create",
				Map.of("datasette.events-forward.buffer-capacity", 2 * events,
						"datasette.events-forward.connect-timeout", "1s",
						// Stop at once, and do not log the retries and the events lost at the end.
						"datasette.events-forward.shutdown-timeout", "0s", "logging.level.io.github.eventsforward",
						"OFF"))) {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			// One event first, so that what the first publish of a type caches is not counted.
			context.publishEvent(OrderPlaced.number(-1));
			long before = settledUsedHeap();
			for (int i = 0; i < events; i++) {
				context.publishEvent(OrderPlaced.number(i));
			}
			long after = settledUsedHeap();
			ForwardCounts counts = forwarder.counts();
			if (counts.queued() != events + 1 || counts.dropped() != 0) {
				throw new IllegalStateException("Expected " + (events + 1) + " queued events, got " + counts);
			}
			return (after - before) / (double) events;
		}
	}

	static double heldInList(int events) {
		long before = settledUsedHeap();
		List<Object> held = new ArrayList<>(events);
		for (int i = 0; i < events; i++) {
			held.add(OrderPlaced.number(i));
		}
		long after = settledUsedHeap();
		if (held.size() != events) {
			throw new IllegalStateException();
		}
		return (after - before) / (double) events;
	}

	// Used heap after full GCs, once two readings 200 ms apart agree within 0.1%.
	private static long settledUsedHeap() {
		long previous = usedAfterGc();
		for (int i = 0; i < 20; i++) {
			sleep(200);
			long used = usedAfterGc();
			if (Math.abs(used - previous) <= previous / 1000) {
				return used;
			}
			previous = used;
		}
		return previous;
	}

	private static long usedAfterGc() {
		for (int i = 0; i < 2; i++) {
			System.gc();
			sleep(20);
		}
		return MEMORY.getHeapMemoryUsage().getUsed();
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

}
