package io.github.eventsforward.test;

import java.lang.reflect.Method;
import java.time.Duration;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * After each test method of a context with a {@link FakeDatasette}: lets the fake answer as
 * usual, flushes the forwarder so that the test's last events are not counted in the next
 * test, and resets the fake.
 */
class FakeDatasetteTestExecutionListener extends AbstractTestExecutionListener {

	// Named, not imported: this module comes before the starter (see its pom).
	private static final String FORWARDER = "io.github.eventsforward.EventsForwarder";

	private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);

	@Override
	public int getOrder() {
		return LOWEST_PRECEDENCE - 100;
	}

	@Override
	public void afterTestMethod(TestContext testContext) {
		if (!testContext.hasApplicationContext()) {
			return;
		}
		ApplicationContext context = testContext.getApplicationContext();
		if (context instanceof ConfigurableApplicationContext configurable && !configurable.isActive()) {
			return;
		}
		if (!context.containsBean(FakeDatasette.BEAN_NAME)) {
			return;
		}
		FakeDatasette datasette = context.getBean(FakeDatasette.BEAN_NAME, FakeDatasette.class);
		datasette.recover();
		flush(context);
		datasette.reset();
	}

	private static void flush(ApplicationContext context) {
		ClassLoader classLoader = context.getClassLoader();
		if (!ClassUtils.isPresent(FORWARDER, classLoader)) {
			return;
		}
		Class<?> type = ClassUtils.resolveClassName(FORWARDER, classLoader);
		Method flush = ReflectionUtils.findMethod(type, "flush", Duration.class);
		if (flush != null) {
			context.getBeanProvider(type).orderedStream()
				.forEach((forwarder) -> ReflectionUtils.invokeMethod(flush, forwarder, FLUSH_TIMEOUT));
		}
	}

}
