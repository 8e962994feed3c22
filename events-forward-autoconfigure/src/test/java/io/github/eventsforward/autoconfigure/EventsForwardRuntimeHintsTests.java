package io.github.eventsforward.autoconfigure;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.EventObject;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.ForwarderState;
import io.github.eventsforward.actuate.EventsForwardEndpoint;
import io.github.eventsforward.actuate.EventsForwardHealthIndicator;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.aot.hint.annotation.ReflectiveRuntimeHintsRegistrar;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.aot.hint.predicate.RuntimeHintsPredicates.reflection;

/**
 * The runtime hints a native image needs for the forwarder's own types: those that
 * {@link EventsForwardRuntimeHints} registers, found as Spring AOT finds them, and those
 * that Spring registers by itself.
 */
class EventsForwardRuntimeHintsTests {

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner
		.withAutoConfigurations(EventsForwardActuatorAutoConfiguration.class)
		.withPropertyValues("datasette.events-forward.api-url=http://localhost:8001/data/-/create");

	@Test
	void isListedInAotFactories() {
		assertThat(AotServices.factories(getClass().getClassLoader()).load(RuntimeHintsRegistrar.class).asList())
			.hasAtLeastOneElementOfType(EventsForwardRuntimeHints.class);
	}

	@Test
	void registersTheMixInsThatTheRowMapperUses() {
		RuntimeHints hints = forwarderHints();
		for (Class<?> mixIn : rowMapperMixIns()) {
			assertThat(reflection().onType(mixIn)).as(mixIn.getName()).accepts(hints);
		}
	}

	@Test
	void registersTheOutboxTableScripts() {
		RuntimeHints hints = forwarderHints();
		for (String dialect : List.of("h2", "mysql", "postgresql")) {
			String script = "io/github/eventsforward/outbox/schema-" + dialect + ".sql";
			assertThat(getClass().getClassLoader().getResource(script)).as(script).isNotNull();
			assertThat(RuntimeHintsPredicates.resource().forResource(script)).as(script).accepts(hints);
		}
	}

	@Test
	void registersTheForwardersTypesInTheHealthDetailsForBinding() {
		RuntimeHints hints = forwarderHints();
		ForwarderState paused = new ForwarderState(ForwarderState.Status.PAUSED, "HTTP 401", Instant.now(),
				"HTTP 401", Instant.now());
		EventsForwardHealthIndicator indicator = new EventsForwardHealthIndicator(forwarder(paused),
				Duration.ofMinutes(5));
		List<Class<?>> types = indicator.health()
			.getDetails()
			.values()
			.stream()
			.<Class<?>>map(Object::getClass)
			.filter((type) -> type.getPackageName().startsWith("io.github.eventsforward"))
			.toList();
		assertThat(types).containsExactlyInAnyOrder(ForwardCounts.class, ForwarderState.Status.class);
		types.forEach((type) -> assertThat(boundForJackson(type)).as(type.getName()).accepts(hints));
	}

	@Test
	void leavesWhatTheEndpointReturnsToBoot() {
		RuntimeHints hints = new RuntimeHints();
		new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, EventsForwardEndpoint.class);
		for (Class<?> type : List.of(EventsForwardEndpoint.ForwarderDescriptor.class,
				EventsForwardEndpoint.FlushResult.class, ForwardCounts.class, ForwarderState.class,
				ForwarderState.Status.class)) {
			assertThat(boundForJackson(type)).as(type.getName()).accepts(hints);
		}
		// Boot's hints suffice, so the registrar does not repeat them.
		assertThat(reflection().onType(EventsForwardEndpoint.ForwarderDescriptor.class)).rejects(forwarderHints());
	}

	@Test
	void leavesTheFailureAnalyzerToTheHintsOfSpringFactories() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		AotServices.factories(getClass().getClassLoader())
			.load(RuntimeHintsRegistrar.class)
			.forEach((registrar) -> registrar.registerHints(hints, getClass().getClassLoader()));
		assertThat(reflection()
			.onConstructorInvocation(EventsForwardFailureAnalyzer.class.getDeclaredConstructor())).accepts(hints);
	}

	@Test
	void aheadOfTimeProcessingRegistersTheForwardersHintsWithoutTheEndpoint() {
		this.contextRunner.prepare((context) -> {
			RuntimeHints hints = processAheadOfTime(context.getSourceApplicationContext(GenericApplicationContext.class));
			rowMapperMixIns().forEach((mixIn) -> assertThat(reflection().onType(mixIn)).accepts(hints));
			assertThat(boundForJackson(ForwardCounts.class)).accepts(hints);
			assertThat(boundForJackson(ForwarderState.Status.class)).accepts(hints);
			assertThat(reflection().onType(EventsForwardEndpoint.ForwarderDescriptor.class)).rejects(hints);
		});
	}

	@Test
	void aheadOfTimeProcessingRegistersWhatTheEndpointReturns() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=eventsforward")
			.prepare((context) -> {
				RuntimeHints hints = processAheadOfTime(
						context.getSourceApplicationContext(GenericApplicationContext.class));
				assertThat(boundForJackson(EventsForwardEndpoint.ForwarderDescriptor.class)).accepts(hints);
				assertThat(boundForJackson(EventsForwardEndpoint.FlushResult.class)).accepts(hints);
				assertThat(boundForJackson(ForwarderState.class)).accepts(hints);
			});
	}

	private static RuntimeHints forwarderHints() {
		RuntimeHints hints = new RuntimeHints();
		new EventsForwardRuntimeHints().registerHints(hints, EventsForwardRuntimeHintsTests.class.getClassLoader());
		return hints;
	}

	private static List<Class<?>> rowMapperMixIns() {
		JsonMapper jsonMapper = (JsonMapper) ReflectionTestUtils.getField(new DefaultEventRowMapper(), "jsonMapper");
		assertThat(jsonMapper).isNotNull();
		List<Class<?>> mixIns = Stream.of(EventObject.class, ApplicationEvent.class)
			.<Class<?>>map((target) -> jsonMapper.serializationConfig().findMixInClassFor(target))
			.toList();
		assertThat(mixIns).doesNotContainNull();
		return mixIns;
	}

	private static RuntimeHints processAheadOfTime(GenericApplicationContext context) {
		DefaultGenerationContext generationContext = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get("com.example", "ShopApplication")), new InMemoryGeneratedFiles());
		new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
		return generationContext.getRuntimeHints();
	}

	// What Jackson needs to write a type: its constructors and, for a record, its accessors.
	private static Predicate<RuntimeHints> boundForJackson(Class<?> type) {
		Predicate<RuntimeHints> bound = reflection().onType(type)
			.withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS);
		if (type.isRecord()) {
			for (RecordComponent component : type.getRecordComponents()) {
				bound = bound.and(reflection().onMethodInvocation(component.getAccessor()));
			}
		}
		return bound;
	}

	private static EventsForwarder forwarder(ForwarderState state) {
		return new EventsForwarder() {

			@Override
			public ForwardCounts counts() {
				return new ForwardCounts(3, 1, 0, 0, 2);
			}

			@Override
			public ForwarderState state() {
				return state;
			}

			@Override
			public Duration oldestQueuedAge() {
				return Duration.ofSeconds(1);
			}

			@Override
			public boolean flush(Duration timeout) {
				return true;
			}

		};
	}

}
