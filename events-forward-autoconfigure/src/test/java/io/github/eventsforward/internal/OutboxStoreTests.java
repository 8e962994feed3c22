package io.github.eventsforward.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.github.f4b6a3.ulid.UlidCreator;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.testsupport.PostgresServer;
import io.github.eventsforward.internal.OutboxStore.Claimed;
import io.github.eventsforward.internal.OutboxStore.Dialect;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link OutboxStore}, each on H2 and on a real PostgreSQL: the schema, writing in
 * the application's transactions, and claims that never hand one row to two stores.
 */
class OutboxStoreTests {

	private static final Instant START = Instant.parse("2026-12-02T03:04:05Z");

	private static final Duration LEASE = Duration.ofMinutes(1);

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	private static final AtomicInteger databases = new AtomicInteger();

	private static EmbeddedPostgres postgres;

	@BeforeAll
	static void startPostgres() {
		postgres = PostgresServer.get();
	}

	/**
	 * On H2, in memory: claims by conditional updates.
	 */
	@Nested
	class OnH2 extends Contract {

		@Override
		DataSource freshDatabase() {
			JdbcDataSource dataSource = new JdbcDataSource();
			dataSource.setURL("jdbc:h2:mem:outbox-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
			return dataSource;
		}

		@Override
		void dropDatabase(DataSource dataSource) {
			JdbcClient.create(dataSource).sql("SHUTDOWN").update();
		}

		@Override
		Dialect dialect() {
			return Dialect.H2;
		}

	}

	/**
	 * On PostgreSQL: claims with {@code SKIP LOCKED}.
	 */
	@Nested
	class OnPostgreSql extends Contract {

		private String schema;

		// A schema for each test, which unqualified names resolve to: the other tests' tables
		// are in the same database, and must not be seen.
		@Override
		DataSource freshDatabase() {
			this.schema = "outbox" + databases.incrementAndGet();
			JdbcClient.create(postgres.getPostgresDatabase()).sql("CREATE SCHEMA " + this.schema).update();
			return postgres.getPostgresDatabase(Map.of("currentSchema", this.schema));
		}

		@Override
		void dropDatabase(DataSource dataSource) {
			JdbcClient.create(postgres.getPostgresDatabase()).sql("DROP SCHEMA " + this.schema + " CASCADE").update();
		}

		@Override
		Dialect dialect() {
			return Dialect.POSTGRESQL;
		}

	}

	/**
	 * What every database must do.
	 */
	abstract class Contract {

		private final MutableClock clock = new MutableClock(START);

		private final ExecutorService executor = Executors.newFixedThreadPool(2);

		private DataSource dataSource;

		private TransactionTemplate transactions;

		abstract DataSource freshDatabase();

		abstract void dropDatabase(DataSource dataSource);

		abstract Dialect dialect();

		@BeforeEach
		void createDatabase() {
			this.dataSource = freshDatabase();
			this.transactions = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
		}

		@AfterEach
		void shutDown() throws InterruptedException {
			this.executor.shutdownNow();
			this.executor.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS);
			dropDatabase(this.dataSource);
		}

		@Test
		void createsTheTableOnceAndFindsItWhateverTheCase() {
			OutboxStore store = store("a");
			assertThat(store.dialect()).isEqualTo(dialect());
			assertThat(store.schemaLocation())
				.isEqualTo("classpath:io/github/eventsforward/outbox/schema-" + dialect().name().toLowerCase(Locale.ROOT) + ".sql");
			assertThat(store.tableExists()).isFalse();
			store.createSchema();
			assertThat(store.tableExists()).isTrue();
			store.insert(row("first"));
			store.createSchema();
			assertThat(store.tableExists()).isTrue();
			assertThat(store.count()).isOne();
		}

		@Test
		void withoutTheTableSaysWhichScriptCreatesIt() {
			OutboxStore store = store("a");
			assertThatExceptionOfType(OutboxAccessException.class).isThrownBy(() -> store.insert(row("lost")))
				.withMessageContaining("outbox table datasette_events_outbox")
				.withMessageContaining("create it with " + store.schemaLocation())
				.withMessageNotContaining("jdbc:");
			assertThatExceptionOfType(OutboxAccessException.class).isThrownBy(() -> store.claim(10))
				.withMessageContaining("outbox table datasette_events_outbox")
				.withMessageContaining("create it with " + store.schemaLocation());
		}

		@Test
		void writesInTheApplicationsTransactionAndOutsideOneAtOnce() {
			OutboxStore store = storeWithTable("a");
			JdbcClient jdbc = JdbcClient.create(this.dataSource);
			jdbc.sql("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(50))").update();
			this.transactions.executeWithoutResult((status) -> {
				jdbc.sql("INSERT INTO orders (id, item) VALUES (1, 'book')").update();
				store.insert(row("order-placed"));
			});
			assertThat(jdbc.sql("SELECT COUNT(*) FROM orders").query(Long.class).single()).isOne();
			assertThat(store.count()).isOne();
			this.transactions.executeWithoutResult((status) -> {
				jdbc.sql("INSERT INTO orders (id, item) VALUES (2, 'pen')").update();
				store.insert(row("order-placed"));
				status.setRollbackOnly();
			});
			assertThat(jdbc.sql("SELECT COUNT(*) FROM orders").query(Long.class).single()).isOne();
			assertThat(store.count()).isOne();
			store.insert(row("order-shipped"));
			assertThat(store.count()).isEqualTo(2);
		}

		@Test
		void doesNotClaimNorWaitForRowsOfATransactionThatHasNotCommitted() throws Exception {
			OutboxStore store = storeWithTable("a");
			EventRow pending = row("pending");
			EventRow committed = row("committed");
			CountDownLatch inserted = new CountDownLatch(1);
			CountDownLatch commit = new CountDownLatch(1);
			CompletableFuture<Void> writer = CompletableFuture
				.runAsync(() -> this.transactions.executeWithoutResult((status) -> {
					store.insert(pending);
					inserted.countDown();
					awaitLatch(commit);
				}), this.executor);
			awaitLatch(inserted);
			store.insert(committed);
			CompletableFuture<List<Claimed>> claim = CompletableFuture.supplyAsync(() -> store.claim(10), this.executor);
			assertThat(claim).succeedsWithin(PATIENCE)
				.satisfies((claimed) -> assertThat(rows(claimed)).containsExactly(committed));
			assertThat(writer).isNotDone();
			commit.countDown();
			assertThat(writer).succeedsWithin(PATIENCE);
			assertThat(rows(store.claim(10))).containsExactly(pending);
		}

		@Test
		void claimsTheOldestRowsFirstAndReturnsThemAsWritten() {
			OutboxStore store = storeWithTable("a");
			List<EventRow> written = List.of(row("first"),
					new EventRow(ulid(), null, "anonymous", "2026-12-02T03:04:05.000001+00:00", null, null, null, "{}"),
					new EventRow(ulid(), "shop-ü", "order-placed", "2026-12-02T03:04:05.000002+00:00", "zoë@例え.jp",
							"main", "orders", "{\"note\":\"Grüße 🚀 \\\"quoted\\\" 日本語\",\"items\":[1,2.5,null],"
									+ "\"nested\":{\"ok\":true}}"),
					new EventRow(ulid(), "shop", "report-rendered", "2026-12-02T03:04:05.000003+00:00", "bob", null,
							null, "{\"text\":\"" + "x".repeat(100_000) + "\"}"),
					row("fifth"));
			written.forEach(store::insert);
			List<Claimed> first = store.claim(3);
			assertThat(rows(first)).containsExactlyElementsOf(written.subList(0, 3));
			assertThat(first).extracting(Claimed::seq).isSorted();
			List<Claimed> rest = store.claim(10);
			assertThat(rows(rest)).containsExactlyElementsOf(written.subList(3, 5));
			assertThat(rest.get(0).seq()).isGreaterThan(first.get(2).seq());
			assertThat(store.claim(10)).isEmpty();
		}

		@Test
		void twoStoresClaimingAtOnceNeverGetTheSameRow() throws Exception {
			OutboxStore a = storeWithTable("a");
			OutboxStore b = store("b");
			int total = 20_000;
			Set<String> ids = new HashSet<>();
			this.transactions.executeWithoutResult((status) -> {
				for (int i = 0; i < total; i++) {
					EventRow row = row("bulk");
					ids.add(row.id());
					a.insert(row);
				}
			});
			CountDownLatch start = new CountDownLatch(2);
			CompletableFuture<List<Claimed>> claimedByA = CompletableFuture.supplyAsync(() -> claimAll(a, start),
					this.executor);
			CompletableFuture<List<Claimed>> claimedByB = CompletableFuture.supplyAsync(() -> claimAll(b, start),
					this.executor);
			assertThat(CompletableFuture.allOf(claimedByA, claimedByB)).succeedsWithin(Duration.ofMinutes(5));
			List<Long> seqsOfA = seqs(claimedByA.get());
			List<Long> seqsOfB = seqs(claimedByB.get());
			assertThat(seqsOfA).isNotEmpty().doesNotHaveDuplicates().doesNotContainAnyElementsOf(seqsOfB);
			assertThat(seqsOfB).isNotEmpty().doesNotHaveDuplicates();
			Set<String> claimedIds = new HashSet<>();
			claimedByA.get().forEach((claimed) -> claimedIds.add(claimed.row().id()));
			claimedByB.get().forEach((claimed) -> claimedIds.add(claimed.row().id()));
			assertThat(claimedIds).hasSize(total).isEqualTo(ids);
			a.delete(seqsOfA);
			assertThat(a.count()).isEqualTo(seqsOfB.size());
			b.delete(seqsOfB);
			assertThat(a.count()).isZero();
		}

		private List<Claimed> claimAll(OutboxStore store, CountDownLatch start) {
			start.countDown();
			awaitLatch(start);
			List<Claimed> all = new ArrayList<>();
			List<Claimed> claimed;
			do {
				claimed = store.claim(100);
				all.addAll(claimed);
			}
			while (!claimed.isEmpty());
			return all;
		}

		@Test
		void anotherStoreClaimsRowsOnlyOnceTheirLeaseHasRunOut() {
			OutboxStore a = storeWithTable("a");
			OutboxStore b = store("b");
			List<EventRow> written = List.of(row("first"), row("second"), row("third"));
			written.forEach(a::insert);
			List<Claimed> claimedByA = a.claim(10);
			assertThat(rows(claimedByA)).containsExactlyElementsOf(written);
			assertThat(b.claim(10)).isEmpty();
			this.clock.advance(LEASE);
			assertThat(b.claim(10)).isEmpty();
			this.clock.advance(Duration.ofMillis(1));
			List<Claimed> claimedByB = b.claim(10);
			assertThat(rows(claimedByB)).containsExactlyElementsOf(written);
			assertThat(a.claim(10)).isEmpty();
			// A's acknowledgement comes too late: the rows are B's now, B sends them again and
			// deletes them.
			a.delete(seqs(claimedByA));
			assertThat(a.count()).isEqualTo(3);
			b.delete(seqs(claimedByB));
			assertThat(a.count()).isZero();
		}

		@Test
		void releasedRowsAreClaimableAtOnceAndDeleteRemovesOnlyTheGivenRows() {
			OutboxStore a = storeWithTable("a");
			OutboxStore b = store("b");
			List<EventRow> written = List.of(row("1"), row("2"), row("3"), row("4"), row("5"));
			written.forEach(a::insert);
			List<Long> seqs = seqs(a.claim(10));
			a.delete(List.of(seqs.get(0), seqs.get(2)));
			assertThat(a.count()).isEqualTo(3);
			a.release(List.of(seqs.get(1), seqs.get(4)));
			List<Claimed> claimedByB = b.claim(10);
			assertThat(rows(claimedByB)).containsExactly(written.get(1), written.get(4));
			// Not A's to release any more, nor to delete.
			a.release(List.of(seqs.get(1)));
			a.delete(List.of(seqs.get(4)));
			assertThat(a.claim(10)).isEmpty();
			assertThat(a.count()).isEqualTo(3);
			a.delete(List.of(seqs.get(3)));
			b.delete(seqs(claimedByB));
			assertThat(a.count()).isZero();
		}

		@Test
		void claimsInATransactionOfItsOwnNotTheCallingThreads() {
			OutboxStore a = storeWithTable("a");
			OutboxStore b = store("b");
			EventRow written = row("first");
			a.insert(written);
			AtomicReference<List<Claimed>> claimed = new AtomicReference<>();
			this.transactions.executeWithoutResult((status) -> {
				claimed.set(a.claim(10));
				status.setRollbackOnly();
			});
			assertThat(rows(claimed.get())).containsExactly(written);
			assertThat(b.claim(10)).isEmpty();
			this.transactions.executeWithoutResult((status) -> {
				a.delete(seqs(claimed.get()));
				status.setRollbackOnly();
			});
			assertThat(a.count()).isZero();
		}

		@Test
		void aBufferNeverTakesAgainARowItHasInFlightWhoseLeaseRanOut() {
			OutboxStore store = storeWithTable("a");
			for (int i = 0; i < 3; i++) {
				store.insert(row("order-placed"));
			}
			OutboxBuffer buffer = new OutboxBuffer(store, new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events"),
					Duration.ofSeconds(1));
			List<EncodedRow> first = buffer.take(2);
			assertThat(first).hasSize(2);
			// A batch retried for longer than the lease, while others go out beside it.
			this.clock.advance(LEASE.plusSeconds(1));
			List<EncodedRow> next = buffer.take(10);
			assertThat(next).as("only the row not in flight").hasSize(1);
			assertThat(next.get(0).row().id()).isNotIn(first.get(0).row().id(), first.get(1).row().id());
			buffer.settled(first);
			buffer.settled(next);
			assertThat(store.count()).isZero();
		}

		private OutboxStore store(String owner) {
			return new OutboxStore(this.dataSource, owner, LEASE, this.clock);
		}

		private OutboxStore storeWithTable(String owner) {
			OutboxStore store = store(owner);
			store.createSchema();
			return store;
		}

	}

	private static EventRow row(String event) {
		return new EventRow(ulid(), "shop", event, "2026-12-02T03:04:05.000000+00:00", "alice", "main", "orders",
				"{\"orderId\":\"o-1\"}");
	}

	private static String ulid() {
		return UlidCreator.getMonotonicUlid().toString();
	}

	private static List<EventRow> rows(List<Claimed> claimed) {
		return claimed.stream().map(Claimed::row).toList();
	}

	private static List<Long> seqs(List<Claimed> claimed) {
		return claimed.stream().map(Claimed::seq).toList();
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			assertThat(latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A clock that moves only when told to.
	 */
	static final class MutableClock extends Clock {

		private final AtomicReference<Instant> now;

		MutableClock(Instant start) {
			this.now = new AtomicReference<>(start);
		}

		void advance(Duration duration) {
			this.now.updateAndGet((instant) -> instant.plus(duration));
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Instant instant() {
			return this.now.get();
		}

	}

}
