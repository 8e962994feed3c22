package io.github.eventsforward.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Level;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.internal.ForwardingPipelineTests.RecordingSender;
import io.github.eventsforward.internal.ForwardingPipelineTests.Request;
import io.github.eventsforward.internal.ForwardingPipelineTests.VirtualClock;
import io.github.eventsforward.testsupport.LogRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.unit.DataSize;

import static io.github.eventsforward.internal.PipelineOrders.orderId;
import static io.github.eventsforward.internal.PipelineOrders.orderIds;
import static io.github.eventsforward.internal.PipelineOrders.publish;
import static io.github.eventsforward.testsupport.ForwardCountsAssertions.assertAddsUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SpoolBuffer} in a pipeline on virtual time: what reaches the file and
 * when, what leaves it, and what a restart finds.
 */
class SpoolBufferTests {

	private static final Duration AN_HOUR = Duration.ofHours(1);

	// Far longer than a stop that does not wait takes, and far shorter than the timeout it
	// would wait for.
	private static final Duration WAIT_FOR_STOP = Duration.ofSeconds(30);

	@TempDir
	Path spool;

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final RecordingSender sender = new RecordingSender(this.scheduler);

	private final LogRecorder log = new LogRecorder("io.github.eventsforward");

	private final List<ForwardingPipeline> started = new ArrayList<>();

	@BeforeEach
	void attachLog() {
		this.log.attach();
	}

	@AfterEach
	void stopAndDispose() {
		this.started.forEach(ForwardingPipeline::stop);
		this.scheduler.dispose();
		this.log.detach();
	}

	@Test
	void rowsReachTheFileInAGroupCommitWithinTheCommitInterval() throws Exception {
		// Nothing is sent: the rate limit holds every batch back.
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline pipeline = start(TestSettings.defaults().spool(this.spool).batchLimit(100));
		publish(pipeline, 0, 50);
		this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		assertThat(spooledOrderIds()).as("not before the commit").isEmpty();
		this.scheduler.advanceTimeBy(SpoolWrites.COMMIT_INTERVAL);
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(0, 50));
		assertThat(columns()).containsExactly("id", "instance", "event", "created", "actor_id", "database_name",
				"table_name", "properties");
	}

	@Test
	void aDeliveredRowLeavesTheFileAndOneDeliveredBeforeItsCommitIsNeverWritten() throws Exception {
		ForwardingPipeline pipeline = start(TestSettings.defaults().spool(this.spool).batchLimit(10));
		publish(pipeline, 0, 10);
		this.scheduler.advanceTimeBy(Duration.ZERO);
		assertThat(this.sender.requests()).hasSize(1);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(spooledOrderIds()).isEmpty();
		assertThat(pipeline.counts()).isEqualTo(new ForwardCounts(10, 10, 0, 0, 0));
		// Rows written, then delivered: deleted by the next commit.
		this.sender.failWhen((rows) -> true);
		publish(pipeline, 10, 20);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(10, 20));
		this.sender.failWhen((rows) -> false);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(pipeline.counts().delivered()).isEqualTo(20);
		assertThat(spooledOrderIds()).isEmpty();
	}

	@Test
	void aRestartSendsWhatTheSpoolHoldsFirstOldestFirstWithoutANewEvent() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline first = start(TestSettings.defaults().spool(this.spool).batchLimit(10));
		publish(first, 0, 25);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		first.stop();
		this.started.remove(first);
		assertThat(this.log.messages(Level.INFO, "25 events stay in the spool at " + this.spool)).hasSize(1);
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(0, 25));

		RecordingSender up = new RecordingSender(this.scheduler);
		ForwardingPipeline second = create(TestSettings.defaults().spool(this.spool).batchLimit(10), up);
		assertThat(second.counts()).as("before it starts").isEqualTo(new ForwardCounts(0, 0, 0, 0, 25, 25));
		assertThat(second.queuedBytes()).isPositive();
		second.start();
		assertThat(up.requests()).as("at once, without waiting for the flush interval").isNotEmpty();
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(up.requests()).flatExtracting(Request::rows)
			.extracting(PipelineOrders::orderId)
			.containsExactlyElementsOf(orderIds(0, 25));
		assertThat(second.counts()).isEqualTo(new ForwardCounts(0, 25, 0, 0, 0, 25));
		assertAddsUp(second.counts());
		assertThat(spooledOrderIds()).isEmpty();
	}

	@Test
	void stoppingDuringABackoffDoesNotWaitForTheRetry() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline pipeline = start(TestSettings.defaults().spool(this.spool).shutdownTimeout(AN_HOUR));
		publish(pipeline, 0, 10);
		this.scheduler.advanceTimeBy(Duration.ofMillis(10));
		assertThat(this.sender.requests()).as("failed, retried after a backoff").hasSize(1);
		assertThat(stopOnAnotherThread(pipeline)).as("stopped without waiting for the retry or the shutdown timeout")
			.succeedsWithin(WAIT_FOR_STOP);
		assertThat(this.sender.requests()).hasSize(1);
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(0, 10));
	}

	@Test
	void stoppingWhileABatchWaitsForTheRateLimitDoesNotSendIt() throws Exception {
		ForwardingPipeline pipeline = start(TestSettings.defaults()
			.spool(this.spool)
			.batchLimit(10)
			.rate(1, Duration.ofHours(1))
			.shutdownTimeout(AN_HOUR));
		publish(pipeline, 0, 20);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(pipeline.counts().delivered()).isEqualTo(10);
		assertThat(stopOnAnotherThread(pipeline)).as("stopped without waiting for the rate limit")
			.succeedsWithin(WAIT_FOR_STOP);
		assertThat(this.sender.requests()).hasSize(1);
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(10, 20));
	}

	@Test
	void stoppingWaitsForTheAnswerToTheRequestInFlightAndDeletesWhatItAcknowledged() throws Exception {
		this.sender.answerAfter(Duration.ofSeconds(5));
		ForwardingPipeline pipeline = start(
				TestSettings.defaults().spool(this.spool).batchLimit(10).shutdownTimeout(AN_HOUR));
		publish(pipeline, 0, 15);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(this.sender.requests()).hasSize(1);
		CompletableFuture<Void> stopped = stopOnAnotherThread(pipeline);
		assertThat(stopped).as("waits for the answer").isNotDone();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(stopped).succeedsWithin(WAIT_FOR_STOP);
		assertThat(pipeline.counts()).isEqualTo(new ForwardCounts(15, 10, 0, 0, 5));
		assertThat(this.sender.requests()).as("nothing sent after the stop").hasSize(1);
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(10, 15));
	}

	// Returns once the stop waits, when it does.
	private CompletableFuture<Void> stopOnAnotherThread(ForwardingPipeline pipeline) {
		this.started.remove(pipeline);
		CompletableFuture<Void> stopped = new CompletableFuture<>();
		Thread stopper = new Thread(() -> {
			pipeline.stop();
			stopped.complete(null);
		}, "stopper");
		stopper.setDaemon(true);
		stopper.start();
		await().atMost(WAIT_FOR_STOP)
			.until(() -> stopped.isDone() || stopper.getState() == Thread.State.TIMED_WAITING);
		return stopped;
	}

	@Test
	void holdsOnlyBufferCapacityRowsInMemoryAndReadsTheRestBackInOrder() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline pipeline = start(
				TestSettings.defaults().spool(this.spool).bufferCapacity(10).batchLimit(5).rate(1000, Duration.ofSeconds(1)));
		for (int i = 0; i < 100; i++) {
			publish(pipeline, i, i + 1);
			this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		}
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(pipeline.counts()).as("nothing dropped: the file holds what memory does not")
			.isEqualTo(new ForwardCounts(100, 0, 0, 0, 100));
		this.sender.failWhen((rows) -> false);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(5));
		assertThat(this.sender.requests().stream().filter((request) -> request.rows().size() > 0))
			.flatExtracting(Request::rows)
			.extracting(PipelineOrders::orderId)
			.containsSubsequence(orderIds(0, 100));
		assertThat(pipeline.counts()).isEqualTo(new ForwardCounts(100, 100, 0, 0, 0));
		assertThat(spooledOrderIds()).isEmpty();
	}

	@Test
	void aFullSpoolDropsTheNewestRowsWithDropNewest() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline pipeline = start(
				TestSettings.defaults().spool(this.spool).spoolMaxSize(DataSize.ofMegabytes(1)).batchLimit(100));
		String filler = "x".repeat(10_000);
		for (int i = 0; i < 200; i++) {
			pipeline.offer(new com.example.shop.OrderPlaced("o-" + i + "-" + filler, "alice", 1, java.math.BigDecimal.ONE));
			this.scheduler.advanceTimeBy(Duration.ofMillis(10));
		}
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		ForwardCounts counts = pipeline.counts();
		assertThat(counts.dropped()).isPositive();
		assertThat(counts.queued() + counts.dropped()).isEqualTo(200);
		assertThat(java.nio.file.Files.size(this.spool.resolve(SpoolStore.FILE))).isLessThanOrEqualTo(1_200_000);
		List<String> kept = spooledOrderIds();
		assertThat(kept).first().asString().startsWith("o-0-");
		assertThat(this.log.messages(Level.WARN, "Dropped the newest")).isNotEmpty();
	}

	@Test
	void aRestartWithTheSpoolOverItsSizeKeepsItsRowsAndDropsTheNewestUntilThereIsRoom() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline first = start(TestSettings.defaults().spool(this.spool).batchLimit(100));
		fill(first, 0, 150);
		first.stop();
		this.started.remove(first);
		long held = spooledOrderIds().size();
		assertThat(held).isEqualTo(150);

		ForwardingPipeline second = start(
				TestSettings.defaults().spool(this.spool).spoolMaxSize(DataSize.ofMegabytes(1)).batchLimit(100));
		assertThat(second.counts().recovered()).isEqualTo(150);
		fill(second, 150, 160);
		assertThat(second.counts().dropped()).as("no room for new rows").isEqualTo(10);
		assertThat(spooledOrderIds()).as("the rows it found are kept").hasSize(150);
		this.sender.failWhen((rows) -> false);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(second.counts().delivered()).isEqualTo(150);
		fill(second, 160, 170);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(second.counts().delivered()).as("room again once they were sent").isEqualTo(160);
	}

	@Test
	void aRestartWithTheSpoolOverItsSizeDropsItsOldestRowsWithDropOldest() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline first = start(TestSettings.defaults().spool(this.spool).batchLimit(100));
		fill(first, 0, 150);
		first.stop();
		this.started.remove(first);

		ForwardingPipeline second = start(TestSettings.defaults()
			.spool(this.spool)
			.spoolMaxSize(DataSize.ofMegabytes(1))
			.dropOldest()
			.batchLimit(10));
		fill(second, 150, 160);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		List<String> kept = spooledOrderIds().stream().map((id) -> id.substring(0, id.indexOf('-', 2))).toList();
		assertThat(second.counts().dropped()).as("%s", second.counts()).isGreaterThanOrEqualTo(10);
		// The batch in flight, o-0 to o-9, is not dropped: its request may well get through.
		assertThat(kept).as("the batch in flight, then the newest")
			.startsWith(orderIds(0, 10).toArray(String[]::new))
			.endsWith(orderIds(150, 160).toArray(String[]::new))
			.doesNotContain(orderIds(10, 20).toArray(String[]::new))
			.hasSizeLessThan(110);
		assertAddsUp(second.counts());
	}

	@Test
	void aSpoolThatCannotBeWrittenKeepsTheRowsInMemoryWarnsOnceAndWritesThemLater() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline pipeline = start(TestSettings.defaults().spool(this.spool).batchLimit(100));
		SpoolBuffer buffer = (SpoolBuffer) pipeline.buffer();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		// As a full disk would: no page more than the file has.
		buffer.store().limitPages(pageCount());
		publish(pipeline, 0, 200);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(2));
		assertThat(this.log.messages(Level.WARN, "cannot be written")).hasSize(1);
		assertThat(pipeline.counts()).isEqualTo(new ForwardCounts(200, 0, 0, 0, 200));
		buffer.store().limitPages(1_000_000);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(spooledOrderIds()).containsExactlyElementsOf(orderIds(0, 200));
		assertThat(this.log.messages(Level.INFO, "is written again")).hasSize(1);
	}

	@Test
	void rowsKeepTheInstanceTheyWerePublishedWith() throws Exception {
		this.sender.failWhen((rows) -> true);
		ForwardingPipeline first = start(TestSettings.defaults().spool(this.spool).instance("shop-a"));
		publish(first, 0, 3);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		first.stop();
		this.started.remove(first);
		RecordingSender up = new RecordingSender(this.scheduler);
		start(TestSettings.defaults().spool(this.spool).instance("shop-b"), up);
		publish(this.started.get(0), 3, 4);
		this.scheduler.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(up.requests()).flatExtracting(Request::rows)
			.extracting(EventRow::instance)
			.containsExactly("shop-a", "shop-a", "shop-a", "shop-b");
	}

	// Orders of about 10 KB each: 150 of them take more than a megabyte.
	private void fill(ForwardingPipeline pipeline, int from, int to) {
		for (String orderId : bigOrderIds(from, to)) {
			pipeline.offer(new com.example.shop.OrderPlaced(orderId, "alice", 1, java.math.BigDecimal.ONE));
			this.scheduler.advanceTimeBy(Duration.ofMillis(10));
		}
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
	}

	private static List<String> bigOrderIds(int from, int to) {
		List<String> ids = new ArrayList<>();
		for (int i = from; i < to; i++) {
			ids.add("o-" + i + "-" + "x".repeat(10_000));
		}
		return ids;
	}

	private ForwardingPipeline start(TestSettings settings) {
		return start(settings, this.sender);
	}

	private ForwardingPipeline start(TestSettings settings, RecordingSender sender) {
		ForwardingPipeline pipeline = create(settings, sender);
		pipeline.start();
		return pipeline;
	}

	private ForwardingPipeline create(TestSettings settings, RecordingSender sender) {
		ForwarderSettings built = settings.build();
		RowFactory rows = new RowFactory(new DefaultEventRowMapper(), JsonMapper.shared(), built.instance());
		ForwardingPipeline pipeline = new ForwardingPipeline(built, rows, sender, List.of(), this.scheduler,
				new VirtualClock(this.scheduler));
		this.started.add(pipeline);
		return pipeline;
	}

	private List<String> spooledOrderIds() throws SQLException {
		List<String> ids = new ArrayList<>();
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(
						"SELECT id, instance, event, created, actor_id, database_name, table_name, properties"
								+ " FROM datasette_events ORDER BY rowid")) {
			while (result.next()) {
				ids.add(orderId(new EventRow(result.getString(1), result.getString(2), result.getString(3),
						result.getString(4), result.getString(5), result.getString(6), result.getString(7),
						result.getString(8))));
			}
		}
		return ids;
	}

	private List<String> columns() throws SQLException {
		List<String> columns = new ArrayList<>();
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("PRAGMA table_info(datasette_events)")) {
			while (result.next()) {
				columns.add(result.getString("name"));
			}
		}
		return columns;
	}

	private long pageCount() throws SQLException {
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("PRAGMA page_count")) {
			result.next();
			return result.getLong(1);
		}
	}

	private Connection connect() throws SQLException {
		return DriverManager.getConnection("jdbc:sqlite:" + this.spool.resolve(SpoolStore.FILE));
	}

}
