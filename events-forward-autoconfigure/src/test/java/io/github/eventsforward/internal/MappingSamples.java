package io.github.eventsforward.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.annotation.JsonValue;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.ser.std.StdSerializer;

import org.springframework.context.ApplicationEvent;

/**
 * Events of every shape the mapping meets, for the tests that compare rows byte for byte
 * with {@link TreeReference}.
 */
final class MappingSamples {

	/** Every character from U+0000 to U+FFFF, surrogates included, in order. */
	static final String ALL_CHARS;

	static {
		char[] chars = new char[0x10000];
		for (int i = 0; i < chars.length; i++) {
			chars[i] = (char) i;
		}
		ALL_CHARS = new String(chars);
	}

	private MappingSamples() {
	}

	/**
	 * Return the events, in an order that mixes the shapes.
	 */
	static List<Object> events() {
		List<Object> events = new ArrayList<>();
		// Records and beans
		events.add(new Plain("o-1", "alice", 2, new BigDecimal("19.80")));
		events.add(new AllColumns("data", "orders", "alice", 7));
		events.add(new Bean("alice", "Alice", List.of("a", "b"), true));
		events.add(new Empty());
		events.add(new Nulls(null, null, null, null));
		// ApplicationEvent subclasses: neither source nor timestamp
		events.add(new Shipped(new Bean("x", "source", List.of(), false), "o-2", "bob"));
		events.add(new TypedSource(new Plain("o-3", "carol", 1, BigDecimal.ONE)));
		events.add(new OwnIgnores(new Object(), "WELCOME"));
		events.add(new NoOwnProperties(new Object()));
		// Nested
		events.add(new Nested("alice", new Address("Lyon", "69001"),
				List.of(new Line("sku-1", 2), new Line("sku-2", 1)), nestedMap()));
		events.add(new Grant(new Subject("bob", "data", "orders")));
		// Map payloads
		events.add(map("actorId", "alice", "database", "data", "table", "orders", "rowCount", 3));
		events.add(map("actorId", 42, "note", "number"));
		events.add(map("actorId", null, "note", "null"));
		events.add(map("actorId", "", "database", "", "table", ""));
		events.add(map("actorId", List.of("a"), "note", "array"));
		events.add(map("actorId", Map.of("id", 1), "note", "object"));
		events.add(map("rowCount", 1, "actorId", true));
		events.add(new TreeMap<>(Map.of("b", 1, "a", 2, "actorId", "z")));
		events.add(collidingKeys());
		events.add(manyKeys(100, false));
		events.add(manyKeys(100, true));
		// Renames and ignores
		events.add(new Renamed("alice", "data", "orders", 7));
		events.add(new RenamedToActorId("dave", "renamed"));
		events.add(new Swapped("who", "user"));
		events.add(new IgnoredActor("alice", "ignored"));
		events.add(new RowsImported("data", "orders", "alice", 3));
		// Columns of every kind of value
		events.add(new NumberActor(42L, "n"));
		events.add(new BooleanActor(true, "b"));
		events.add(new ObjectActor(new Subject("x", "y", "z"), "o"));
		events.add(new ArrayActor(List.of("a", "b"), "a"));
		events.add(new TextActor("", "empty"));
		events.add(new TextActor(null, "null"));
		events.add(new TextActor("a\"b\\c/d\u0000\u001f\u2028\uD83D\uDE00", "odd"));
		events.add(new EnumActor(Role.ADMIN, "enum"));
		events.add(new CharsActor("chars".toCharArray(), "chars"));
		events.add(new RawActor("{\"raw\":1}", "raw"));
		events.add(new BinaryActor(new byte[] { 1, 2, 3 }, "binary"));
		events.add(new DecimalActor(new BigDecimal("1.50"), "decimal"));
		// Unwrapped, any-getter, custom serializers, @JsonValue
		events.add(new WithUnwrapped(new Subject("erin", "data", "orders"), "unwrapped"));
		events.add(new UnwrappedTwice(new Subject("erin", "data", "orders"), "frank"));
		events.add(new AnyProperties("note", map("actorId", "gina", "extra", 1)));
		events.add(new AnyProperties("note", map("note", "again")));
		events.add(new Custom("harry", "custom"));
		events.add(new CustomTwice("twice"));
		events.add(new CustomNumberText("1.5"));
		events.add(new CustomBinary("binary"));
		events.add(new Valued(map("actorId", "ivy", "x", 1)));
		events.add(new ValuedText("just text"));
		events.add(new ValuedList(List.of(1, 2)));
		// Scalars and arrays
		events.add("cache cleared");
		events.add(42);
		events.add(1.5);
		events.add(Boolean.TRUE);
		events.add(List.of("a", "b"));
		events.add(new int[] { 1, 2, 3 });
		events.add(new String[] { "x", null });
		events.add(Optional.of("present"));
		// Text of every kind
		events.add(new Texts("alice", "quotes \" and \\ backslashes / slashes"));
		events.add(new Texts("alice", "controls \u0000\u0001\b\t\n\f\r\u001f\u007f"));
		events.add(new Texts("alice", ALL_CHARS));
		events.add(new Texts("alice", "emoji \uD83D\uDE00\uD83C\uDF89 and \u00e9\u4e2d\u0800\uffff"));
		events.add(new Texts("alice", "lone \uD800 high, lone \uDC00 low, high then letter \uD83Dx, at the end \uDBFF"));
		events.add(new Texts("alice", "\uDE00 low first, high high \uD800\uD800 end"));
		events.add(new Texts("alice", longText()));
		events.add(new OddNames("a", "b", "c", "d", "e"));
		events.add(new Enums(Role.ADMIN, Role.ODD, List.of(Role.ODD, Role.ADMIN)));
		// Numbers and other value types
		events.add(new Numbers((byte) -1, (short) 300, Integer.MIN_VALUE, Long.MAX_VALUE, 1.1f, 0.1, Double.NaN,
				Double.NEGATIVE_INFINITY, Float.NaN, new BigInteger("123456789012345678901234567890"),
				new BigDecimal("19.80"), new BigDecimal("1E+20"), new BigDecimal("0.000000001"), BigDecimal.ZERO,
				'q', null));
		events.add(new Values(UUID.fromString("0b1e4d6e-8a41-4b3a-9f1e-3f2a1c0d9e8f"), URI.create("https://x/y?z"),
				Instant.parse("2026-11-27T02:27:21.000042Z"), LocalDate.parse("2026-11-27"), Duration.ofMillis(1500),
				Optional.of("x"), Optional.empty(), OptionalInt.of(3), new Date(0), Locale.CANADA_FRENCH,
				new BigDecimal("10.00")));
		events.add(new WithRaw("alice", "[1, 2,3]"));
		events.add(new WithBinary("alice", new byte[] { 0, (byte) 255 }));
		events.add(new WithTree("alice", tree()));
		events.add(tree());
		events.add(new Included("alice", null, List.of(), ""));
		events.add(new Typed("alice", "typed"));
		events.add(new TypedWrapperArray("alice"));
		events.add(new TypedWrapperObject("alice"));
		events.add(new Deep(List.of(Map.of("a", List.of(Map.of("b", List.of(1, List.of(2, Map.of("c", "d")))))))));
		events.add(new Plain("o-4", "alice", 3, new BigDecimal("0.10")));
		// The same type with its root names left out, moved or written twice
		events.add(new Included("bob", "present", List.of("x"), "b"));
		events.add(new Included("carol", null, List.of(), "c"));
		events.add(new Names(List.of("a", "b", "actorId")));
		events.add(new Names(List.of("b", "a", "b")));
		events.add(new Names(List.of("actorId", "b")));
		events.add(new Names(List.of("b", "actorId", "a")));
		events.add(new Names(List.of("a", "a")));
		events.add(new Names(List.of("a", "b", "actorId")));
		return events;
	}

	/**
	 * Return events whose mapping fails, today as before.
	 */
	static List<Object> failing() {
		return List.of(new Failing("inv-1"), new CustomNumberText("1.5"), new CustomRaw("raw"),
				new FailingNested(new Failing("inv-2")));
	}

	@SafeVarargs
	static <V> Map<String, @Nullable V> map(Object... keysAndValues) {
		Map<String, @Nullable V> map = new LinkedHashMap<>();
		for (int i = 0; i < keysAndValues.length; i += 2) {
			@SuppressWarnings("unchecked")
			V value = (V) keysAndValues[i + 1];
			map.put((String) keysAndValues[i], value);
		}
		return map;
	}

	private static Map<String, Object> nestedMap() {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("actorId", "nested, stays");
		map.put("list", Arrays.asList(1, null, "two", List.of()));
		map.put("empty", Map.of());
		map.put("null", null);
		return map;
	}

	private static Map<Object, String> collidingKeys() {
		// Two keys that are written as the same name: a tree keeps one.
		Map<Object, String> map = new LinkedHashMap<>();
		map.put(1, "number");
		map.put("actorId", "alice");
		map.put("1", "text");
		return map;
	}

	private static Map<String, Object> manyKeys(int count, boolean withDuplicate) {
		Map<String, Object> map = new LinkedHashMap<>();
		for (int i = 0; i < count; i++) {
			map.put("key" + i, i);
		}
		map.put("actorId", "many");
		return withDuplicate ? new AnyProperties("key" + (count - 1), map).asMap() : map;
	}

	private static String longText() {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < 2500; i++) {
			text.append((i % 7 == 0) ? "\"" : (i % 11 == 0) ? "\u00e9" : "x");
			if (i == 995 || i == 1996) {
				text.append("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00");
			}
		}
		return text.toString();
	}

	static ObjectNode tree() {
		ObjectNode tree = JsonMapper.shared().createObjectNode();
		tree.put("actorId", "tree");
		tree.put("decimal", new BigDecimal("2.50"));
		tree.putArray("list").add(1).add("x").addNull();
		tree.putObject("object").put("a", true);
		return tree;
	}

	record Plain(String orderId, String actorId, int quantity, BigDecimal total) {
	}

	record AllColumns(String database, String table, String actorId, long rows) {
	}

	public static class Bean {

		private final String actorId;

		private final String name;

		private final List<String> tags;

		private final boolean active;

		Bean(String actorId, String name, List<String> tags, boolean active) {
			this.actorId = actorId;
			this.name = name;
			this.tags = tags;
			this.active = active;
		}

		public String getActorId() {
			return this.actorId;
		}

		public String getName() {
			return this.name;
		}

		public List<String> getTags() {
			return this.tags;
		}

		public boolean isActive() {
			return this.active;
		}

	}

	record Empty() {
	}

	record Nulls(@Nullable String actorId, @Nullable String database, @Nullable String note,
			@Nullable List<String> tags) {
	}

	public static class Shipped extends ApplicationEvent {

		private final String orderId;

		private final String actorId;

		Shipped(Object source, String orderId, String actorId) {
			super(source);
			this.orderId = orderId;
			this.actorId = actorId;
		}

		public String getOrderId() {
			return this.orderId;
		}

		public String getActorId() {
			return this.actorId;
		}

	}

	public static class TypedSource extends ApplicationEvent {

		TypedSource(Plain source) {
			super(source);
		}

		@Override
		public Plain getSource() {
			return (Plain) super.getSource();
		}

	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	public static class OwnIgnores extends ApplicationEvent {

		private final String code;

		OwnIgnores(Object source, String code) {
			super(source);
			this.code = code;
		}

		public String getCode() {
			return this.code;
		}

	}

	public static class NoOwnProperties extends ApplicationEvent {

		NoOwnProperties(Object source) {
			super(source);
		}

	}

	record Address(String city, String postcode) {
	}

	record Line(String sku, int quantity) {
	}

	record Nested(String actorId, Address address, List<Line> lines, Map<String, Object> extra) {
	}

	record Subject(String actorId, String database, String table) {
	}

	record Grant(Subject to) {
	}

	record Renamed(@JsonProperty("actor") String actorId, @JsonProperty("db") String database,
			@JsonProperty("tbl") String table, int rows) {
	}

	record RenamedToActorId(@JsonProperty("actorId") String user, String note) {
	}

	record Swapped(@JsonProperty("who") String actorId, @JsonProperty("actorId") String user) {
	}

	record IgnoredActor(@JsonIgnore String actorId, String note) {
	}

	record RowsImported(String database, String table, String actorId, int rowCount) {
	}

	record NumberActor(long actorId, String note) {
	}

	record BooleanActor(boolean actorId, String note) {
	}

	record ObjectActor(Subject actorId, String note) {
	}

	record ArrayActor(List<String> actorId, String note) {
	}

	record TextActor(@Nullable String actorId, String note) {
	}

	enum Role {

		ADMIN,

		@JsonProperty("odd/ü \"name\"")
		ODD

	}

	record EnumActor(Role actorId, String note) {
	}

	record CharsActor(char[] actorId, String note) {
	}

	record RawActor(@JsonRawValue String actorId, String note) {
	}

	record BinaryActor(byte[] actorId, String note) {
	}

	record DecimalActor(BigDecimal actorId, String note) {
	}

	record WithUnwrapped(@JsonUnwrapped Subject subject, String note) {
	}

	record UnwrappedTwice(@JsonUnwrapped Subject subject, String actorId) {
	}

	public static class AnyProperties {

		private final String note;

		private final Map<String, Object> extra;

		AnyProperties(String note, Map<String, Object> extra) {
			this.note = note;
			this.extra = extra;
		}

		public String getNote() {
			return this.note;
		}

		@JsonAnyGetter
		public Map<String, Object> getExtra() {
			return this.extra;
		}

		Map<String, Object> asMap() {
			Map<String, Object> map = new LinkedHashMap<>(this.extra);
			map.put("nested", this);
			return map;
		}

	}

	@JsonSerialize(using = CustomSerializer.class)
	record Custom(String actor, String note) {
	}

	static class CustomSerializer extends StdSerializer<Custom> {

		CustomSerializer() {
			super(Custom.class);
		}

		@Override
		public void serialize(Custom value, JsonGenerator generator, SerializationContext context) {
			generator.writeStartObject(value);
			generator.writeStringProperty("actorId", value.actor());
			generator.writeName(new SerializedString("pre-encoded"));
			generator.writeString(new SerializedString("value"));
			generator.writeName(new SerializedString("pre/encoded \u00fc"));
			generator.writeString(new SerializedString("val\"ue/\u00fc"));
			generator.writeName("chars");
			char[] chars = "[chars]".toCharArray();
			generator.writeString(chars, 1, 5);
			generator.writeNumberProperty("number", 1.25);
			generator.writeName("ints");
			generator.writeArray(new int[] { 1, 2, 3 }, 1, 2);
			generator.writeName("strings");
			generator.writeArray(new String[] { "a", null, "c" }, 0, 3);
			generator.writeName("raw");
			generator.writeRawValue("{\"raw\" : [1,2]}");
			generator.writePropertyId(7);
			generator.writeBoolean(generator.isEnabled(tools.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN));
			generator.writeName("note");
			generator.writeString(value.note());
			generator.writeEndObject();
		}

	}

	@JsonSerialize(using = CustomTwiceSerializer.class)
	record CustomTwice(String note) {
	}

	static class CustomTwiceSerializer extends StdSerializer<CustomTwice> {

		CustomTwiceSerializer() {
			super(CustomTwice.class);
		}

		@Override
		public void serialize(CustomTwice value, JsonGenerator generator, SerializationContext context) {
			generator.writeStartObject();
			generator.writeStringProperty("note", value.note());
			generator.writeNumberProperty("count", 1);
			generator.writeStringProperty("note", "again");
			generator.writeEndObject();
		}

	}

	@JsonSerialize(using = CustomNumberTextSerializer.class)
	record CustomNumberText(String number) {
	}

	static class CustomNumberTextSerializer extends StdSerializer<CustomNumberText> {

		CustomNumberTextSerializer() {
			super(CustomNumberText.class);
		}

		@Override
		public void serialize(CustomNumberText value, JsonGenerator generator, SerializationContext context) {
			generator.writeStartObject();
			generator.writeName("number");
			generator.writeNumber(value.number());
			generator.writeEndObject();
		}

	}

	@JsonSerialize(using = CustomBinarySerializer.class)
	record CustomBinary(String note) {
	}

	static class CustomBinarySerializer extends StdSerializer<CustomBinary> {

		CustomBinarySerializer() {
			super(CustomBinary.class);
		}

		@Override
		public void serialize(CustomBinary value, JsonGenerator generator, SerializationContext context) {
			generator.writeStartObject();
			generator.writeBinaryProperty("data", value.note().getBytes(java.nio.charset.StandardCharsets.UTF_8));
			generator.writeEndObject();
		}

	}

	@JsonSerialize(using = CustomRawSerializer.class)
	record CustomRaw(String note) {
	}

	static class CustomRawSerializer extends StdSerializer<CustomRaw> {

		CustomRawSerializer() {
			super(CustomRaw.class);
		}

		@Override
		public void serialize(CustomRaw value, JsonGenerator generator, SerializationContext context) {
			generator.writeStartObject();
			generator.writeName("raw");
			generator.writeRaw("\"" + value.note() + "\"");
			generator.writeEndObject();
		}

	}

	/** Written with the root names it lists, each always the same pre-encoded instance. */
	@JsonSerialize(using = NamesSerializer.class)
	record Names(List<String> names) {
	}

	static class NamesSerializer extends StdSerializer<Names> {

		private static final Map<String, SerializedString> NAMES = Map.of("a", new SerializedString("a"), "b",
				new SerializedString("b"), "actorId", new SerializedString("actorId"));

		NamesSerializer() {
			super(Names.class);
		}

		@Override
		public void serialize(Names value, JsonGenerator generator, SerializationContext context) {
			generator.writeStartObject(value);
			for (String name : value.names()) {
				generator.writeName(NAMES.get(name));
				generator.writeString(name + " of " + value.names());
			}
			generator.writeEndObject();
		}

	}

	record Valued(@JsonValue Map<String, Object> value) {
	}

	record ValuedText(@JsonValue String value) {
	}

	record ValuedList(@JsonValue List<Integer> value) {
	}

	record Texts(String actorId, String text) {
	}

	record OddNames(@JsonProperty("a/b") String slash, @JsonProperty("\u00fc\u4e2d") String nonAscii,
			@JsonProperty("q\"uote\\") String quote, @JsonProperty("tab\there") String control,
			@JsonProperty("snake_case-and.dots") String plain) {
	}

	record Enums(Role plain, Role odd, List<Role> list) {
	}

	record Numbers(byte b, short s, int i, long l, float f, double d, double nan, double infinity, float floatNan,
			BigInteger big, BigDecimal decimal, BigDecimal exponent, BigDecimal small, BigDecimal zero, char c,
			@Nullable Integer missing) {
	}

	record Values(UUID uuid, URI uri, Instant instant, LocalDate date, Duration duration, Optional<String> present,
			Optional<String> absent, OptionalInt optionalInt, Date legacyDate, Locale locale,
			@JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal decimalText) {
	}

	record WithRaw(String actorId, @JsonRawValue String raw) {
	}

	record WithBinary(String actorId, byte[] data) {
	}

	record WithTree(String actorId, ObjectNode tree) {
	}

	@JsonInclude(JsonInclude.Include.NON_EMPTY)
	record Included(String actorId, @Nullable String absent, List<String> empty, String blank) {
	}

	@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "@type")
	record Typed(String actorId, String note) {
	}

	@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_ARRAY)
	record TypedWrapperArray(String actorId) {
	}

	@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_OBJECT)
	record TypedWrapperObject(String actorId) {
	}

	record Deep(List<Object> levels) {
	}

	record Failing(String invoice) {

		public String getPdf() {
			throw new IllegalStateException("PDF renderer is offline");
		}

	}

	record FailingNested(Failing inner) {
	}

}
