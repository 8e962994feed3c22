package io.github.eventsforward;

import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.Base64Variant;
import tools.jackson.core.FormatSchema;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamWriteCapability;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.TreeNode;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.util.JacksonFeatureSet;
import tools.jackson.core.util.JsonGeneratorDelegate;
import tools.jackson.databind.ObjectWriter;

/**
 * The generator an event is written through by {@link DefaultEventRowMapper}, so that its
 * properties become the text of the {@code properties} column in one pass: the event's
 * serializers write to it as they would into a tree, and it passes their output on to a
 * generator for text, except for the {@code actorId}, {@code database} and {@code table}
 * properties of the root object, whose values it keeps for their columns.
 * <p>
 * The text must be what writing the event into a tree, taking those properties out and
 * writing the tree would give. Where the two would differ, the generator {@linkplain #needsTree()
 * gives up} and throws, and the event is mapped through a tree instead:
 * <ul>
 * <li>a root value that is not an object ({@code publishEvent("text")});</li>
 * <li>a column property whose value is not text or {@code null};</li>
 * <li>a name written twice in one object, which a tree keeps once, with the last value, where
 * the first was;</li>
 * <li>values a tree keeps as Java objects and writes again later (binary data, embedded
 * objects, POJOs and trees handed to the generator), and output a tree cannot hold (raw
 * text, numbers as text, readers), which makes the tree fail as it should.</li>
 * </ul>
 * To the event's serializers the generator answers as Jackson's tree-building generator
 * does: default features, no pretty printer, no character escapes, and no effect from
 * {@code configure}, {@code flush} or {@code close}. Names and text that serializers hand
 * over pre-encoded ({@link SerializableString}) are written from their plain value, as a
 * tree holds them, so that the text generator's own escaping applies; only those made of
 * letters, digits, {@code _}, {@code -} and {@code .}, which every setting writes alike,
 * are handed on as they are.
 * <p>
 * An event type's root names are learned from its first event written this way, as the
 * instances its serializer hands over: the next events that write the same instances, in
 * the same order, skip the checks those names passed.
 * <p>
 * One instance writes one event at a time, and may write one after another; it is not
 * thread-safe.
 */
final class PropertiesGenerator extends JsonGeneratorDelegate {

	private static final int STREAM_WRITE_FEATURES = StreamWriteFeature.collectDefaults();

	private static final JacksonFeatureSet<StreamWriteCapability> CAPABILITIES = JacksonFeatureSet
		.fromDefaults(StreamWriteCapability.values());

	private static final int NO_COLUMN = -1;

	// Past this many names in one object, the names are also kept in a set to be looked up.
	private static final int FEW_NAMES = 32;

	private static final NeedsTree NEEDS_TREE = new NeedsTree();

	// What a root name is written as, when it is not a column's (0 to 2).
	private static final byte PLAIN = 3;

	private static final byte ESCAPED = 4;

	private static final String[] NO_NAMES = {};

	private static final int[] NO_HASHES = {};

	private final Text text;

	// Whether the text generator escapes characters of its own choosing, or ASCII ones.
	private final boolean customEscapes;

	// The state of the event being written, from start(Layout)

	private Layout layout;

	private @Nullable String actorId;

	private @Nullable String database;

	private @Nullable String table;

	private int column = NO_COLUMN;

	private boolean rootWritten;

	private boolean needsTree;

	// The open containers; depth 1 is the root object. The names written in each open object,
	// to find one written twice, are a stack: an object's names start where its parent's end,
	// at firstName[depth], or -1 for an array.
	private int depth;

	private int[] firstName = new int[8];

	private String[] names = NO_NAMES;

	private int[] hashes = NO_HASHES;

	private int nameCount;

	private @Nullable Set<String> @Nullable [] manyNames;

	// The root names of the event's type as an earlier event wrote them: while this event
	// writes the same instances, in the same order (some may be left out), they need no
	// checks, having passed them before.
	private @Nullable Learned learned;

	private boolean onLearned;

	private int learnedAt;

	private long learnedWritten;

	// The root names of this event, to be learned for the next ones if the type has none yet.
	private @Nullable Learning learning;

	private final Learning learningNames = new Learning();

	private PropertiesGenerator(JsonGenerator textGenerator, Text text) {
		// Copies through this generator, not straight to the delegate.
		super(textGenerator, false);
		this.text = text;
		int highestPlain = textGenerator.getHighestNonEscapedChar();
		this.customEscapes = textGenerator.getCharacterEscapes() != null
				|| (highestPlain > 0 && highestPlain < 0x7F);
		this.layout = Layout.NONE;
	}

	/**
	 * Create a generator that writes text with the given writer's settings, one event after
	 * another, as root values with nothing between them.
	 * @param writer the writer whose settings apply, with no root value separator
	 * @return a generator to {@link #start(Layout) start} the first event with
	 */
	static PropertiesGenerator create(ObjectWriter writer) {
		Text text = new Text();
		return new PropertiesGenerator(writer.createGenerator(text), text);
	}

	/**
	 * Get ready to write an event.
	 * @param layout what is known of the event type's root object
	 */
	void start(Layout layout) {
		this.layout = layout;
		this.actorId = null;
		this.database = null;
		this.table = null;
		this.column = NO_COLUMN;
		this.rootWritten = false;
		this.needsTree = false;
		this.depth = 0;
		this.nameCount = 0;
		this.learnedAt = 0;
		this.learnedWritten = 0;
		Learned learned = layout.learned;
		if (learned != null && learned.customEscapes() == this.customEscapes) {
			this.learned = learned;
			this.onLearned = true;
			this.learning = null;
		}
		else {
			this.learned = null;
			this.onLearned = false;
			this.learning = layout.unlearnable ? null : this.learningNames.reset();
		}
	}

	/**
	 * Return the text of the event written since {@link #start(Layout)}.
	 * @return the JSON text
	 */
	String text() {
		this.delegate.flush();
		return this.text.take();
	}

	/**
	 * Close the text generator, which gives its buffers back: this generator is not used
	 * again.
	 */
	void closeText() {
		try {
			this.delegate.close();
		}
		catch (RuntimeException ex) {
			// Only the buffers are wanted back.
		}
	}

	/**
	 * Return whether the event must be mapped through a tree: this generator's text is not
	 * what the tree would give.
	 * @return whether the text is to be thrown away
	 */
	boolean needsTree() {
		return this.needsTree || this.depth != 0 || !this.rootWritten;
	}

	/**
	 * Return the text value of a column property of the root object.
	 * @param index the column: 0 for {@code actorId}, 1 for {@code database}, 2 for
	 * {@code table}
	 * @return the value, or {@code null} if the property was missing or {@code null}
	 */
	@Nullable String column(int index) {
		return switch (index) {
			case 0 -> this.actorId;
			case 1 -> this.database;
			default -> this.table;
		};
	}

	/**
	 * Note the root names this event was written with, for the next events of its type, if
	 * none are known yet. Called once the event is written, and its text is wanted.
	 */
	void learn() {
		Learning learning = this.learning;
		if (learning == null || needsTree()) {
			return;
		}
		if (learning.complete) {
			this.layout.learned = new Learned(Arrays.copyOf(learning.names, learning.count),
					Arrays.copyOf(learning.kinds, learning.count), this.customEscapes);
		}
		else {
			// Names as plain strings, as a map's are, or too many of them: not tried again.
			this.layout.unlearnable = true;
		}
	}

	private NeedsTree giveUp() {
		this.needsTree = true;
		return NEEDS_TREE;
	}

	// Called before every value this generator writes or keeps: decides whether it goes on
	// to the delegate. A value right after a column property's name is that column's.
	private boolean passesOn() {
		if (this.needsTree || this.depth == 0) {
			// A scalar at the root, or anything after having given up.
			throw giveUp();
		}
		return this.column == NO_COLUMN;
	}

	private void keepColumn(@Nullable String value) {
		switch (this.column) {
			case 0 -> this.actorId = value;
			case 1 -> this.database = value;
			default -> this.table = value;
		}
		this.column = NO_COLUMN;
	}

	private void startContainer(boolean object) {
		if (this.needsTree) {
			throw giveUp();
		}
		if (this.depth == 0) {
			// The root value: the event's properties, or an array that has none.
			if (!object || this.rootWritten) {
				throw giveUp();
			}
			this.rootWritten = true;
		}
		else if (this.column != NO_COLUMN) {
			// A column property whose value is an object or an array.
			throw giveUp();
		}
		int depth = ++this.depth;
		if (depth == this.firstName.length) {
			this.firstName = Arrays.copyOf(this.firstName, depth * 2);
		}
		this.firstName[depth] = object ? this.nameCount : -1;
		if (object && this.manyNames != null && depth < this.manyNames.length) {
			this.manyNames[depth] = null;
		}
	}

	private void endContainer(boolean object) {
		int depth = this.depth;
		if (this.needsTree || depth == 0 || (this.firstName[depth] >= 0) != object || this.column != NO_COLUMN) {
			// Unbalanced, or a column property's name without its value.
			throw giveUp();
		}
		if (object) {
			this.nameCount = this.firstName[depth];
		}
		this.depth = depth - 1;
	}

	/**
	 * Note a name written in the current object. At the root object, a column property's
	 * name is kept back, and its value taken for the column.
	 * @return whether the name goes on to the delegate
	 */
	private boolean name(String name) {
		int depth = this.depth;
		if (this.needsTree || depth == 0 || this.firstName[depth] < 0 || this.column != NO_COLUMN) {
			// A name outside an object, or a second name where a column's value was due.
			throw giveUp();
		}
		int hash = name.hashCode();
		if (!addName(depth, name, hash)) {
			throw giveUp();
		}
		if (depth == 1) {
			int column = this.layout.indexOf(name, hash);
			if (column != NO_COLUMN) {
				this.column = column;
				return false;
			}
		}
		return true;
	}

	private boolean addName(int depth, String name, int hash) {
		int first = this.firstName[depth];
		int count = this.nameCount;
		if (count == this.names.length) {
			this.names = Arrays.copyOf(this.names, Math.max(16, count * 2));
			this.hashes = Arrays.copyOf(this.hashes, Math.max(16, count * 2));
		}
		if (count - first < FEW_NAMES) {
			for (int i = first; i < count; i++) {
				if (this.hashes[i] == hash && this.names[i].equals(name)) {
					return false;
				}
			}
		}
		else if (!manyNames(depth, first, count).add(name)) {
			return false;
		}
		this.names[count] = name;
		this.hashes[count] = hash;
		this.nameCount = count + 1;
		return true;
	}

	private Set<String> manyNames(int depth, int first, int count) {
		@Nullable Set<String>[] sets = this.manyNames;
		if (sets == null || depth >= sets.length) {
			sets = (sets != null) ? Arrays.copyOf(sets, this.firstName.length) : newSets(this.firstName.length);
			this.manyNames = sets;
		}
		Set<String> set = sets[depth];
		if (set == null) {
			set = new HashSet<>(Arrays.asList(this.names).subList(first, count));
			sets[depth] = set;
		}
		return set;
	}

	@SuppressWarnings("unchecked")
	private static @Nullable Set<String>[] newSets(int length) {
		return (@Nullable Set<String>[]) new Set<?>[length];
	}

	/**
	 * Return whether a pre-encoded string can be handed on as it is: the text generator
	 * writes its plain value the same way, since it holds nothing that any setting escapes.
	 */
	private boolean plain(SerializableString string) {
		if (this.customEscapes) {
			return false;
		}
		String value = string.getValue();
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
					|| c == '-' || c == '.';
			if (!plain) {
				return false;
			}
		}
		return true;
	}

	// Structure

	@Override
	public JsonGenerator writeStartArray() {
		startContainer(false);
		this.delegate.writeStartArray();
		return this;
	}

	@Override
	public JsonGenerator writeStartArray(@Nullable Object currentValue) {
		startContainer(false);
		this.delegate.writeStartArray(currentValue);
		return this;
	}

	@Override
	public JsonGenerator writeStartArray(@Nullable Object currentValue, int size) {
		startContainer(false);
		this.delegate.writeStartArray(currentValue, size);
		return this;
	}

	@Override
	public JsonGenerator writeEndArray() {
		endContainer(false);
		this.delegate.writeEndArray();
		return this;
	}

	@Override
	public JsonGenerator writeStartObject() {
		startContainer(true);
		this.delegate.writeStartObject();
		return this;
	}

	@Override
	public JsonGenerator writeStartObject(@Nullable Object currentValue) {
		startContainer(true);
		this.delegate.writeStartObject(currentValue);
		return this;
	}

	@Override
	public JsonGenerator writeStartObject(@Nullable Object currentValue, int size) {
		startContainer(true);
		this.delegate.writeStartObject(currentValue, size);
		return this;
	}

	@Override
	public JsonGenerator writeEndObject() {
		endContainer(true);
		this.delegate.writeEndObject();
		return this;
	}

	@Override
	public JsonGenerator writeName(String name) {
		if (this.depth == 1) {
			leaveLearned();
			if (this.learning != null) {
				this.learning.complete = false;
			}
		}
		if (name(name)) {
			this.delegate.writeName(name);
		}
		return this;
	}

	@Override
	public JsonGenerator writeName(SerializableString name) {
		if (this.onLearned && this.depth == 1 && this.column == NO_COLUMN && !this.needsTree) {
			Learned learned = this.learned;
			SerializableString[] names = learned.names();
			for (int i = this.learnedAt; i < names.length; i++) {
				if (names[i] == name) {
					this.learnedAt = i + 1;
					this.learnedWritten |= 1L << i;
					writeRootName(name, learned.kinds()[i]);
					return this;
				}
			}
			leaveLearned();
		}
		String value = name.getValue();
		byte kind;
		if (name(value)) {
			kind = plain(name) ? PLAIN : ESCAPED;
			writeRootName(name, kind);
		}
		else {
			kind = (byte) this.column;
		}
		if (this.depth == 1 && this.learning != null) {
			this.learning.add(name, kind);
		}
		return this;
	}

	private void writeRootName(SerializableString name, byte kind) {
		if (kind == PLAIN) {
			this.delegate.writeName(name);
		}
		else if (kind == ESCAPED) {
			this.delegate.writeName(name.getValue());
		}
		else {
			this.column = kind;
		}
	}

	// From now on, this event's root names are checked one by one: those written so far are
	// the first to check the next ones against.
	private void leaveLearned() {
		if (!this.onLearned) {
			return;
		}
		this.onLearned = false;
		SerializableString[] names = this.learned.names();
		for (int i = 0; i < names.length; i++) {
			if ((this.learnedWritten & (1L << i)) != 0) {
				String name = names[i].getValue();
				addName(1, name, name.hashCode());
			}
		}
	}

	@Override
	public JsonGenerator writePropertyId(long id) {
		return writeName(Long.toString(id));
	}

	@Override
	public JsonGenerator writeOmittedProperty(String propertyName) {
		return this;
	}

	// Arrays of scalars, element by element as a tree receives them

	@Override
	public JsonGenerator writeArray(int[] array, int offset, int length) {
		writeStartArray(array, length);
		for (int i = offset; i < offset + length; i++) {
			writeNumber(array[i]);
		}
		return writeEndArray();
	}

	@Override
	public JsonGenerator writeArray(long[] array, int offset, int length) {
		writeStartArray(array, length);
		for (int i = offset; i < offset + length; i++) {
			writeNumber(array[i]);
		}
		return writeEndArray();
	}

	@Override
	public JsonGenerator writeArray(double[] array, int offset, int length) {
		writeStartArray(array, length);
		for (int i = offset; i < offset + length; i++) {
			writeNumber(array[i]);
		}
		return writeEndArray();
	}

	@Override
	public JsonGenerator writeArray(String[] array, int offset, int length) {
		writeStartArray(array, length);
		for (int i = offset; i < offset + length; i++) {
			writeString(array[i]);
		}
		return writeEndArray();
	}

	// Text: kept for a column, or written from its plain value

	@Override
	public JsonGenerator writeString(@Nullable String text) {
		if (text == null) {
			return writeNull();
		}
		if (passesOn()) {
			this.delegate.writeString(text);
		}
		else {
			keepColumn(text);
		}
		return this;
	}

	@Override
	public JsonGenerator writeString(char[] buffer, int offset, int length) {
		return writeString(new String(buffer, offset, length));
	}

	@Override
	public JsonGenerator writeString(@Nullable SerializableString text) {
		if (text == null) {
			return writeNull();
		}
		if (passesOn() && plain(text)) {
			this.delegate.writeString(text);
			return this;
		}
		return writeString(text.getValue());
	}

	@Override
	public JsonGenerator writeString(Reader reader, int length) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeRawUTF8String(byte[] buffer, int offset, int length) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeUTF8String(byte[] buffer, int offset, int length) {
		throw giveUp();
	}

	// Raw text: a tree holds a raw value and writes it as it came, but no other raw output

	@Override
	public JsonGenerator writeRaw(String text) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeRaw(String text, int offset, int length) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeRaw(SerializableString text) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeRaw(char[] text, int offset, int length) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeRaw(char c) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeRawValue(String text) {
		if (!passesOn()) {
			throw giveUp();
		}
		this.delegate.writeRawValue(text);
		return this;
	}

	@Override
	public JsonGenerator writeRawValue(String text, int offset, int length) {
		return writeRawValue((offset > 0 || length != text.length()) ? text.substring(offset, offset + length) : text);
	}

	@Override
	public JsonGenerator writeRawValue(char[] text, int offset, int length) {
		return writeRawValue(new String(text, offset, length));
	}

	@Override
	public JsonGenerator writeRawValue(SerializableString text) {
		return writeRawValue(text.getValue());
	}

	// Values a tree keeps as Java objects, to be serialized again when it is written

	@Override
	public JsonGenerator writeBinary(Base64Variant variant, byte[] data, int offset, int length) {
		throw giveUp();
	}

	@Override
	public int writeBinary(Base64Variant variant, InputStream data, int dataLength) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeEmbeddedObject(@Nullable Object object) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writePOJO(@Nullable Object value) {
		if (value == null) {
			return writeNull();
		}
		throw giveUp();
	}

	@Override
	public JsonGenerator writeTree(@Nullable TreeNode node) {
		if (node == null) {
			return writeNull();
		}
		throw giveUp();
	}

	@Override
	public JsonGenerator writeTypeId(Object id) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeObjectId(Object id) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeObjectRef(Object id) {
		throw giveUp();
	}

	// Numbers, booleans and null

	@Override
	public JsonGenerator writeNumber(short value) {
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(int value) {
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(long value) {
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(@Nullable BigInteger value) {
		if (value == null) {
			return writeNull();
		}
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(double value) {
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(float value) {
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(@Nullable BigDecimal value) {
		if (value == null) {
			return writeNull();
		}
		numberOrBoolean();
		this.delegate.writeNumber(value);
		return this;
	}

	@Override
	public JsonGenerator writeNumber(String encodedValue) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeNumber(char[] encodedValue, int offset, int length) {
		throw giveUp();
	}

	@Override
	public JsonGenerator writeBoolean(boolean value) {
		numberOrBoolean();
		this.delegate.writeBoolean(value);
		return this;
	}

	private void numberOrBoolean() {
		if (!passesOn()) {
			// A column's value that is not text: its column text comes from the tree.
			throw giveUp();
		}
	}

	@Override
	public JsonGenerator writeNull() {
		if (passesOn()) {
			this.delegate.writeNull();
		}
		else {
			keepColumn(null);
		}
		return this;
	}

	// What the serializers see of the generator: that of a tree-building one

	@Override
	public boolean isEnabled(StreamWriteFeature feature) {
		return (STREAM_WRITE_FEATURES & feature.getMask()) != 0;
	}

	@Override
	public int streamWriteFeatures() {
		return STREAM_WRITE_FEATURES;
	}

	@Override
	public JsonGenerator configure(StreamWriteFeature feature, boolean state) {
		return this;
	}

	@Override
	public boolean has(StreamWriteCapability capability) {
		return CAPABILITIES.isEnabled(capability);
	}

	@Override
	public JacksonFeatureSet<StreamWriteCapability> streamWriteCapabilities() {
		return CAPABILITIES;
	}

	@Override
	public boolean canWriteTypeId() {
		return false;
	}

	@Override
	public boolean canWriteObjectId() {
		return false;
	}

	@Override
	public boolean canOmitProperties() {
		return true;
	}

	@Override
	public @Nullable CharacterEscapes getCharacterEscapes() {
		return null;
	}

	@Override
	public int getHighestNonEscapedChar() {
		return 0;
	}

	@Override
	public @Nullable PrettyPrinter getPrettyPrinter() {
		return null;
	}

	@Override
	public @Nullable FormatSchema getSchema() {
		return null;
	}

	@Override
	public @Nullable Object streamWriteOutputTarget() {
		return null;
	}

	@Override
	public int streamWriteOutputBuffered() {
		return -1;
	}

	@Override
	public void flush() {
	}

	@Override
	public void close() {
	}

	@Override
	public boolean isClosed() {
		return false;
	}

	/**
	 * What is known of an event type's root object: the JSON names of its {@code actorId},
	 * {@code database} and {@code table} properties, in that order, with their hashes; and,
	 * once an event of the type has been written, the names it was written with. Shared by
	 * the threads that map events of the type.
	 */
	static final class Layout {

		private final String[] keys;

		private final int[] hashes;

		static final Layout NONE = new Layout("actorId", "database", "table");

		private volatile @Nullable Learned learned;

		private volatile boolean unlearnable;

		Layout(String actorId, String database, String table) {
			this.keys = new String[] { actorId, database, table };
			this.hashes = new int[] { actorId.hashCode(), database.hashCode(), table.hashCode() };
		}

		String key(int index) {
			return this.keys[index];
		}

		int indexOf(String name, int hash) {
			for (int i = 0; i < this.keys.length; i++) {
				if (this.hashes[i] == hash && this.keys[i].equals(name)) {
					return i;
				}
			}
			return NO_COLUMN;
		}

	}

	/**
	 * The root names an event of a type was written with, each as the instance the
	 * serializers handed over, with what became of it: one of the columns, or written
	 * {@link #PLAIN} or {@link #ESCAPED}. None is there twice.
	 */
	private record Learned(SerializableString[] names, byte[] kinds, boolean customEscapes) {
	}

	private static final class Learning {

		private final SerializableString[] names = new SerializableString[Long.SIZE];

		private final byte[] kinds = new byte[Long.SIZE];

		private int count;

		// Whether every root name came as a pre-encoded instance, and there are not too many.
		private boolean complete;

		Learning reset() {
			this.count = 0;
			this.complete = true;
			return this;
		}

		void add(SerializableString name, byte kind) {
			if (this.count == this.names.length) {
				this.complete = false;
				return;
			}
			this.names[this.count] = name;
			this.kinds[this.count] = kind;
			this.count++;
		}

	}

	/**
	 * Thrown to stop writing an event once its text is known to differ from a tree's. Its one
	 * instance has no stack trace: the event is then mapped through a tree, and this is
	 * never seen.
	 */
	private static final class NeedsTree extends RuntimeException {

		NeedsTree() {
			super("The event's properties are to be mapped through a tree", null, false, false);
		}

	}

	/**
	 * The text an event's properties are written to: what the text generator writes when it
	 * is closed, kept as one string.
	 */
	static final class Text extends Writer {

		private @Nullable String text;

		private @Nullable StringBuilder more;

		@Override
		public void write(char[] buffer, int offset, int length) {
			if (this.text == null && this.more == null) {
				this.text = new String(buffer, offset, length);
			}
			else {
				more().append(buffer, offset, length);
			}
		}

		@Override
		public void write(String string, int offset, int length) {
			if (this.text == null && this.more == null) {
				this.text = string.substring(offset, offset + length);
			}
			else {
				more().append(string, offset, offset + length);
			}
		}

		@Override
		public void write(int c) {
			more().append((char) c);
		}

		private StringBuilder more() {
			StringBuilder more = this.more;
			if (more == null) {
				more = new StringBuilder(256);
				if (this.text != null) {
					more.append(this.text);
					this.text = null;
				}
				this.more = more;
			}
			return more;
		}

		/**
		 * Return the text written since the last call, and start again.
		 */
		String take() {
			String text = (this.more != null) ? this.more.toString() : (this.text != null) ? this.text : "";
			this.text = null;
			this.more = null;
			return text;
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	}

}
