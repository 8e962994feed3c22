package io.github.eventsforward.autoconfigure;

import java.io.IOException;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.core.NativeDetector;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.util.ClassUtils;

import static io.github.eventsforward.autoconfigure.EventsForwardPropertiesValidator.invalid;

/**
 * Checks the entries of {@code include} and {@code exclude}: a typo in a type or package
 * name would otherwise forward nothing, or everything, without a word.
 */
final class EventTypes {

	private EventTypes() {
	}

	/**
	 * Check that every entry names a class or a package on the class path.
	 * @param name the property, {@code include} or {@code exclude}
	 * @param entries its entries
	 * @param classLoader where to look
	 * @return the entries, stripped, without empty ones
	 */
	static List<String> check(String name, List<String> entries, @Nullable ClassLoader classLoader) {
		List<String> names = entries.stream().map(String::strip).filter((entry) -> !entry.isEmpty()).toList();
		// In a native image only the types registered for reflection are there to be found.
		if (!NativeDetector.inNativeImage()) {
			for (String entry : names) {
				if (!isTypeOrPackage(entry, classLoader)) {
					throw invalid(name, entry, "names no class and no package on the class path: give the fully"
							+ " qualified name of an event type, such as com.example.shop.OrderPlaced, or of a package,"
							+ " such as com.example.shop");
				}
			}
		}
		return names;
	}

	private static boolean isTypeOrPackage(String name, @Nullable ClassLoader classLoader) {
		if (ClassUtils.isPresent(name, classLoader)) {
			return true;
		}
		String path = name.replace('.', '/');
		ClassLoader loader = (classLoader != null) ? classLoader : ClassUtils.getDefaultClassLoader();
		if (loader != null && (loader.getDefinedPackage(name) != null || loader.getResource(path + "/") != null)) {
			return true;
		}
		// Jars without directory entries: look for a class in the package or below it.
		try {
			return new PathMatchingResourcePatternResolver(loader).getResources("classpath*:" + path + "/**/*.class")
				.length > 0;
		}
		catch (IOException ex) {
			return true;
		}
	}

}
