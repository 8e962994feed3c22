package io.github.eventsforward.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.testsupport.ChildJvm;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the spool keeps through a crash: an application in a JVM of its own publishes into
 * its spool and is killed with SIGKILL ({@link Process#destroyForcibly()}); a second start
 * on the same spool delivers what it holds, each event once.
 */
class SpoolCrashTests {

	private static final Pattern PUBLISHED = Pattern.compile("published (\\d+) at (\\d+)");

	private static final int PER_SECOND = 1000;

	private static final Duration WINDOW = Duration.ofSeconds(1);

	@TempDir
	Path spool;

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private ChildJvm application;

	@AfterEach
	void killTheApplication() throws InterruptedException {
		if (this.application != null) {
			this.application.kill();
		}
	}

	@Test
	void everyEventPublishedMoreThanTheWindowBeforeAKillIsDeliveredOnceAfterTheRestart() throws Exception {
		// The server is down while the application publishes.
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		start();
		waiting().atMost(Duration.ofSeconds(60)).until(() -> published() >= 3 * PER_SECOND);
		this.application.kill();
		long killed = System.currentTimeMillis();
		long publishedBeforeTheWindow = publishedBy(killed - WINDOW.toMillis());
		long publishedInAll = published();
		assertThat(publishedBeforeTheWindow).isGreaterThan(2 * PER_SECOND);

		this.datasette.acceptAll();
		spooling().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			waiting().atMost(Duration.ofSeconds(60)).until(() -> forwarder.counts().queued() == 0);
			assertThat(forwarder.counts().recovered()).isGreaterThanOrEqualTo(publishedBeforeTheWindow);
		});
		List<Long> orders = deliveredOrders();
		System.out.printf("Crash test: published %d (%d of them more than %s before the kill), delivered %d%n",
				publishedInAll, publishedBeforeTheWindow, WINDOW, orders.size());
		assertThat(orders).as("each order once, from the first on, none left out")
			.isEqualTo(sequence(orders.size()))
			.hasSizeGreaterThanOrEqualTo((int) publishedBeforeTheWindow);
		assertThat(distinctIds()).isEqualTo(orders.size());
	}

	@Test
	void aBatchTheServerStoredBeforeTheKillIsStoredOnceWhenItIsSentAgain() throws Exception {
		// The server stores the first batch but answers only after the application is gone.
		this.datasette.alterNextAnswer((answer) -> answer.headersDelay(60, TimeUnit.SECONDS));
		start("datasette.events-forward.batch-limit=100");
		waiting().atMost(Duration.ofSeconds(60)).until(() -> this.datasette.rows("datasette_events").size() > 0
				&& published() >= PER_SECOND);
		this.application.kill();
		long publishedBeforeTheWindow = publishedBy(System.currentTimeMillis() - WINDOW.toMillis());
		int storedBefore = this.datasette.rows("datasette_events").size();

		spooling().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			waiting().atMost(Duration.ofSeconds(60)).until(() -> forwarder.counts().queued() == 0);
		});
		List<Long> orders = deliveredOrders();
		assertThat(storedBefore).isPositive();
		assertThat(orders).isEqualTo(sequence(orders.size())).hasSizeGreaterThanOrEqualTo((int) publishedBeforeTheWindow);
		assertThat(distinctIds()).isEqualTo(orders.size());
		assertThat(this.datasette.requestBodies().size()).as("the stored batch was sent again").isGreaterThan(1);
	}

	private void start(String... more) throws IOException {
		List<String> arguments = new ArrayList<>(List.of(String.valueOf(PER_SECOND)));
		properties().forEach((property) -> arguments.add("--" + property));
		for (String property : more) {
			arguments.add("--" + property);
		}
		arguments.add("--logging.level.root=WARN");
		this.application = ChildJvm.start(SpoolingApplication.class, arguments);
	}

	private List<String> properties() {
		return List.of("datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
				"datasette.events-forward.spool.enabled=true", "datasette.events-forward.spool.path=" + this.spool,
				"datasette.events-forward.flush-interval=50ms", "datasette.events-forward.max-rate=1000",
				"datasette.events-forward.time-period=1s", "datasette.events-forward.retry.initial-backoff=10ms",
				"datasette.events-forward.retry.max-backoff=50ms", "spring.application.name=crashing");
	}

	private ApplicationContextRunner spooling() {
		return ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(properties().toArray(String[]::new));
	}

	private long published() {
		return publishedBy(Long.MAX_VALUE);
	}

	// The most orders the application said it had published by then.
	private long publishedBy(long epochMillis) {
		return this.application.largest((line) -> {
			Matcher matcher = PUBLISHED.matcher(line);
			return (matcher.matches() && Long.parseLong(matcher.group(2)) <= epochMillis)
					? Long.parseLong(matcher.group(1)) : -1;
		});
	}

	private List<Long> deliveredOrders() {
		return this.datasette.rows("datasette_events")
			.stream()
			.map((row) -> JsonMapper.shared().readTree(row.get("properties").asString()).path("orderId").asString())
			.map((orderId) -> Long.parseLong(orderId.substring("o-".length())))
			.sorted()
			.toList();
	}

	private long distinctIds() {
		return this.datasette.rows("datasette_events").stream().map((row) -> row.get("id").asString()).distinct().count();
	}

	private static List<Long> sequence(int size) {
		List<Long> sequence = new ArrayList<>(size);
		for (long i = 0; i < size; i++) {
			sequence.add(i);
		}
		return sequence;
	}

}
