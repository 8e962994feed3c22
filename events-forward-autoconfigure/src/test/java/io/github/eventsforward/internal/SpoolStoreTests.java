package io.github.eventsforward.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.testsupport.LogRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link SpoolStore}: the file, its schema, and what happens when it cannot be
 * used as it is.
 */
class SpoolStoreTests {

	private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T03:04:05Z"), ZoneOffset.UTC);

	private static final EventRow ROW = new EventRow("01KBF5J3A8Y4T9R0N1M2P3Q4R5", "shop", "order-placed",
			"2026-12-02T03:04:05.000000+00:00", "alice", null, null, "{\"orderId\":\"o-1\"}");

	@TempDir
	Path directory;

	private final LogRecorder log = new LogRecorder(SpoolFile.class);

	@BeforeEach
	void attachLog() {
		this.log.attach();
	}

	@AfterEach
	void detachLog() {
		this.log.detach();
	}

	@Test
	void createsTheDirectoryAndAVersionedTableWithTheEightColumns() throws Exception {
		Path spool = this.directory.resolve("nested/events-spool");
		try (SpoolStore store = SpoolFile.open(spool, CLOCK)) {
			store.write(List.of(new SpoolStore.StoredRow(1, ROW)), List.of());
			assertThat(store.count()).isOne();
			assertThat(store.load(0, 10)).singleElement().satisfies((row) -> assertThat(row.row()).isEqualTo(ROW));
		}
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + spool.resolve(SpoolStore.FILE));
				Statement statement = connection.createStatement()) {
			assertThat(statement.executeQuery("PRAGMA user_version").getInt(1)).isEqualTo(SpoolFile.SCHEMA_VERSION);
			assertThat(statement.executeQuery("PRAGMA journal_mode").getString(1)).isEqualTo("wal");
			assertThat(statement.executeQuery("SELECT actor_id FROM datasette_events").getString(1)).isEqualTo("alice");
		}
	}

	@Test
	void aSecondForwarderOnTheSameSpoolIsRefusedNamingThePath() {
		try (SpoolStore first = SpoolFile.open(this.directory, CLOCK)) {
			assertThatExceptionOfType(UnusableSpoolException.class)
				.isThrownBy(() -> SpoolFile.open(this.directory, CLOCK))
				.withMessageContaining("The spool at " + this.directory + " is in use by another forwarder")
				.withMessageContaining("datasette.events-forward.spool.path");
		}
		// Released with the first.
		SpoolFile.open(this.directory, CLOCK).close();
	}

	@Test
	void aDirectoryThatCannotBeCreatedIsRefusedNamingThePathAndTheFix() throws Exception {
		Path file = Files.writeString(this.directory.resolve("not-a-directory"), "x");
		assertThatExceptionOfType(UnusableSpoolException.class)
			.isThrownBy(() -> SpoolFile.open(file.resolve("spool"), CLOCK))
			.withMessageContaining("The spool directory " + file.resolve("spool") + " cannot be created or written")
			.withMessageContaining("Set datasette.events-forward.spool.path to a directory the application may write");
	}

	@Test
	void aDirectoryThatCannotBeWrittenIsRefused() throws Exception {
		assumeThat(System.getProperty("user.name")).as("root may write anywhere").isNotEqualTo("root");
		Path readOnly = Files.createDirectory(this.directory.resolve("read-only"));
		Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
		assertThatExceptionOfType(UnusableSpoolException.class).isThrownBy(() -> SpoolFile.open(readOnly, CLOCK))
			.withMessageContaining(readOnly.toString());
	}

	@Test
	void aCorruptFileIsMovedAsideWithAnErrorNamingBothFilesAndANewSpoolStarts() throws Exception {
		Path file = this.directory.resolve(SpoolStore.FILE);
		Files.write(file, "this is not a SQLite database, it was overwritten".repeat(100).getBytes(StandardCharsets.UTF_8));
		try (SpoolStore store = SpoolFile.open(this.directory, CLOCK)) {
			assertThat(store.count()).isZero();
		}
		Path aside = this.directory.resolve(SpoolStore.FILE + ".corrupt-20261202T030405");
		assertThat(aside).exists();
		assertThat(Files.readString(aside)).startsWith("this is not a SQLite database");
		assertThat(this.log.messages(Level.ERROR, "The spool file " + file + " cannot be read")).singleElement()
			.asString()
			.contains("it was moved to " + aside, "a new spool was started");
	}

	@Test
	void aFileOfANewerSchemaIsMovedAsideAndKeptAsItIs() throws Exception {
		Path file = this.directory.resolve(SpoolStore.FILE);
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE datasette_events (id TEXT PRIMARY KEY, extra TEXT)");
			statement.execute("INSERT INTO datasette_events VALUES ('a', 'from the future')");
			statement.execute("PRAGMA user_version = " + (SpoolFile.SCHEMA_VERSION + 1));
		}
		try (SpoolStore store = SpoolFile.open(this.directory, CLOCK)) {
			assertThat(store.count()).isZero();
		}
		Path aside = this.directory.resolve(SpoolStore.FILE + ".newer-20261202T030405");
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + aside);
				Statement statement = connection.createStatement()) {
			assertThat(statement.executeQuery("SELECT extra FROM datasette_events").getString(1))
				.isEqualTo("from the future");
		}
		assertThat(this.log.messages(Level.ERROR, "newer than this forwarder's")).hasSize(1);
	}

	@Test
	void writesAndDeletesInOneTransaction() throws Exception {
		try (SpoolStore store = SpoolFile.open(this.directory, CLOCK)) {
			store.write(Stream.of(1, 2, 3, 4, 5).map((n) -> new SpoolStore.StoredRow(n, row(n))).toList(), List.of());
			store.write(List.of(new SpoolStore.StoredRow(6, row(6))), List.of(new long[] { 1, 2 }, new long[] { 4, 4 }));
			assertThat(store.load(0, 10)).extracting(SpoolStore.StoredRow::rowid).containsExactly(3L, 5L, 6L);
			assertThat(store.lastRowid()).isEqualTo(6);
			assertThat(store.usedBytes()).isPositive();
		}
	}

	private static EventRow row(int n) {
		return new EventRow("id-" + n, "shop", "order-placed", ROW.created(), "alice", null, null, "{}");
	}

}
