package io.github.eventsforward.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * 5. What a start-up finds in a full spool, and how fast it goes. Not a JMH benchmark: one
 * start is one measurement. Run it from the benchmarks jar:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.eventsforward.benchmarks.SpoolDrain [events] [rounds]
 * </pre>
 *
 * Each round publishes {@code events} (default 100,000) distinct {@link OrderPlaced} events
 * into a spool while the server is unreachable (a closed loopback port), stops the
 * application, and reads the spool's size on disk: bytes per spooled event. It then starts
 * the application again on the same spool against the local receiver, and measures the time
 * from the start of the context to the first request the receiver gets, and the events per
 * second until the receiver has every event. A first round is a warm-up; the median of the
 * other rounds (default 3) is reported.
 */
public final class SpoolDrain {

	private SpoolDrain() {
	}

	public static void main(String[] args) throws Exception {
		int events = (args.length > 0) ? Integer.parseInt(args[0]) : 100_000;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		System.out.printf("Spool drain at start-up: %,d events, %d rounds after a warm-up, %s %s%n", events, rounds,
				System.getProperty("java.vm.name"), System.getProperty("java.version"));
		double[] bytes = new double[rounds];
		double[] firstRequest = new double[rounds];
		double[] perSecond = new double[rounds];
		double[] written = new double[rounds];
		for (int round = -1; round < rounds; round++) {
			double[] measured = round(events);
			String label = (round < 0) ? "warm-up" : "round " + (round + 1);
			System.out.printf("  %-8s written during the outage at %,8.0f events/s   %6.1f B/event on disk   first request"
					+ " %7.1f ms after start   sent at %,8.0f events/s%n", label, measured[3], measured[0], measured[1],
					measured[2]);
			if (round >= 0) {
				bytes[round] = measured[0];
				firstRequest[round] = measured[1];
				perSecond[round] = measured[2];
				written[round] = measured[3];
			}
		}
		System.out.printf("Result: written at %,.0f events/s while the server was down; %.1f B per spooled event;"
				+ " first request %.1f ms after start; sent at %,.0f events/s (medians)%n", median(written),
				median(bytes), median(firstRequest), median(perSecond));
	}

	private static double[] round(int events) throws Exception {
		Map<String, Object> spool = Contexts.spool();
		Path directory = Path.of(String.valueOf(spool.get("datasette.events-forward.spool.path")));
		Map<String, Object> properties = new LinkedHashMap<>(spool);
		properties.put("datasette.events-forward.buffer-capacity", events);
		properties.put("datasette.events-forward.flush-interval", "20ms");
		double written;
		try (ConfigurableApplicationContext down = Contexts.forwarding("http://127.0.0.1:9/bench/-/create",
				properties)) {
			long publishing = System.nanoTime();
			for (int i = 0; i < events; i++) {
				down.publishEvent(OrderPlaced.number(i));
			}
			// Polled, not spun: a spinning thread would take a core from the forwarder.
			while (rowsInFile(directory) < events) {
				Thread.sleep(5);
			}
			written = events / ((System.nanoTime() - publishing) / 1e9);
		}
		double bytes = (double) sizeOnDisk(directory) / events;
		try (Receiver receiver = new Receiver()) {
			long started = System.nanoTime();
			try (ConfigurableApplicationContext up = Contexts.forwarding(receiver.apiUrl(), properties)) {
				while (receiver.rows() < events) {
					Thread.sleep(1);
				}
				long done = System.nanoTime();
				double firstRequest = TimeUnit.NANOSECONDS.toMicros(receiver.firstRequestNanos() - started) / 1000.0;
				double perSecond = events / (Duration.ofNanos(done - receiver.firstRequestNanos()).toNanos() / 1e9);
				return new double[] { bytes, firstRequest, perSecond, written };
			}
		}
		finally {
			Contexts.delete(directory);
		}
	}

	// What another reader of the file sees: the rows committed so far.
	private static long rowsInFile(Path directory) throws Exception {
		try (Connection connection = DriverManager
			.getConnection("jdbc:sqlite:" + directory.resolve("events-spool.db"));
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT COUNT(*) FROM datasette_events")) {
			return result.next() ? result.getLong(1) : 0;
		}
		catch (java.sql.SQLException ex) {
			// Not created yet, or busy: ask again.
			return 0;
		}
	}

	private static long sizeOnDisk(Path directory) throws Exception {
		try (Stream<Path> files = Files.list(directory)) {
			return files.filter((file) -> file.getFileName().toString().startsWith("events-spool.db"))
				.mapToLong((file) -> file.toFile().length())
				.sum();
		}
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		java.util.Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

}
