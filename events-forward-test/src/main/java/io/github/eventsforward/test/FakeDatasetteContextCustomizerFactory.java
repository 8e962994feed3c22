package io.github.eventsforward.test;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.TestPropertySourceUtils;

/**
 * Reads {@link AutoConfigureFakeDatasette} and {@link DisableEventsForwarding} off a Spring
 * test class. Its customizers are equal when the annotations are, so that test classes with
 * the same ones share a cached context, and its fake.
 */
class FakeDatasetteContextCustomizerFactory implements ContextCustomizerFactory {

	private static final String ENABLED = "datasette.events-forward.enabled";

	// The source of @DynamicPropertySource's properties (DynamicValuesPropertySource).
	private static final String DYNAMIC_PROPERTIES = "Dynamic Test Properties";

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		AutoConfigureFakeDatasette fake = TestContextAnnotationUtils.findMergedAnnotation(testClass,
				AutoConfigureFakeDatasette.class);
		DisableEventsForwarding off = TestContextAnnotationUtils.findMergedAnnotation(testClass,
				DisableEventsForwarding.class);
		if (fake != null && off != null) {
			throw new IllegalStateException(testClass.getName() + " has both @AutoConfigureFakeDatasette, which"
					+ " forwards to a fake Datasette, and @DisableEventsForwarding, which forwards nothing: keep one");
		}
		if (fake != null) {
			return new FakeDatasetteCustomizer(fake.database(), fake.token());
		}
		return (off != null) ? new ForwardingOffCustomizer() : null;
	}

	/**
	 * Starts a fake for the context and points the forwarder at it.
	 *
	 * @param database the fake's database
	 * @param token the fake's token, empty for none
	 */
	record FakeDatasetteCustomizer(String database, String token) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
			FakeDatasette datasette = FakeDatasette.start(this.database, this.token.isEmpty() ? null : this.token);
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			sources.addFirst(new MapPropertySource("fakeDatasette", Map.<String, Object>copyOf(datasette.connectionProperties())));
			// Below the test's own properties, above application.yml and the rest.
			MapPropertySource fast = new MapPropertySource("fakeDatasetteFastSettings", Map.<String, Object>copyOf(FakeDatasette.fastSettings()));
			String testProperties = lowestOf(sources, TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME,
					DYNAMIC_PROPERTIES);
			if (testProperties != null) {
				sources.addAfter(testProperties, fast);
			}
			else {
				sources.addAfter("fakeDatasette", fast);
			}
			ConfigurableListableBeanFactory beans = context.getBeanFactory();
			beans.registerSingleton(FakeDatasette.BEAN_NAME, datasette);
			if (beans instanceof DefaultSingletonBeanRegistry registry) {
				// Registered before every other bean, so destroyed after them all: the forwarder
				// delivers what is left while the fake still answers.
				registry.registerDisposableBean(FakeDatasette.BEAN_NAME, datasette::close);
			}
		}

		private static @Nullable String lowestOf(MutablePropertySources sources, String... names) {
			String lowest = null;
			for (String name : names) {
				if (sources.contains(name)
						&& (lowest == null || sources.precedenceOf(sources.get(name)) > sources
							.precedenceOf(sources.get(lowest)))) {
					lowest = name;
				}
			}
			return lowest;
		}

	}

	/**
	 * Switches forwarding off.
	 */
	record ForwardingOffCustomizer() implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("disableEventsForwarding", Map.of(ENABLED, "false")));
		}

	}

}
