package io.github.eventsforward.sample.receiver;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the sample's stand-in Datasette receiver.
 *
 * @param databaseFile SQLite file the rows are stored in; its name without {@code .db} is
 * the database name in the write API's URLs, as with {@code datasette events.db}
 * @param token the only token allowed to write, as {@code datasette create-token} would make it
 * @param maxInsertRows most rows one {@code /-/insert} request may carry (Datasette's
 * {@code max_insert_rows})
 * @param maxPostBodyBytes largest request body accepted (Datasette's
 * {@code max_post_body_bytes})
 */
@ConfigurationProperties("sample.receiver")
public record ReceiverProperties(Path databaseFile, String token, int maxInsertRows, long maxPostBodyBytes) {

	public ReceiverProperties {
		databaseFile = (databaseFile != null) ? databaseFile : Path.of("events.db");
		token = (token != null) ? token : "dstok_sample-receiver-token";
		maxInsertRows = (maxInsertRows > 0) ? maxInsertRows : 100;
		maxPostBodyBytes = (maxPostBodyBytes > 0) ? maxPostBodyBytes : 2_097_152;
	}

	/**
	 * Return the database name: the file name without its {@code .db} extension.
	 * @return the name
	 */
	public String databaseName() {
		String name = this.databaseFile.getFileName().toString();
		return name.endsWith(".db") ? name.substring(0, name.length() - 3) : name;
	}

}
