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

	// A type by a name the event filter matches: its binary name (Outer$Inner) or its
	// canonical one (Outer.Inner), nested at any depth.
	private static boolean isType(String name, @Nullable ClassLoader loader) {
		String candidate = name;
		while (true) {
			try {
				Class<?> type = Class.forName(candidate, false, loader);
				return name.equals(type.getName()) || name.equals(type.getCanonicalName());
			}
			catch (ClassNotFoundException | LinkageError ex) {
				// Not this one: try the last dot as the nesting of a class.
			}
			int dot = candidate.lastIndexOf('.');
			if (dot < 0) {
				return false;
			}
			candidate = candidate.substring(0, dot) + '$' + candidate.substring(dot + 1);
		}
	}

	private static boolean isTypeOrPackage(String name, @Nullable ClassLoader classLoader) {
		ClassLoader loader = (classLoader != null) ? classLoader : ClassUtils.getDefaultClassLoader();
		if (isType(name, loader)) {
			return true;
		}
		String path = name.replace('.', '/');
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
