package io.github.eventsforward.test;

import java.time.Duration;
import java.util.List;

import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on what a {@link FakeDatasette} received, from
 * {@code assertThat(datasette)}. Those that expect something wait for it, up to the fake's
 * {@link FakeDatasette#awaitTimeout() awaitTimeout} or {@link #within(Duration)}, since
 * the forwarder sends in the background:
 * <pre class="code">
 * assertThat(datasette).hasReceivedEvent("order-placed")
 *     .withActorId("alice")
 *     .withProperty("quantity", 2);
 * </pre>
 */
public final class FakeDatasetteAssert extends AbstractAssert<FakeDatasetteAssert, FakeDatasette> {

	private final Duration timeout;

	FakeDatasetteAssert(FakeDatasette actual) {
		this(actual, actual.awaitTimeout());
	}

	private FakeDatasetteAssert(FakeDatasette actual, Duration timeout) {
		super(actual, FakeDatasetteAssert.class);
		this.timeout = timeout;
	}

	/**
	 * Wait this long, instead of the fake's {@code awaitTimeout}, in the assertions that
	 * follow.
	 * @param timeout how long to wait
	 * @return assertions that wait that long
	 */
	public FakeDatasetteAssert within(Duration timeout) {
		return new FakeDatasetteAssert(this.actual, timeout);
	}

	/**
	 * Wait for a row of this event; the assertions of the result narrow it down, each
	 * waiting for a row that matches all of them.
	 * @param event the event's name, such as {@code order-placed}
	 * @return assertions on the row
	 */
	public ReceivedEventAssert hasReceivedEvent(String event) {
		return ReceivedEventAssert.await(this.actual, this.timeout,
				ReceivedEventAssert.Expectation.event(event), this.info.descriptionText());
	}

	/**
	 * Wait until the fake has stored this many rows, and check it has stored no more by then.
	 * @param count how many rows
	 * @return this
	 */
	public FakeDatasetteAssert hasReceivedRows(int count) {
		isNotNull();
		List<ReceivedEvent> rows;
		try {
			rows = this.actual.awaitRows(count, this.timeout);
		}
		catch (AssertionError ex) {
			throw failure(ex.getMessage());
		}
		if (rows.size() != count) {
			throw failure("Expected the fake Datasette to store %s rows, but it stored %s:%n  %s", count,
					rows.size(), rows);
		}
		return this;
	}

	/**
	 * Check that no row of this event has been stored so far. This does not wait: flush the
	 * forwarder first ({@code EventsForwarder.flush}) so that what it would send has been.
	 * @param event the event's name
	 * @return this
	 */
	public FakeDatasetteAssert hasNotReceivedEvent(String event) {
		isNotNull();
		List<ReceivedEvent> rows = this.actual.rows().stream().filter((row) -> event.equals(row.event())).toList();
		if (!rows.isEmpty()) {
			throw failure("Expected the fake Datasette to have no row of event \"%s\", but it has:%n  %s", event,
					rows);
		}
		return this;
	}

	/**
	 * Check that the fake has stored nothing so far. This does not wait: flush the
	 * forwarder first.
	 * @return this
	 */
	public FakeDatasetteAssert hasReceivedNothing() {
		isNotNull();
		List<ReceivedEvent> rows = this.actual.rows();
		if (!rows.isEmpty()) {
			throw failure("Expected the fake Datasette to have stored nothing, but it has %s rows:%n  %s",
					rows.size(), rows);
		}
		return this;
	}

}
