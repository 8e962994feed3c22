package io.github.eventsforward.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Opens the SQLite file of a spool: creates its directory, takes the lock file that keeps a
 * second process (or context) off the same spool, and checks the schema, whose version is
 * the file's {@code user_version}. A file that cannot be read is moved aside, and a new one
 * started, so that the application starts either way.
 */
final class SpoolFile {

	static final String FILE = "events-spool.db";

	static final String LOCK = "events-spool.lock";

	static final int SCHEMA_VERSION = 1;

	private static final Log logger = LogFactory.getLog(SpoolFile.class);

	private static final String TABLE = "datasette_events";

	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss")
		.withZone(ZoneOffset.UTC);

	private SpoolFile() {
	}

	/**
	 * Open the spool in a directory, creating both if missing. A file that cannot be read
	 * (corrupt, or of a newer schema) is moved aside and a new one started.
	 * @param directory the spool's directory
	 * @param clock names a file moved aside by when
	 * @return the open spool
	 * @throws UnusableSpoolException when the directory cannot be used, or another process holds
	 * the spool
	 */
	static SpoolStore open(Path directory, Clock clock) {
		FileChannel channel = lockChannel(directory);
		FileLock lock;
		try {
			lock = channel.tryLock();
		}
		catch (IOException | OverlappingFileLockException ex) {
			lock = null;
		}
		if (lock == null) {
			close(channel);
			throw new UnusableSpoolException("The spool at " + directory + " is in use by another forwarder (it holds the lock"
					+ " on " + directory.resolve(LOCK) + "). Give each application its own"
					+ " datasette.events-forward.spool.path");
		}
		try {
			return new SpoolStore(directory, channel, lock, connect(directory.resolve(FILE), clock));
		}
		catch (SQLException | RuntimeException ex) {
			release(lock, channel);
			throw new UnusableSpoolException("The spool at " + directory + " cannot be opened: " + ex.getMessage(), ex);
		}
	}

	private static FileChannel lockChannel(Path directory) {
		try {
			Files.createDirectories(directory);
			return FileChannel.open(directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		}
		catch (IOException | SecurityException ex) {
			throw new UnusableSpoolException("The spool directory " + directory + " cannot be created or written (" + ex
					+ "). Set datasette.events-forward.spool.path to a directory the application may write", ex);
		}
	}

	private static Connection connect(Path file, Clock clock) throws SQLException {
		try {
			return prepare(file);
		}
		catch (UnreadableSpoolException ex) {
			Path aside = moveAside(file, ex.reason, clock);
			logger.error("The spool file " + file + " cannot be read (" + ex.getMessage() + "): it was moved to "
					+ aside + ", and a new spool was started. The events in it were not sent; open it with sqlite3"
					+ " or datasette to see them");
			return prepare(file);
		}
	}

	private static Connection prepare(Path file) throws SQLException {
		Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
		try (Statement statement = connection.createStatement()) {
			int version;
			try (ResultSet result = statement.executeQuery("PRAGMA user_version")) {
				version = result.next() ? result.getInt(1) : 0;
			}
			if (version > SCHEMA_VERSION) {
				throw new UnreadableSpoolException("newer", "its schema is version " + version
						+ ", newer than this forwarder's " + SCHEMA_VERSION);
			}
			statement.execute("PRAGMA journal_mode=WAL");
			// Survives a crash of the process, which is what the spool is for; a power loss may
			// take the last commits.
			statement.execute("PRAGMA synchronous=NORMAL");
			statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id TEXT PRIMARY KEY, instance TEXT,"
					+ " event TEXT, created TEXT, actor_id TEXT, database_name TEXT, table_name TEXT, properties TEXT)");
			statement.execute("PRAGMA user_version = " + SCHEMA_VERSION);
			try (ResultSet result = statement.executeQuery("PRAGMA quick_check")) {
				String check = result.next() ? result.getString(1) : "ok";
				if (!"ok".equals(check)) {
					throw new UnreadableSpoolException("corrupt", check);
				}
			}
			return connection;
		}
		catch (SQLException ex) {
			connection.close();
			if (ex instanceof UnreadableSpoolException) {
				throw ex;
			}
			String message = String.valueOf(ex.getMessage());
			if (message.contains("SQLITE_NOTADB") || message.contains("SQLITE_CORRUPT")) {
				throw new UnreadableSpoolException("corrupt", message);
			}
			throw ex;
		}
	}

	private static Path moveAside(Path file, String reason, Clock clock) throws SQLException {
		Path aside = file.resolveSibling(file.getFileName() + "." + reason + "-" + STAMP.format(clock.instant()));
		try {
			Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
			for (String suffix : List.of("-wal", "-shm")) {
				Path companion = file.resolveSibling(file.getFileName() + suffix);
				if (Files.exists(companion)) {
					Files.move(companion, aside.resolveSibling(aside.getFileName() + suffix),
							StandardCopyOption.REPLACE_EXISTING);
				}
			}
			return aside;
		}
		catch (IOException ex) {
			throw new SQLException("The unreadable spool file " + file + " cannot be moved aside: " + ex, ex);
		}
	}

	static void release(FileLock lock, FileChannel channel) {
		try {
			lock.release();
		}
		catch (IOException ex) {
			// Released with the channel.
		}
		close(channel);
	}

	private static void close(FileChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// Nothing held any more.
		}
	}

	private static final class UnreadableSpoolException extends SQLException {

		private final String reason;

		UnreadableSpoolException(String reason, String message) {
			super(message);
			this.reason = reason;
		}

	}

}
