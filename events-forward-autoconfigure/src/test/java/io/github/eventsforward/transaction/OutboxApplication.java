package io.github.eventsforward.transaction;

import java.math.BigDecimal;

import javax.sql.DataSource;

import com.example.shop.OrderPlaced;
import com.zaxxer.hikari.HikariDataSource;
import io.github.eventsforward.autoconfigure.EventsForwardAutoConfiguration;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An application that places orders {@code o-0}, {@code o-1}, ... in transactions of ten,
 * each order a row of its own table and an event in the outbox, for a test to kill. Started
 * in a JVM of its own with the database's JDBC URL first and the forwarder's properties
 * after it; after each commit it prints {@code committed <orders>}.
 */
public final class OutboxApplication {

	static final int PER_TRANSACTION = 10;

	private OutboxApplication() {
	}

	public static void main(String[] args) {
		String url = args[0];
		String[] properties = java.util.Arrays.copyOfRange(args, 1, args.length);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties("shop.url=" + url)
			.run(properties);
		DataSource dataSource = context.getBean(DataSource.class);
		TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		for (long placed = 0;; placed += PER_TRANSACTION) {
			long first = placed;
			transaction.executeWithoutResult((status) -> {
				for (long i = first; i < first + PER_TRANSACTION; i++) {
					jdbc.update("INSERT INTO orders (id) VALUES (?)", "o-" + i);
					context.publishEvent(new OrderPlaced("o-" + i, "alice", 1, BigDecimal.ONE));
				}
			});
			// After the commit: every order below the count is committed.
			System.out.println("committed " + (placed + PER_TRANSACTION));
			System.out.flush();
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ JacksonAutoConfiguration.class, HttpClientAutoConfiguration.class,
			ReactiveHttpClientAutoConfiguration.class, WebClientAutoConfiguration.class,
			EventsForwardAutoConfiguration.class })
	static class Application {

		@Bean
		HikariDataSource dataSource(org.springframework.core.env.Environment environment) {
			HikariDataSource dataSource = new HikariDataSource();
			dataSource.setJdbcUrl(environment.getRequiredProperty("shop.url"));
			dataSource.setMaximumPoolSize(4);
			return dataSource;
		}

	}

}
