package io.github.eventsforward.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

import org.assertj.core.api.AbstractObjectAssert;
import org.jspecify.annotations.Nullable;

/**
 * Assertions on a row that a {@link FakeDatasette} stored, from
 * {@link FakeDatasetteAssert#hasReceivedEvent(String)}. Each {@code with...} narrows the
 * expectation and waits for a row that meets all of it, so the order in which rows arrive
 * does not matter; the row found is this assertion's actual value, for
 * {@link #satisfies} and the like.
 */
public final class ReceivedEventAssert extends AbstractObjectAssert<ReceivedEventAssert, ReceivedEvent> {

	private final FakeDatasette datasette;

	private final Duration timeout;

	private final Expectation expectation;

	private ReceivedEventAssert(FakeDatasette datasette, Duration timeout, Expectation expectation,
			ReceivedEvent row) {
		super(row, ReceivedEventAssert.class);
		this.datasette = datasette;
		this.timeout = timeout;
		this.expectation = expectation;
	}

	static ReceivedEventAssert await(FakeDatasette datasette, Duration timeout, Expectation expectation,
			@Nullable String description) {
		ReceivedEvent row = datasette.awaitRow(expectation, timeout).orElse(null);
		if (row == null) {
			throw new AssertionError(((description != null && !description.isEmpty()) ? "[" + description + "] " : "")
					+ "Expected the fake Datasette to store a row with " + expectation + " within " + timeout
					+ ", but none of the " + datasette.rows().size() + " rows it stored matches"
					+ datasette.describe());
		}
		ReceivedEventAssert assertion = new ReceivedEventAssert(datasette, timeout, expectation, row);
		return (description != null && !description.isEmpty()) ? assertion.as(description) : assertion;
	}

	private ReceivedEventAssert narrow(String description, Predicate<ReceivedEvent> row) {
		return await(this.datasette, this.timeout, this.expectation.and(description, row), this.info.descriptionText());
	}

	/**
	 * Expect the {@code actor_id} column to be this.
	 * @param actorId the actor, or {@code null}
	 * @return assertions on a row that also has it
	 */
	public ReceivedEventAssert withActorId(@Nullable String actorId) {
		return narrow("actor_id " + quoted(actorId), (row) -> Objects.equals(row.actorId(), actorId));
	}

	/**
	 * Expect the {@code instance} column to be this.
	 * @param instance the instance label, or {@code null}
	 * @return assertions on a row that also has it
	 */
	public ReceivedEventAssert withInstance(@Nullable String instance) {
		return narrow("instance " + quoted(instance), (row) -> Objects.equals(row.instance(), instance));
	}

	/**
	 * Expect the {@code database_name} column to be this.
	 * @param database the database, or {@code null}
	 * @return assertions on a row that also has it
	 */
	public ReceivedEventAssert withDatabaseName(@Nullable String database) {
		return narrow("database_name " + quoted(database), (row) -> Objects.equals(row.databaseName(), database));
	}

	/**
	 * Expect the {@code table_name} column to be this.
	 * @param table the table, or {@code null}
	 * @return assertions on a row that also has it
	 */
	public ReceivedEventAssert withTableName(@Nullable String table) {
		return narrow("table_name " + quoted(table), (row) -> Objects.equals(row.tableName(), table));
	}

	/**
	 * Expect a property of the {@code properties} column to have this value; numbers
	 * compare by value ({@link ReceivedEvent#hasProperty(String, Object)}).
	 * @param path the property's name, or a dotted path into nested objects
	 * @param value the value, or {@code null} for JSON {@code null} or no such property
	 * @return assertions on a row that also has it
	 */
	public ReceivedEventAssert withProperty(String path, @Nullable Object value) {
		return narrow("properties." + path + " " + ((value instanceof String) ? quoted((String) value) : value),
				(row) -> row.hasProperty(path, value));
	}

	/**
	 * Expect the row to match a condition of the test's own.
	 * @param description what the condition is, for the failure message
	 * @param condition the condition
	 * @return assertions on a row that also matches it
	 */
	public ReceivedEventAssert matching(String description, Predicate<ReceivedEvent> condition) {
		return narrow(description, condition);
	}

	private static String quoted(@Nullable String value) {
		return (value != null) ? "\"" + value + "\"" : "null";
	}

	/**
	 * What a row is expected to be: each part described, all of them to be met.
	 */
	static final class Expectation implements Predicate<ReceivedEvent> {

		private final List<String> descriptions;

		private final List<Predicate<ReceivedEvent>> conditions;

		private Expectation(List<String> descriptions, List<Predicate<ReceivedEvent>> conditions) {
			this.descriptions = descriptions;
			this.conditions = conditions;
		}

		static Expectation event(String event) {
			return new Expectation(List.of("event " + quoted(event)), List.of((row) -> event.equals(row.event())));
		}

		Expectation and(String description, Predicate<ReceivedEvent> condition) {
			List<String> descriptions = new ArrayList<>(this.descriptions);
			descriptions.add(description);
			List<Predicate<ReceivedEvent>> conditions = new ArrayList<>(this.conditions);
			conditions.add(condition);
			return new Expectation(List.copyOf(descriptions), List.copyOf(conditions));
		}

		@Override
		public boolean test(ReceivedEvent row) {
			return this.conditions.stream().allMatch((condition) -> condition.test(row));
		}

		@Override
		public String toString() {
			if (this.descriptions.size() == 1) {
				return this.descriptions.get(0);
			}
			return String.join(", ", this.descriptions.subList(0, this.descriptions.size() - 1)) + " and "
					+ this.descriptions.get(this.descriptions.size() - 1);
		}

	}

}
