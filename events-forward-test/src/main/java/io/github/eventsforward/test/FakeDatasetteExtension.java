package io.github.eventsforward.test;

import java.util.Arrays;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * Resolves {@link FakeDatasette} parameters of tests annotated with
 * {@link AutoConfigureFakeDatasette}: the context's fake in a Spring test, else a fake of the
 * test method's own, stopped after it.
 */
class FakeDatasetteExtension implements ParameterResolver {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(FakeDatasetteExtension.class);

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
		// @Autowired ones are Spring's to resolve.
		return parameter.getParameter().getType() == FakeDatasette.class && !parameter.isAnnotated(Autowired.class);
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
		if (isSpringTest(extension.getRequiredTestClass())) {
			return SpringExtension.getApplicationContext(extension).getBean(FakeDatasette.class);
		}
		AutoConfigureFakeDatasette settings = settings(extension.getRequiredTestClass());
		return extension.getStore(NAMESPACE).getOrComputeIfAbsent(FakeDatasette.class,
				(key) -> FakeDatasette.start(settings.database(),
						settings.token().isEmpty() ? null : settings.token()),
				FakeDatasette.class);
	}

	private static AutoConfigureFakeDatasette settings(Class<?> testClass) {
		for (Class<?> type = testClass; type != null; type = type.getEnclosingClass()) {
			AutoConfigureFakeDatasette settings = MergedAnnotations.from(type, SearchStrategy.TYPE_HIERARCHY)
				.get(AutoConfigureFakeDatasette.class)
				.synthesize(java.util.Objects::nonNull)
				.orElse(null);
			if (settings != null) {
				return settings;
			}
		}
		throw new IllegalStateException(testClass.getName() + " resolves a FakeDatasette parameter without"
				+ " @AutoConfigureFakeDatasette");
	}

	private static boolean isSpringTest(Class<?> testClass) {
		for (Class<?> type = testClass; type != null; type = type.getEnclosingClass()) {
			boolean spring = MergedAnnotations.from(type, SearchStrategy.TYPE_HIERARCHY)
				.stream(ExtendWith.class)
				.anyMatch((extendWith) -> Arrays.asList(extendWith.getClassArray("value"))
					.contains(SpringExtension.class));
			if (spring) {
				return true;
			}
		}
		return false;
	}

}
