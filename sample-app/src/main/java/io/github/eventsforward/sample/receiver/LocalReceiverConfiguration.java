package io.github.eventsforward.sample.receiver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.test.DatasetteWriteApi;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.sqlite.SQLiteDataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The stand-in Datasette receiver: on unless {@code DATASETTE_API_URL} points the starter at a
 * real Datasette.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(OnLocalReceiverCondition.class)
@EnableConfigurationProperties(ReceiverProperties.class)
class LocalReceiverConfiguration {

	private static final Log logger = LogFactory.getLog(LocalReceiverConfiguration.class);

	@Bean
	EventStore eventStore(ReceiverProperties properties) {
		Path file = properties.databaseFile().toAbsolutePath();
		try {
			Files.createDirectories(file.getParent());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot create the folder of " + file, ex);
		}
		SQLiteDataSource dataSource = new SQLiteDataSource();
		dataSource.setUrl("jdbc:sqlite:" + file);
		logger.info("Stand-in Datasette receiver stores forwarded events in " + file
				+ " (open it with: datasette " + file + ")");
		return new EventStore(new JdbcTemplate(dataSource),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), properties.databaseName());
	}

	@Bean
	DatasetteWriteApi receiverWriteApi(EventStore store, ReceiverProperties properties) {
		DatasetteWriteApi api = new DatasetteWriteApi(properties.databaseName(), properties.token(), store);
		api.maxInsertRows(properties.maxInsertRows());
		api.maxBodySize(properties.maxPostBodyBytes());
		return api;
	}

	// With the spool, what the receiver did not get in a moment is sent at the next start.
	@Bean
	ForwarderDrain forwarderDrain(ObjectProvider<EventsForwarder> forwarder,
			@Value("${datasette.events-forward.shutdown-timeout:10s}") Duration timeout,
			@Value("${datasette.events-forward.spool.enabled:false}") boolean spooled) {
		return new ForwarderDrain(forwarder, spooled ? Duration.ofSeconds(2) : timeout);
	}

}
