package io.github.eventsforward.testsupport;

import java.util.ArrayList;
import java.util.List;

import io.github.eventsforward.autoconfigure.EventsForwardAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;

/**
 * Runs the application context of an application that has the starter: Jackson, Boot's
 * HTTP clients, its {@code WebClient.Builder} and the forwarder's auto-configuration.
 */
public final class ForwarderContextRunner {

	private ForwarderContextRunner() {
	}

	/**
	 * Return a runner for the forwarder's auto-configuration and what it builds on, and the
	 * given auto-configurations besides (their order does not matter: auto-configurations
	 * are sorted).
	 * @param more further auto-configurations, such as the actuator's or the metrics'
	 * @return the runner
	 */
	public static ApplicationContextRunner withAutoConfigurations(Class<?>... more) {
		List<Class<?>> classes = new ArrayList<>(List.of(JacksonAutoConfiguration.class,
				HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
				WebClientAutoConfiguration.class, EventsForwardAutoConfiguration.class));
		classes.addAll(List.of(more));
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(classes.toArray(Class<?>[]::new)));
	}

	/**
	 * Return the properties that make the forwarder send within 50 ms, up to 1,000 events a
	 * second, and retry after 10 to 50 ms, so that what a test waits for happens within a
	 * moment; then the given ones.
	 * @param more further properties, {@code name=value}
	 * @return the properties
	 */
	public static String[] quickDelivery(String... more) {
		List<String> properties = new ArrayList<>(List.of("datasette.events-forward.flush-interval=50ms",
				"datasette.events-forward.max-rate=1000", "datasette.events-forward.time-period=1s",
				"datasette.events-forward.retry.initial-backoff=10ms",
				"datasette.events-forward.retry.max-backoff=50ms"));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

}
