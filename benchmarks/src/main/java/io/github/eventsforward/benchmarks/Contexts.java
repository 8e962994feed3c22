package io.github.eventsforward.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.event.TransactionalEventListenerFactory;

/**
 * The Spring contexts the benchmarks publish into: a non-web Boot application with every
 * auto-configuration on the class path, the starter's included, as an application that adds
 * the starter gets.
 */
final class Contexts {

	private Contexts() {
	}

	/**
	 * Start an application with the starter active, forwarding to {@code apiUrl} with the
	 * rate limits lifted.
	 * @param apiUrl the write API URL
	 * @param extra further properties, by their full names
	 * @return the running context
	 */
	static ConfigurableApplicationContext forwarding(String apiUrl, Map<String, Object> extra) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("datasette.events-forward.api-url", apiUrl);
		// Loopback only, so the forwarder does not warn about a token sent in clear text; set
		// so that it does not warn about a missing one either.
		properties.put("datasette.events-forward.api-token", "benchmark");
		properties.put("datasette.events-forward.batch-limit", 100);
		properties.put("datasette.events-forward.max-rate", 1_000_000);
		properties.put("datasette.events-forward.time-period", "1s");
		properties.putAll(extra);
		return start(ForwardingApplication.class, properties);
	}

	/**
	 * Return the properties that turn the spool on, in a new temporary directory that is
	 * deleted when the JVM exits.
	 * @return the properties
	 */
	static Map<String, Object> spool() {
		Path directory;
		try {
			directory = Files.createTempDirectory("bench-spool");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(directory)));
		return Map.of("datasette.events-forward.spool.enabled", true, "datasette.events-forward.spool.path",
				directory.toString());
	}

	static void delete(Path directory) {
		try (Stream<Path> files = Files.walk(directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			// A temporary directory: the system cleans it up eventually.
		}
	}

	/**
	 * Start the same application without the starter's forwarding (no API URL) and with one
	 * no-op {@code @EventListener} for {@link OrderPlaced} instead.
	 * @return the running context
	 */
	static ConfigurableApplicationContext noopListener() {
		return start(NoopListenerApplication.class, Map.of());
	}

	/**
	 * Start the same application without the starter's forwarding and without any listener
	 * for {@link OrderPlaced}: what {@code publishEvent} costs on its own.
	 * @return the running context
	 */
	static ConfigurableApplicationContext noListener() {
		return start(NoListenerApplication.class, Map.of());
	}

	/**
	 * Start the same application without the starter's forwarding and with one no-op
	 * {@code @TransactionalEventListener} for {@link OrderPlaced}.
	 * @return the running context
	 */
	static ConfigurableApplicationContext transactionalListener() {
		return start(TransactionalListenerApplication.class, Map.of());
	}

	/**
	 * Spring Modulith's auto-configurations, for the applications that run without it.
	 */
	static final String NO_MODULITH = String.join(",",
			"org.springframework.modulith.events.config.EventPublicationAutoConfiguration",
			"org.springframework.modulith.events.config.EventExternalizationAutoConfiguration",
			"org.springframework.modulith.events.jdbc.JdbcEventPublicationAutoConfiguration",
			"org.springframework.modulith.moments.autoconfigure.MomentsAutoConfiguration",
			"org.springframework.modulith.core.config.ApplicationModuleInitializerRuntimeVerification");

	/**
	 * The auto-configurations of a database and of Spring Modulith's event publication
	 * registry, which the benchmarks module has for {@link OutboxBenchmark}: the other
	 * applications run without them, as an application without a database does.
	 */
	static final String NO_DATABASE = String.join(",",
			"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
			"org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
			"org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration",
			"org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration",
			NO_MODULITH);

	/**
	 * Start an application with the given configuration and properties, with a database if
	 * the properties name one.
	 * @param application the configuration class
	 * @param properties the properties, by their full names
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(Class<?> application, Map<String, Object> properties) {
		Map<String, Object> all = new LinkedHashMap<>(properties);
		all.putIfAbsent("spring.autoconfigure.exclude", NO_DATABASE);
		all.put("logging.level.root", "WARN");
		all.put("spring.main.register-shutdown-hook", false);
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(all)
			.run();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ForwardingApplication {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class NoListenerApplication {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class NoopListenerApplication {

		@EventListener
		public void on(OrderPlaced event) {
			// The baseline: a listener that does nothing.
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TransactionalListenerApplication {

		// What @EnableTransactionManagement registers: without it the listener would run at once.
		@Bean
		static TransactionalEventListenerFactory transactionalEventListenerFactory() {
			return new TransactionalEventListenerFactory();
		}

		@TransactionalEventListener
		public void on(OrderPlaced event) {
			// The baseline: a listener after commit that does nothing.
		}

	}

}
