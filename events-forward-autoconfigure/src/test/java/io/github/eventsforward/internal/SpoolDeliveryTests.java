package io.github.eventsforward.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.actuate.EventsForwardHealthIndicator;
import io.github.eventsforward.autoconfigure.EventsForwardActuatorAutoConfiguration;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.LogRecorder;
import io.github.eventsforward.testsupport.OrderEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDelivered;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static io.github.eventsforward.testsupport.OrderEvents.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a user gets with {@code spool.enabled}: events published during an outage survive
 * the application's stop and are sent at its next start, without a new event, and a spool
 * that cannot be used stops start-up with what to do about it. The rules of the spool itself
 * are in {@link SpoolBufferTests}; crashes, with a second JVM, in {@link SpoolCrashTests}.
 */
class SpoolDeliveryTests {

	private static final String TABLE = "datasette_events";

	@TempDir
	Path spool;

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final LogRecorder log = new LogRecorder("io.github.eventsforward");

	@BeforeEach
	void attachLog() {
		this.log.attach();
	}

	@AfterEach
	void detachLog() {
		this.log.detach();
	}

	@Test
	void eventsPublishedDuringAnOutageStayInTheSpoolAndTheNextStartSendsThemWithoutANewEvent() {
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		// A shutdown that would wait half a minute for a server that is down, without the spool.
		spooling("datasette.events-forward.shutdown-timeout=30s").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 1, 50);
			waiting().until(() -> this.datasette.requestBodies().size() >= 2);
			long closing = System.nanoTime();
			context.close();
			assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("no wait for the shutdown timeout")
				.isLessThan(Duration.ofSeconds(30));
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(50, 0, 0, 0, 50));
		});
		assertThat(this.log.messages(Level.INFO, "50 events stay in the spool at " + this.spool
				+ " and are sent at the next start")).hasSize(1);
		assertThat(this.log.messages(Level.WARN, "are lost")).isEmpty();
		assertThat(this.datasette.rows(TABLE)).isEmpty();

		this.datasette.acceptAll();
		spooling().withPropertyValues("spring.application.name=restarted").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			awaitDelivered(forwarder, 50);
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(0, 50, 0, 0, 0, 50));
			assertAddsUp(forwarder.counts());
		});
		List<ObjectNode> rows = this.datasette.rows(TABLE);
		assertThat(rows).extracting((row) -> orderId(row)).containsExactlyElementsOf(OrderEvents.orderIds(1, 50));
		assertThat(rows).extracting((row) -> row.get("instance").isNull()).as("the instance they were published with")
			.containsOnly(true);
		assertThat(this.log.messages(Level.INFO, "Found 50 events in the spool at " + this.spool)).hasSize(1);
	}

	@Test
	void theBacklogShowsFromTheStartInTheCountsAndTheHealthDetails() {
		this.datasette.refuseAll(DatasetteDispatcher.error(503, "Service unavailable"));
		spooling().run((context) -> publish(context, 1, 20));
		this.datasette.holdAnswers();
		spooling().withConfiguration(
				org.springframework.boot.autoconfigure.AutoConfigurations.of(EventsForwardActuatorAutoConfiguration.class))
			.run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				assertThat(forwarder.counts().recovered()).isEqualTo(20);
				assertThat(forwarder.counts().queued()).isEqualTo(20);
				assertThat(forwarder.queuedBytes()).isPositive();
				assertThat(context.getBean(EventsForwardHealthIndicator.class).health().getDetails())
					.containsEntry("queuedBytes", forwarder.queuedBytes())
					.containsKey("oldestQueuedAge");
				this.datasette.releaseAnswers();
			});
	}

	@Test
	void aSecondApplicationOnTheSameSpoolFailsToStartNamingThePath() {
		spooling().run((first) -> spooling().run((second) -> {
			assertThat(second).hasFailed();
			assertThat(second.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("datasette.events-forward.spool.path")
				.hasMessageContaining("The spool at " + this.spool + " is in use by another forwarder");
		}));
	}

	@Test
	void aSpoolPathThatCannotBeADirectoryFailsStartUpNamingItAndTheFix() throws Exception {
		Path file = Files.writeString(this.spool.resolve("a-file"), "x");
		spooling("datasette.events-forward.spool.path=" + file.resolve("spool")).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("datasette.events-forward.spool.path")
				.hasMessageContaining("cannot be created or written")
				.hasMessageContaining("to a directory the application may write");
		});
	}

	@Test
	void aSpoolWithoutTheSqliteDriverFailsStartUpNamingTheDependency() {
		spooling().withClassLoader(new FilteredClassLoader("org.sqlite")).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("datasette.events-forward.spool.enabled")
				.hasMessageContaining("org.xerial:sqlite-jdbc");
		});
	}

	@Test
	void publishingNeitherBlocksNorThrowsWhileTheServerHoldsTheRequestAndEveryAcceptedEventArrives() {
		this.datasette.holdAnswers();
		spooling("datasette.events-forward.buffer-capacity=100").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, 0, 0);
			waiting().until(() -> this.datasette.requestBodies().size() == 1);
			publish(context, 1, 1000);
			ForwardCounts counts = forwarder.counts();
			assertThat(counts.published()).isEqualTo(1001);
			assertAddsUp(counts);
			this.datasette.releaseAnswers();
			waiting().atMost(Duration.ofSeconds(30))
				.until(() -> forwarder.counts().delivered() == 1001 - forwarder.counts().dropped());
			assertThat(this.datasette.rows(TABLE)).hasSize((int) forwarder.counts().delivered());
		});
	}

	private ApplicationContextRunner spooling(String... properties) {
		return ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues(ForwarderContextRunner.quickDelivery(
					"datasette.events-forward.api-url=" + this.server.createUrl(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.spool.enabled=true", "datasette.events-forward.spool.path=" + this.spool))
			.withPropertyValues(properties);
	}

	private static String orderId(ObjectNode row) {
		return JsonMapper.shared().readTree(row.get("properties").asString()).path("orderId").asString();
	}

}
