package io.github.eventsforward.autoconfigure;

import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * {@link RuntimeHintsRegistrar} for the forwarder's own types that are reached by reflection
 * at run time and that Spring does not register by itself. Spring already registers the
 * configuration properties (as {@code @ConfigurationProperties}), the endpoint's operations
 * and what they return (as {@code @ReadOperation} and {@code @WriteOperation} methods of a
 * bean), and the failure analyzer (as a {@code spring.factories} entry). Rows are written
 * and read back with Jackson's streaming API, which needs no hints; the application's own
 * events, and their {@code @EventName}, are the application's to register.
 */
final class EventsForwardRuntimeHints implements RuntimeHintsRegistrar {

	private static final String ROW_MAPPER = "io.github.eventsforward.DefaultEventRowMapper";

	private final BindingReflectionHintsRegistrar bindingRegistrar = new BindingReflectionHintsRegistrar();

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		// Jackson reads the mix-ins' methods and their annotations, which a type hint covers.
		hints.reflection().registerType(TypeReference.of(ROW_MAPPER + "$IgnoreSource"));
		hints.reflection().registerType(TypeReference.of(ROW_MAPPER + "$IgnoreTimestamp"));
		// The outbox's table scripts, read from the class path when it creates the table.
		hints.resources().registerPattern("io/github/eventsforward/outbox/*.sql");
		// Health details, written with Jackson whether or not the endpoint (and its hints) is there.
		this.bindingRegistrar.registerReflectionHints(hints.reflection(), ForwardCounts.class,
				ForwarderState.Status.class);
	}

}
