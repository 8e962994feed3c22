package io.github.eventsforward.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * Forward a test's events to a {@link FakeDatasette} of its own. On a
 * {@code @SpringBootTest}, or a slice such as {@code @WebMvcTest} (the forwarder's
 * auto-configuration is imported), it starts the fake on a free loopback port, makes it a
 * bean the test can inject, and points the forwarder at it, before every other setting: the
 * URL in {@code application.yml} is never reached. It also makes the forwarder quick: a
 * 20 ms {@code flush-interval}, no wait for the rate limit, a 2 s {@code shutdown-timeout}
 * and a 50 ms first retry, unless the test sets them itself (in
 * {@code @SpringBootTest(properties = ...)}, {@code @TestPropertySource} or
 * {@code @DynamicPropertySource}). After each test method, the forwarder is flushed and the
 * fake {@linkplain FakeDatasette#reset() reset}, so a context that tests share starts each
 * test empty.
 * <p>
 * On a test class without Spring's test support, as one that uses
 * {@code ApplicationContextRunner}, a test method's {@link FakeDatasette} parameter gets a
 * fake of its own, stopped after the method; hand it to the runner with
 * {@code withInitializer(datasette)}.
 *
 * @see FakeDatasette
 * @see DisableEventsForwarding
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
@ExtendWith(FakeDatasetteExtension.class)
public @interface AutoConfigureFakeDatasette {

	/**
	 * The database of the fake's URLs.
	 * @return the database
	 */
	String database() default FakeDatasette.DEFAULT_DATABASE;

	/**
	 * The only token that may write, which the forwarder is given; empty to let anyone
	 * write and send none.
	 * @return the token
	 */
	String token() default FakeDatasette.DEFAULT_TOKEN;

}
