package io.github.eventsforward.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.github.eventsforward.DefaultEventRowMapper;
import io.github.eventsforward.EventRow;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.MappedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.ser.std.StdSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The rows the forwarder makes of events are, byte for byte, the rows it made when it read
 * every event into a tree: {@link TreeReference} keeps that way as the reference, and each
 * test sends the same events, in the same order, through both.
 */
class RowBytesTests {

	private static final long PUBLISHED = 1_795_000_000_123_456L;

	static Stream<Arguments> mappers() {
		return Stream.of(Arguments.of("defaults", JsonMapper.shared()),
				Arguments.of("snake case",
						JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build()),
				Arguments.of("indented", JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build()),
				Arguments.of("non-ASCII and slashes escaped",
						JsonMapper.builder()
							.enable(JsonWriteFeature.ESCAPE_NON_ASCII, JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
							.build()),
				Arguments.of("lower-case hex, surrogates apart, NaN as number",
						JsonMapper.builder()
							.disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE,
									JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8,
									JsonWriteFeature.WRITE_NAN_AS_STRINGS)
							.build()),
				Arguments.of("plain decimals, numbers as text",
						JsonMapper.builder()
							.enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
							.enable(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS)
							.build()),
				Arguments.of("sorted properties and map entries",
						JsonMapper.builder()
							.enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
							.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
							.build()),
				Arguments.of("unquoted names",
						JsonMapper.builder().disable(JsonWriteFeature.QUOTE_PROPERTY_NAMES).build()),
				Arguments.of("single quotes", JsonMapper.builder(JsonFactory.builder().quoteChar('\'').build()).build()),
				Arguments.of("own character escapes",
						JsonMapper.builder(JsonFactory.builder().characterEscapes(new EscapeLetterA()).build()).build()),
				Arguments.of("escapes above 'b'",
						JsonMapper.builder(JsonFactory.builder().highestNonEscapedChar('b').build()).build()),
				Arguments.of("non-null only",
						JsonMapper.builder()
							.changeDefaultPropertyInclusion(
									(inclusion) -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
							.build()),
				Arguments.of("a module's serializers", JsonMapper.builder().addModule(new ShoutingModule()).build()),
				Arguments.of("a module's null serializer", JsonMapper.builder().addModule(new EmptyNullsModule()).build()),
				Arguments.of("tree properties sorted",
						JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build()),
				Arguments.of("tree nulls left out",
						JsonMapper.builder().disable(JsonNodeFeature.WRITE_NULL_PROPERTIES).build()),
				Arguments.of("tree decimals stripped",
						JsonMapper.builder().enable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).build()),
				Arguments.of("tree empty arrays left out",
						JsonMapper.builder().disable(SerializationFeature.WRITE_EMPTY_JSON_ARRAYS).build()),
				Arguments.of("root values wrapped", JsonMapper.builder().enable(SerializationFeature.WRAP_ROOT_VALUE).build()),
				Arguments.of("default typing",
						JsonMapper.builder()
							.activateDefaultTyping(
									BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
									DefaultTyping.NON_FINAL)
							.build()));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("mappers")
	void rowsAreTheRowsOfTheTree(String description, JsonMapper jsonMapper) {
		List<Object> events = new ArrayList<>(MappingSamples.events());
		events.addAll(MappingSamples.failing());
		// Once more, so that each event also follows others on the same generators.
		events.addAll(MappingSamples.events());
		assertSameRows(new DefaultEventRowMapper(jsonMapper), jsonMapper, jsonMapper, events);
	}

	@Test
	void propertiesWrittenForAnotherMapperAreTheTreeWrittenByTheForwardersMapper() {
		JsonMapper indented = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
		assertSameRows(new DefaultEventRowMapper(), JsonMapper.shared(), indented, MappingSamples.events());
		assertSameRows(new DefaultEventRowMapper(indented), indented, JsonMapper.shared(), MappingSamples.events());
	}

	@Test
	void aMapperThatDelegatesAndAdjustsGivesTheRowsOfTheTree() {
		DefaultEventRowMapper defaults = new DefaultEventRowMapper(JsonMapper.shared());
		EventRowMapper adjusting = (event) -> {
			MappedEvent mapped = defaults.map(event);
			return new MappedEvent(mapped.name(), mapped.actorId(), "main", mapped.table(), mapped.properties());
		};
		TreeReference reference = new TreeReference(JsonMapper.shared(), JsonMapper.shared());
		assertSameRows(adjusting, JsonMapper.shared(), (event) -> {
			TreeReference.Mapped mapped = reference.map(event);
			return new TreeReference.Mapped(mapped.name(), mapped.actorId(), "main", mapped.table(),
					mapped.properties());
		}, MappingSamples.events());
	}

	@Test
	void eventsOfTheUsualShapesAreWrittenOnceAndOthersGoThroughTheirTree() {
		DefaultEventRowMapper mapper = new DefaultEventRowMapper();
		for (Object event : List.of(new MappingSamples.Plain("o-1", "alice", 2, java.math.BigDecimal.TEN),
				new MappingSamples.Shipped(this, "o-2", "bob"), new MappingSamples.Empty(),
				MappingSamples.map("actorId", "alice", "n", 1), new MappingSamples.EnumActor(MappingSamples.Role.ADMIN, "x"),
				new MappingSamples.Texts("alice", MappingSamples.ALL_CHARS), new MappingSamples.Custom("a", "b"),
				new MappingSamples.WithRaw("alice", "[1]"), MappingSamples.tree())) {
			assertThat(mapper.map(event).properties()).as(event.getClass().getSimpleName())
				.isInstanceOf(WrittenProperties.class);
		}
		for (Object event : List.of("text", List.of(1), new MappingSamples.NumberActor(1, "x"),
				new MappingSamples.ObjectActor(new MappingSamples.Subject("a", "b", "c"), "x"),
				new MappingSamples.UnwrappedTwice(new MappingSamples.Subject("a", "b", "c"), "d"),
				new MappingSamples.CustomTwice("x"), new MappingSamples.WithBinary("a", new byte[1]),
				new MappingSamples.TypedWrapperArray("a"))) {
			assertThat(mapper.map(event).properties()).as(event.getClass().getSimpleName())
				.isInstanceOf(ObjectNode.class);
		}
		DefaultEventRowMapper sorted = new DefaultEventRowMapper(
				JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build());
		assertThat(sorted.map(new MappingSamples.Plain("o-1", "alice", 2, java.math.BigDecimal.TEN)).properties())
			.isInstanceOf(ObjectNode.class);
	}

	@Test
	void aMapperUsedFromManyThreadsAtOnceWritesWhatItWritesOnOne() throws Exception {
		DefaultEventRowMapper mapper = new DefaultEventRowMapper();
		List<Object> events = MappingSamples.events();
		List<String> expected = events.stream().map((event) -> text(mapper, event)).toList();
		ExecutorService threads = Executors.newFixedThreadPool(4);
		try {
			List<Future<List<String>>> results = new ArrayList<>();
			for (int thread = 0; thread < 4; thread++) {
				results.add(threads.submit(() -> {
					List<String> texts = new ArrayList<>();
					for (int round = 0; round < 20; round++) {
						for (Object event : events) {
							texts.add(text(mapper, event));
						}
					}
					return texts;
				}));
			}
			for (Future<List<String>> result : results) {
				List<String> texts = result.get();
				for (int i = 0; i < texts.size(); i++) {
					assertThat(texts.get(i)).isEqualTo(expected.get(i % expected.size()));
				}
			}
		}
		finally {
			threads.shutdownNow();
		}
	}

	private static String text(DefaultEventRowMapper mapper, Object event) {
		try {
			MappedEvent mapped = mapper.map(event);
			return mapped.name() + " " + mapped.actorId() + " " + mapped.database() + " " + mapped.table() + " "
					+ mapped.properties();
		}
		catch (RuntimeException ex) {
			return "not mapped: " + ex.getMessage();
		}
	}

	private static void assertSameRows(EventRowMapper mapper, JsonMapper eventMapper, JsonMapper propertiesMapper,
			List<Object> events) {
		TreeReference reference = new TreeReference(eventMapper, propertiesMapper);
		assertSameRows(mapper, propertiesMapper, reference::map, events, reference);
	}

	private static void assertSameRows(EventRowMapper mapper, JsonMapper propertiesMapper,
			Function<Object, TreeReference.Mapped> referenceMapping, List<Object> events) {
		assertSameRows(mapper, propertiesMapper, referenceMapping, events,
				new TreeReference(JsonMapper.shared(), propertiesMapper));
	}

	private static void assertSameRows(EventRowMapper mapper, JsonMapper propertiesMapper,
			Function<Object, TreeReference.Mapped> referenceMapping, List<Object> events, TreeReference reference) {
		RowFactory rows = new RowFactory(mapper, propertiesMapper, "shop-\u00e9");
		RequestBodyWriter bodyWriter = new RequestBodyWriter(WriteEndpoint.CREATE, "datasette_events");
		List<EncodedRow> encoded = new ArrayList<>();
		List<byte[]> expected = new ArrayList<>();
		long micros = PUBLISHED;
		for (Object event : events) {
			String description = describe(event);
			EventRow row;
			try {
				row = rows.create(new CapturedEvent(event, micros++));
			}
			catch (RuntimeException ex) {
				// Not mapped, and dead-lettered: the tree cannot be written either.
				assertThatException().as(description)
					.isThrownBy(() -> reference.row(referenceMapping.apply(event), "id", "shop", "created"));
				continue;
			}
			EventRow expectedRow = reference.row(referenceMapping.apply(event), row.id(), row.instance(),
					row.created());
			assertThat(row).as(description).isEqualTo(expectedRow);
			// As the forwarder writes a row it has just made, and as it writes one read back.
			EncodedRow encodedRow = bodyWriter.encodeMade(row, 0);
			byte[] expectedBytes = reference.encode(expectedRow);
			assertThat(bytes(encodedRow.json())).as(description).isEqualTo(bytes(expectedBytes));
			assertThat(bytes(bodyWriter.encode(row, 0).json())).as(description).isEqualTo(bytes(expectedBytes));
			encoded.add(encodedRow);
			expected.add(expectedBytes);
		}
		assertThat(bytes(bodyWriter.write(encoded)))
			.isEqualTo(bytes(TreeReference.body("datasette_events", expected)));
	}

	private static String describe(Object event) {
		String text = String.valueOf(event);
		return event.getClass().getName() + ": " + ((text.length() > 200) ? text.substring(0, 200) + "..." : text);
	}

	// One char per byte: equal exactly when the bytes are, and readable when they are not.
	private static String bytes(byte[] bytes) {
		return new String(bytes, StandardCharsets.ISO_8859_1);
	}

	static class EscapeLetterA extends CharacterEscapes {

		private final int[] escapes = CharacterEscapes.standardAsciiEscapesForJSON();

		EscapeLetterA() {
			this.escapes['a'] = CharacterEscapes.ESCAPE_STANDARD;
			this.escapes['/'] = CharacterEscapes.ESCAPE_CUSTOM;
		}

		@Override
		public int[] getEscapeCodesForAscii() {
			return this.escapes;
		}

		@Override
		public SerializableString getEscapeSequence(int ch) {
			return new SerializedString("\\/");
		}

	}

	static class ShoutingModule extends SimpleModule {

		ShoutingModule() {
			addSerializer(MappingSamples.Address.class, new StdSerializer<>(MappingSamples.Address.class) {

				@Override
				public void serialize(MappingSamples.Address value, JsonGenerator generator,
						SerializationContext context) {
					generator.writeString(value.city().toUpperCase() + " " + value.postcode());
				}

			});
		}

	}

	static class EmptyNullsModule extends SimpleModule {

		@Override
		public void setupModule(SetupContext context) {
			super.setupModule(context);
			context.overrideDefaultNullValueSerializer(new StdSerializer<>(Object.class) {

				@Override
				public void serialize(Object value, JsonGenerator generator, SerializationContext serialization) {
					generator.writeString("");
				}

			});
		}

	}

}
