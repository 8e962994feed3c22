package io.github.eventsforward.testsupport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.web.context.reactive.AnnotationConfigReactiveWebApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A whole Spring Boot WebFlux application, auto-configured from the test class path
 * (WebFlux, Actuator, Micrometer, the forwarder), as a user's application is, and a client
 * that sends HTTP requests through its WebFlux handler. The test class path has no embedded
 * server module, so requests reach the handler without a socket. Boot's logging system is
 * left out so that it does not reset the logging that the tests capture.
 */
public final class WebApplication implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final WebTestClient client;

	private WebApplication(ConfigurableApplicationContext context) {
		this.context = context;
		this.client = WebTestClient.bindToApplicationContext(context)
			.configureClient()
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	/**
	 * Start an application.
	 * @param properties its properties, {@code name=value}
	 * @return the running application
	 */
	public static WebApplication start(String... properties) {
		return start(Map.of(), properties);
	}

	/**
	 * Start an application with a property source of its own besides its properties, as
	 * environment variables or a vault would be.
	 * @param propertySource the further properties
	 * @param properties its properties, {@code name=value}
	 * @return the running application
	 */
	public static WebApplication start(Map<String, Object> propertySource, String... properties) {
		return new WebApplication(application(propertySource, properties).run());
	}

	/**
	 * Try to start an application that is expected to fail.
	 * @param properties its properties, {@code name=value}
	 * @return why it failed, or {@code null} if it started (it is closed again)
	 */
	public static @Nullable Throwable startupFailure(String... properties) {
		try (ConfigurableApplicationContext context = application(Map.of(), properties).run()) {
			return null;
		}
		catch (RuntimeException ex) {
			return ex;
		}
	}

	private static SpringApplication application(Map<String, Object> propertySource, String... properties) {
		SpringApplication application = new SpringApplication(Application.class);
		application.setWebApplicationType(WebApplicationType.REACTIVE);
		application.setApplicationContextFactory((type) -> new AnnotationConfigReactiveWebApplicationContext());
		application.setBannerMode(Banner.Mode.OFF);
		application.setRegisterShutdownHook(false);
		List<ApplicationListener<?>> listeners = application.getListeners()
			.stream()
			.filter((listener) -> !(listener instanceof LoggingApplicationListener))
			.toList();
		application.setListeners(listeners);
		Map<String, Object> values = new LinkedHashMap<>();
		for (String property : properties) {
			int equals = property.indexOf('=');
			values.put(property.substring(0, equals), property.substring(equals + 1));
		}
		application.addInitializers((context) -> {
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("testProperties", values));
			if (!propertySource.isEmpty()) {
				context.getEnvironment()
					.getPropertySources()
					.addLast(new MapPropertySource("testSecrets", Map.copyOf(propertySource)));
			}
		});
		return application;
	}

	/**
	 * Return the application's context.
	 * @return the context
	 */
	public ConfigurableApplicationContext context() {
		return this.context;
	}

	/**
	 * Return a client of the application's HTTP server.
	 * @return the client
	 */
	public WebTestClient client() {
		return this.client;
	}

	/**
	 * Return a bean of the application.
	 * @param <T> the bean's type
	 * @param type the bean's type
	 * @return the bean
	 */
	public <T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Application {

	}

}
