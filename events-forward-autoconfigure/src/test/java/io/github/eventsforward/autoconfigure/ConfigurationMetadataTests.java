package io.github.eventsforward.autoconfigure;

import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration processor's output, which IDEs read for completion and documentation.
 */
class ConfigurationMetadataTests {

	private static final String PREFIX = "datasette.events-forward.";

	private static final Object NO_DEFAULT = new Object();

	private static final Map<String, Object> EXPECTED = new LinkedHashMap<>();

	static {
		EXPECTED.put("enabled", true);
		EXPECTED.put("api-url", NO_DEFAULT);
		EXPECTED.put("api-token", NO_DEFAULT);
		EXPECTED.put("instance", NO_DEFAULT);
		EXPECTED.put("table", "datasette_events");
		EXPECTED.put("batch-limit", 10);
		EXPECTED.put("max-rate", 1);
		EXPECTED.put("max-in-flight", 1);
		EXPECTED.put("time-period", "10s");
		EXPECTED.put("flush-interval", "1s");
		EXPECTED.put("buffer-capacity", 10000);
		EXPECTED.put("buffer-overflow", "drop-newest");
		EXPECTED.put("max-request-size", "2000KB");
		EXPECTED.put("shutdown-timeout", "10s");
		EXPECTED.put("connect-timeout", "5s");
		EXPECTED.put("request-timeout", "30s");
		EXPECTED.put("include", NO_DEFAULT);
		EXPECTED.put("exclude", NO_DEFAULT);
		EXPECTED.put("transaction-phase", "after-commit");
		EXPECTED.put("retry.initial-backoff", "1s");
		EXPECTED.put("retry.max-backoff", "30s");
		EXPECTED.put("retry.give-up-after", "10m");
		EXPECTED.put("ssl.bundle", NO_DEFAULT);
		EXPECTED.put("health.max-queue-age", "5m");
		EXPECTED.put("spool.enabled", false);
		EXPECTED.put("spool.path", NO_DEFAULT);
		EXPECTED.put("spool.max-size", "256MB");
		EXPECTED.put("outbox.enabled", false);
		EXPECTED.put("outbox.initialize-schema", "embedded");
		EXPECTED.put("outbox.lease", "1m");
		EXPECTED.put("outbox.poll-interval", "1s");
	}

	private static Map<String, JsonNode> properties;

	private static Map<String, JsonNode> hints;

	@BeforeAll
	static void readMetadata() throws Exception {
		JsonNode metadata = null;
		for (URL url : Collections.list(ConfigurationMetadataTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				JsonNode candidate = JsonMapper.shared().readTree(in);
				if (candidate.path("groups").valueStream()
					.anyMatch((group) -> "datasette.events-forward".equals(group.path("name").asString()))) {
					metadata = candidate;
				}
			}
		}
		assertThat(metadata).as("generated metadata of the starter").isNotNull();
		hints = new LinkedHashMap<>();
		metadata.path("hints").valueStream()
			.filter((hint) -> hint.path("name").asString().startsWith(PREFIX))
			.forEach((hint) -> hints.put(hint.path("name").asString().substring(PREFIX.length()), hint));
		properties = new LinkedHashMap<>();
		metadata.path("properties").valueStream()
			.filter((property) -> property.path("name").asString().startsWith(PREFIX))
			.forEach((property) -> properties.put(property.path("name").asString().substring(PREFIX.length()),
					property));
	}

	@Test
	void listsEveryPropertyAndNoOther() {
		assertThat(properties.keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
	}

	@Test
	void describesEveryProperty() {
		properties.forEach((name, property) -> {
			String description = property.path("description").asString("");
			assertThat(description).as(name).isNotBlank().endsWith(".").doesNotStartWith("The ").doesNotStartWith("A ");
			assertThat(property.path("sourceType").asString()).as(name)
				.startsWith(EventsForwardProperties.class.getName());
		});
	}

	@Test
	void showsEveryDefault() {
		EXPECTED.forEach((name, expected) -> {
			JsonNode defaultValue = properties.get(name).get("defaultValue");
			if (expected == NO_DEFAULT) {
				assertThat(defaultValue).as(name).isNull();
			}
			else {
				assertThat(defaultValue).as("default of " + name).isNotNull();
				assertThat(defaultValue.isNumber() ? (Object) defaultValue.asInt()
						: defaultValue.isBoolean() ? (Object) defaultValue.asBoolean() : defaultValue.asString())
					.as("default of " + name)
					.isEqualTo(expected);
			}
		});
	}

	@Test
	void typesDurationsAndLists() {
		assertThat(properties.get("time-period").path("type").asString()).isEqualTo("java.time.Duration");
		assertThat(properties.get("include").path("type").asString()).isEqualTo("java.util.List<java.lang.String>");
		assertThat(properties.get("batch-limit").path("type").asString()).isEqualTo("java.lang.Integer");
	}

	@Test
	void offersTheBufferOverflowPoliciesForCompletion() {
		assertThat(hints.get("buffer-overflow").path("values").valueStream().map((value) -> value.path("value").asString()))
			.containsExactly("drop-newest", "drop-oldest");
		assertThat(hints.get("buffer-overflow").path("values").valueStream())
			.allSatisfy((value) -> assertThat(value.path("description").asString()).isNotBlank());
	}

	@Test
	void offersTheTransactionPhasesForCompletion() {
		assertThat(hints.get("transaction-phase").path("values").valueStream().map((value) -> value.path("value").asString()))
			.containsExactly("after-commit", "none");
	}

	@Test
	void offersClassesForIncludeAndExclude() {
		for (String name : new String[] { "include", "exclude" }) {
			JsonNode provider = hints.get(name).path("providers").get(0);
			assertThat(provider.path("name").asString()).as(name).isEqualTo("class-reference");
			assertThat(provider.at("/parameters/target").asString()).as(name).isEqualTo("java.lang.Object");
		}
	}

	@Test
	void hintsOnlyPropertiesThatExist() {
		assertThat(properties.keySet()).containsAll(hints.keySet());
	}

	@Test
	void deprecatesNothing() {
		assertThat(properties.values()).allSatisfy((property) -> assertThat(property.has("deprecation")).isFalse());
	}

}
