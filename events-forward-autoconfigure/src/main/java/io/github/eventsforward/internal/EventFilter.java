package io.github.eventsforward.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which event types are forwarded. An entry of {@code include} or {@code exclude}
 * is a package (matching its sub-packages too) or a type (matching its subtypes). Exclusions
 * win; a non-empty include list forwards only what it names; without one, everything but
 * Spring's own events ({@code org.springframework.*}) and the forwarder's is forwarded.
 * Decisions are cached per type, so the publisher thread pays for a lookup only.
 */
public final class EventFilter {

	private static final String SPRING_PACKAGE = "org.springframework";

	private static final Set<String> FORWARDER_PACKAGES = Set.of("io.github.eventsforward",
			"io.github.eventsforward.autoconfigure", "io.github.eventsforward.internal");

	private final List<String> include;

	private final List<String> exclude;

	private final ClassValue<Boolean> decisions = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> type) {
			return decide(type);
		}

	};

	/**
	 * Create a filter.
	 * @param include types or packages to forward; empty for all application events
	 * @param exclude types or packages never to forward
	 */
	public EventFilter(List<String> include, List<String> exclude) {
		this.include = clean(include);
		this.exclude = clean(exclude);
	}

	private static List<String> clean(List<String> entries) {
		return entries.stream().map(String::strip).filter((entry) -> !entry.isEmpty()).toList();
	}

	/**
	 * Return whether events of the given type are forwarded.
	 * @param type the type of the event, or of the payload of {@code publishEvent(Object)}
	 * @return whether to forward it
	 */
	public boolean accepts(Class<?> type) {
		return this.decisions.get(type);
	}

	private boolean decide(Class<?> type) {
		if (matchesAny(type, this.exclude)) {
			return false;
		}
		if (!this.include.isEmpty()) {
			return matchesAny(type, this.include);
		}
		String packageName = type.getPackageName();
		return !(inPackage(packageName, SPRING_PACKAGE) || FORWARDER_PACKAGES.contains(packageName));
	}

	private static boolean matchesAny(Class<?> type, List<String> entries) {
		if (entries.isEmpty()) {
			return false;
		}
		String packageName = type.getPackageName();
		Set<Class<?>> types = supertypes(type);
		for (String entry : entries) {
			if (inPackage(packageName, entry)) {
				return true;
			}
			for (Class<?> candidate : types) {
				if (entry.equals(candidate.getName()) || entry.equals(candidate.getCanonicalName())) {
					return true;
				}
			}
		}
		return false;
	}

	private static boolean inPackage(String packageName, String entry) {
		return packageName.equals(entry)
				|| (packageName.startsWith(entry) && packageName.charAt(entry.length()) == '.');
	}

	private static Set<Class<?>> supertypes(Class<?> type) {
		Set<Class<?>> types = new HashSet<>();
		Deque<Class<?>> pending = new ArrayDeque<>();
		pending.add(type);
		while (!pending.isEmpty()) {
			Class<?> next = pending.poll();
			if (next != null && types.add(next)) {
				if (next.getSuperclass() != null) {
					pending.add(next.getSuperclass());
				}
				pending.addAll(List.of(next.getInterfaces()));
			}
		}
		return types;
	}

}
