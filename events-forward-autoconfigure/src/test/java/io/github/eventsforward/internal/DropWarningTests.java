package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.internal.ForwardingPipelineTests.RecordingSender;
import io.github.eventsforward.internal.ForwardingPipelineTests.VirtualClock;
import io.github.eventsforward.testsupport.ForwarderThreads;
import io.github.eventsforward.testsupport.LogRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;

import static io.github.eventsforward.internal.PipelineOrders.assertCounts;
import static io.github.eventsforward.internal.PipelineOrders.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the WARN that reports dropped events: that every drop is reported within the
 * warning interval, in as few lines as the interval allows, by the forwarder's thread.
 */
class DropWarningTests {

	private static final Duration WARNING_INTERVAL = Duration.ofSeconds(10);

	private static final Pattern DROPPED = Pattern.compile("^Dropped (?:the newest )?(\\d+) events");

	private static final String STOPPED = "published while the forwarder was stopped";

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final RecordingSender sender = new RecordingSender(this.scheduler);

	private final LogRecorder log = new LogRecorder(Drops.class);

	@BeforeEach
	void attachLog() {
		this.log.attach();
	}

	@AfterEach
	void detachLogAndDisposeScheduler() {
		this.log.detach();
		this.scheduler.dispose();
	}

	@Test
	void aBurstIsReportedInOneWarnByTheForwardersThread() throws Exception {
		// On the forwarder's own thread and real time: the burst comes while that thread is
		// busy mapping the first event.
		CountDownLatch mapping = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		EventRowMapper slowAtFirst = (event) -> {
			mapping.countDown();
			awaitUninterruptibly(release);
			return new DefaultEventRowMapper().map(event);
		};
		ForwardingPipeline pipeline = new ForwardingPipeline(TestSettings.defaults().bufferCapacity(10).build(),
				new RowFactory(slowAtFirst, JsonMapper.shared(), "test"), (rows, body) -> Mono.empty(), List.of(),
				null, Clock.systemUTC());
		pipeline.start();
		try {
			publish(pipeline, 0, 1);
			assertThat(mapping.await(30, TimeUnit.SECONDS)).isTrue();
			publish(pipeline, 1, 91_010);
			assertThat(droppedWarnings()).as("WARNs logged by the publishing thread").isEmpty();

			release.countDown();
			await().atMost(WARNING_INTERVAL).until(() -> !droppedWarnings().isEmpty());
			assertThat(pipeline.flush(Duration.ofSeconds(30))).isTrue();
			assertThat(droppedWarnings()).singleElement().satisfies((warning) -> {
				assertThat(warning.getFormattedMessage()).startsWith("Dropped the newest 91000 events: 10 events");
				assertThat(warning.getThreadName()).startsWith(ForwarderThreads.NAME_PREFIX);
			});
		}
		finally {
			release.countDown();
			pipeline.stop();
		}
		assertCounts(pipeline, 91_010, 10, 91_000, 0);
	}

	@Test
	void theRestOfABurstIsReportedWithinTheIntervalThoughNoLaterDropComes() {
		ForwardingPipeline pipeline = start(TestSettings.defaults().bufferCapacity(10).build());
		this.sender.answerAfter(Duration.ofHours(1));
		publish(pipeline, 91_010);
		// The first drop after a quiet period is reported at once, what follows it once the
		// interval has passed.
		assertThat(droppedCounts()).containsExactly(1L);
		this.scheduler.advanceTimeBy(WARNING_INTERVAL.minusMillis(1));
		assertThat(droppedCounts()).containsExactly(1L);
		this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		assertThat(droppedCounts()).containsExactly(1L, 90_999L);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(droppedCounts()).containsExactly(1L, 90_999L);
		assertThat(pipeline.counts().dropped()).isEqualTo(91_000);
	}

	@Test
	void dropsOverSeveralIntervalsAreReportedAtMostOncePerIntervalAndAddUp() {
		ForwardingPipeline pipeline = start(TestSettings.defaults().bufferCapacity(10).build());
		this.sender.answerAfter(Duration.ofHours(1));
		publish(pipeline, 10);
		// Then an event every 100 ms for 25 seconds, each dropped, and a minute without.
		List<Duration> reportedAt = new ArrayList<>();
		for (int step = 1; step <= 850; step++) {
			this.scheduler.advanceTimeBy(Duration.ofMillis(100));
			if (step <= 250) {
				publish(pipeline, 10 + step, 11 + step);
			}
			if (droppedWarnings().size() > reportedAt.size()) {
				reportedAt.add(Duration.ofMillis(step * 100L));
			}
		}
		assertThat(droppedCounts().stream().mapToLong(Long::longValue).sum()).isEqualTo(250)
			.isEqualTo(pipeline.counts().dropped());
		assertThat(reportedAt).as("WARNs logged, by virtual time").hasSameSizeAs(droppedWarnings());
		assertThat(reportedAt.get(0)).as("first WARN").isEqualTo(Duration.ofMillis(100));
		for (int i = 1; i < reportedAt.size(); i++) {
			assertThat(reportedAt.get(i).minus(reportedAt.get(i - 1))).as("time between WARN %d and %d", i, i + 1)
				.isGreaterThanOrEqualTo(WARNING_INTERVAL);
		}
		assertThat(reportedAt.get(reportedAt.size() - 1)).as("last WARN")
			.isLessThanOrEqualTo(Duration.ofSeconds(25).plus(WARNING_INTERVAL));
	}

	@Test
	void stopReportsWhatIsUnreportedOnceAndOnlyOnce() {
		// A second batch waits for the rate limit until 5s: the buffer is full until then.
		ForwardingPipeline pipeline = start(
				TestSettings.defaults().bufferCapacity(10).rate(1, Duration.ofSeconds(5)).build());
		publish(pipeline, 20);
		// One drop at 0s, reported at once, and two at 1s, due at 10s: stop() comes first.
		publish(pipeline, 20, 21);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		publish(pipeline, 21, 23);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(droppedCounts()).containsExactly(1L);
		pipeline.stop();
		assertThat(droppedCounts()).containsExactly(1L, 2L);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(droppedCounts()).containsExactly(1L, 2L);
		assertCounts(pipeline, 23, 20, 3, 0);
	}

	@Test
	void eventsPublishedWhileTheForwarderIsStoppedAreReportedByItsThreadOnceItStartsAgain() {
		ForwardingPipeline pipeline = new ForwardingPipeline(TestSettings.defaults().build(),
				new RowFactory(new DefaultEventRowMapper(), JsonMapper.shared(), "test"), (rows, body) -> Mono.empty(),
				List.of(), null, Clock.systemUTC());
		pipeline.start();
		pipeline.stop();
		publish(pipeline, 3);
		assertThat(this.log.messages(Level.WARN, STOPPED)).as("WARNs logged by the publishing thread").isEmpty();

		pipeline.start();
		try {
			await().atMost(WARNING_INTERVAL).until(() -> !this.log.messages(Level.WARN, STOPPED).isEmpty());
			assertThat(droppedWarnings()).singleElement().satisfies((warning) -> {
				assertThat(warning.getFormattedMessage()).isEqualTo("Dropped 3 events " + STOPPED);
				assertThat(warning.getThreadName()).startsWith(ForwarderThreads.NAME_PREFIX);
			});
		}
		finally {
			pipeline.stop();
		}
		assertThat(droppedWarnings()).hasSize(1);
		assertCounts(pipeline, 3, 0, 3, 0);
	}

	private ForwardingPipeline start(ForwarderSettings settings) {
		RowFactory rows = new RowFactory(new DefaultEventRowMapper(), JsonMapper.shared(), "test");
		ForwardingPipeline pipeline = new ForwardingPipeline(settings, rows, this.sender, List.of(), this.scheduler,
				new VirtualClock(this.scheduler));
		pipeline.start();
		return pipeline;
	}

	private List<ILoggingEvent> droppedWarnings() {
		return this.log.events()
			.stream()
			.filter((event) -> event.getLevel() == Level.WARN && DROPPED.matcher(event.getFormattedMessage()).find())
			.toList();
	}

	private List<Long> droppedCounts() {
		return droppedWarnings().stream().map((warning) -> {
			Matcher matcher = DROPPED.matcher(warning.getFormattedMessage());
			assertThat(matcher.find()).isTrue();
			return Long.parseLong(matcher.group(1));
		}).toList();
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
