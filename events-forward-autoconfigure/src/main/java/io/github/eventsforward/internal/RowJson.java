package io.github.eventsforward.internal;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of one row at a time, as UTF-8 bytes in a buffer that is reused: text is written
 * exactly as Jackson's UTF-8 generator with its default settings writes it, in one pass
 * into the buffer. Each character is escaped by Jackson's own table for JSON strings, or
 * encoded as UTF-8; a string with a surrogate in it is handed to a Jackson generator, which
 * joins or escapes surrogates in ways of its own.
 * <p>
 * Not thread-safe.
 */
final class RowJson {

	// For each ASCII character: 0 written as it is, > 0 the character after a backslash,
	// < 0 written as backslash-u and four hexadecimal digits.
	private static final int[] ESCAPES = CharacterEscapes.standardAsciiEscapesForJSON();

	private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

	// Kept after a large row only up to this size, so that one large event does not hold
	// its buffer for good.
	private static final int RETAINED = 64 * 1024;

	private final JsonMapper jsonMapper;

	private byte[] bytes = new byte[1024];

	private int length;

	private @Nullable JsonGenerator generator;

	/**
	 * Create a buffer that hands strings with surrogates to generators of the given mapper.
	 * @param jsonMapper a mapper with Jackson's default settings for writing, and no root
	 * value separator
	 */
	RowJson(JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
	}

	/**
	 * Start the next row.
	 */
	void reset() {
		this.length = 0;
	}

	/**
	 * Make room for what is appended next.
	 * @param room the most bytes it can take: see {@link #room(String)}
	 */
	void reserve(int room) {
		int needed = this.length + room;
		if (needed > this.bytes.length) {
			this.bytes = Arrays.copyOf(this.bytes, Math.max(needed, this.bytes.length * 2));
		}
	}

	/**
	 * Return the most bytes a string, or {@code null}, can take.
	 * @param text the text
	 * @return the room to reserve for it
	 */
	static int room(@Nullable String text) {
		return (text != null) ? 6 * text.length() + 2 : NULL.length;
	}

	/**
	 * Append bytes as they are, in room already reserved.
	 * @param raw the bytes
	 */
	void raw(byte[] raw) {
		System.arraycopy(raw, 0, this.bytes, this.length, raw.length);
		this.length += raw.length;
	}

	/**
	 * Append a JSON string, or {@code null}, in room already reserved.
	 * @param text the text
	 */
	void string(@Nullable String text) {
		this.length = string(this.bytes, this.length, text);
	}

	/**
	 * Append a JSON string whose characters are all known to be ASCII that JSON strings
	 * carry as they are, such as a ULID or a timestamp, in room already reserved.
	 * @param text the text
	 */
	@SuppressWarnings("deprecation") // the bytes of ASCII characters are their chars
	void plainAscii(String text) {
		byte[] bytes = this.bytes;
		int at = this.length;
		bytes[at++] = '"';
		text.getBytes(0, text.length(), bytes, at);
		at += text.length();
		bytes[at++] = '"';
		this.length = at;
	}

	/**
	 * Append a JSON string, or {@code null}, in room already reserved, remembering the bytes
	 * of a short one for the next time the same instance comes, as the instance name and the
	 * event name of a type do.
	 * @param text the text
	 * @param known the strings written before
	 */
	void string(@Nullable String text, Known known) {
		if (text == null) {
			string(null);
			return;
		}
		int slot = text.hashCode() & (Known.SIZE - 1);
		if (known.texts[slot] == text) {
			raw(known.bytes[slot]);
			return;
		}
		int start = this.length;
		string(text);
		if (text.length() <= Known.LONGEST) {
			known.texts[slot] = text;
			known.bytes[slot] = Arrays.copyOfRange(this.bytes, start, this.length);
		}
	}

	/**
	 * Short strings and their bytes, by identity: a string is immutable, so the same
	 * instance always has the same bytes.
	 */
	static final class Known {

		static final int SIZE = 8;

		static final int LONGEST = 64;

		private final @Nullable String[] texts = new @Nullable String[SIZE];

		private final byte[][] bytes = new byte[SIZE][];

	}

	// Writes the string at the given place, which has room for it; returns where it ends.
	private int string(byte[] bytes, int at, @Nullable String text) {
		if (text == null) {
			System.arraycopy(NULL, 0, bytes, at, NULL.length);
			return at + NULL.length;
		}
		int start = at;
		bytes[at++] = '"';
		for (int i = 0, count = text.length(); i < count; i++) {
			char c = text.charAt(i);
			if (c < 0x80) {
				int escape = ESCAPES[c];
				if (escape == 0) {
					bytes[at++] = (byte) c;
				}
				else if (escape > 0) {
					bytes[at++] = '\\';
					bytes[at++] = (byte) escape;
				}
				else {
					bytes[at++] = '\\';
					bytes[at++] = 'u';
					bytes[at++] = '0';
					bytes[at++] = '0';
					bytes[at++] = HEX[c >> 4];
					bytes[at++] = HEX[c & 0xF];
				}
			}
			else if (c < 0x800) {
				bytes[at++] = (byte) (0xC0 | (c >> 6));
				bytes[at++] = (byte) (0x80 | (c & 0x3F));
			}
			else if (Character.isSurrogate(c)) {
				this.length = start;
				writeWithJackson(text);
				return this.length;
			}
			else {
				bytes[at++] = (byte) (0xE0 | (c >> 12));
				bytes[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
				bytes[at++] = (byte) (0x80 | (c & 0x3F));
			}
		}
		bytes[at++] = '"';
		return at;
	}

	// The string, from its opening quote, through a generator that appends to the buffer.
	private void writeWithJackson(String text) {
		JsonGenerator generator = this.generator;
		if (generator == null) {
			generator = this.jsonMapper.createGenerator(new Appender());
			this.generator = generator;
		}
		try {
			generator.writeString(text);
			generator.flush();
		}
		catch (RuntimeException ex) {
			// Not expected for text; the next string starts with a new generator.
			this.generator = null;
			throw ex;
		}
	}

	/**
	 * Return a copy of the row's bytes.
	 * @return the bytes written since {@link #reset()}
	 */
	byte[] toByteArray() {
		byte[] copy = Arrays.copyOf(this.bytes, this.length);
		if (this.bytes.length > RETAINED) {
			this.bytes = new byte[1024];
		}
		return copy;
	}

	private final class Appender extends OutputStream {

		@Override
		public void write(int b) {
			reserve(1);
			RowJson.this.bytes[RowJson.this.length++] = (byte) b;
		}

		@Override
		public void write(byte[] b, int offset, int length) {
			reserve(length);
			System.arraycopy(b, offset, RowJson.this.bytes, RowJson.this.length, length);
			RowJson.this.length += length;
		}

	}

}
