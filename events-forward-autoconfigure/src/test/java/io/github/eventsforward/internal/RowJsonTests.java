package io.github.eventsforward.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RowJson}: every string comes out byte for byte as Jackson's UTF-8
 * generator writes it, one after another in the same buffer.
 */
class RowJsonTests {

	private final JsonMapper jsonMapper = JsonMapper
		.builder(JsonFactory.builder().rootValueSeparator((String) null).build())
		.build();

	@Test
	void everyCharacterAloneAndBetweenOthers() {
		List<String> texts = new ArrayList<>();
		for (int c = 0; c <= 0xFFFF; c++) {
			texts.add(String.valueOf((char) c));
			texts.add("a" + (char) c + "\u00e9" + (char) c + "z");
		}
		assertWrittenAsJacksonWrites(texts);
	}

	@Test
	void everyCharacterInOneString() {
		assertWrittenAsJacksonWrites(List.of(MappingSamples.ALL_CHARS, MappingSamples.ALL_CHARS.substring(0x7F),
				MappingSamples.ALL_CHARS.substring(0, 0xD800) + MappingSamples.ALL_CHARS.substring(0xE000)));
	}

	@Test
	void surrogatesPairedAloneAndOutOfOrder() {
		assertWrittenAsJacksonWrites(List.of("\uD83D\uDE00", "x\uD83D\uDE00y", "\uD800", "\uDC00", "\uDBFF\uDFFF",
				"\uD800\uD800", "\uDC00\uD800", "\uD83Dx", "end \uD83D", "\uDE00 start", "\uD83D\uDE00\uD83D",
				"quote \" then \uD83D\uDE00 and \\ \u0001"));
	}

	@Test
	void longTextWithPairsAcrossEveryPlaceJacksonCutsIt() {
		List<String> texts = new ArrayList<>();
		for (int length : new int[] { 999, 1000, 1001, 1999, 2000, 2001, 3001 }) {
			texts.add("x".repeat(length));
			texts.add("\"".repeat(length));
			texts.add("\u00e9".repeat(length));
			for (int at = Math.max(0, length - 1010); at < length - 1; at += (at % 1000 > 985) ? 1 : 50) {
				StringBuilder text = new StringBuilder("y".repeat(length));
				text.setCharAt(at, '\uD83D');
				text.setCharAt(at + 1, '\uDE00');
				texts.add(text.toString());
			}
		}
		assertWrittenAsJacksonWrites(texts);
	}

	@Test
	void randomTextOfEveryKindOfCharacter() {
		SplittableRandom random = new SplittableRandom(20261127);
		char[] kinds = { 'a', '"', '\\', '/', '\n', '\u0000', '\u007f', '\u00e9', '\u07ff', '\u0800', '\u2028',
				'\uffff', '\uD83D', '\uDE00', '\uDBFF', '\uDC00' };
		List<String> texts = new ArrayList<>();
		for (int i = 0; i < 2_000; i++) {
			char[] text = new char[random.nextInt(0, 1_500)];
			for (int j = 0; j < text.length; j++) {
				text[j] = random.nextBoolean() ? kinds[random.nextInt(kinds.length)] : (char) random.nextInt(0x10000);
			}
			texts.add(new String(text));
		}
		assertWrittenAsJacksonWrites(texts);
	}

	@Test
	void nullAndRawBytesBetweenStrings() {
		RowJson json = new RowJson(this.jsonMapper);
		json.reset();
		json.reserve(16 + RowJson.room(null) + RowJson.room("\uD83D\uDE00"));
		json.raw("{\"a\":".getBytes(StandardCharsets.UTF_8));
		json.string(null);
		json.raw(",\"b\":".getBytes(StandardCharsets.UTF_8));
		json.string("\uD83D\uDE00");
		json.raw("}".getBytes(StandardCharsets.UTF_8));
		assertThat(new String(json.toByteArray(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":null,\"b\":\"\uD83D\uDE00\"}");
	}

	private void assertWrittenAsJacksonWrites(List<@Nullable String> texts) {
		RowJson json = new RowJson(this.jsonMapper);
		ByteArrayOutputStream jackson = new ByteArrayOutputStream();
		try (JsonGenerator generator = this.jsonMapper.createGenerator(jackson)) {
			for (String text : texts) {
				json.reset();
				json.reserve(RowJson.room(text));
				json.string(text);
				generator.writeString(text);
				generator.flush();
				assertThat(bytes(json.toByteArray())).as(() -> describe(text)).isEqualTo(bytes(jackson.toByteArray()));
				jackson.reset();
			}
		}
	}

	private static String describe(@Nullable String text) {
		if (text == null) {
			return "null";
		}
		StringBuilder description = new StringBuilder();
		text.chars().limit(40).forEach((c) -> description.append(String.format("\\u%04X", c)));
		return description + ((text.length() > 40) ? "... (" + text.length() + " chars)" : "");
	}

	private static String bytes(byte[] bytes) {
		return new String(bytes, StandardCharsets.ISO_8859_1);
	}

}
