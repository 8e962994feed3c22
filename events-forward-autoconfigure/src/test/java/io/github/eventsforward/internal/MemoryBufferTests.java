package io.github.eventsforward.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.github.eventsforward.EventRow;
import io.github.eventsforward.internal.EventBuffer.Admission;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MemoryBuffer}: what a full buffer admits and drops, and the order in
 * which rows wait, go out, come back and leave.
 */
class MemoryBufferTests {

	private final List<EncodedRow> rows = new ArrayList<>();

	@Test
	void withDropNewestAdmitsUpToTheCapacityAndDropsWhatComesAfter() {
		MemoryBuffer buffer = dropNewest(10);
		assertThat(buffer.admit(1)).isEqualTo(Admission.ACCEPT);
		assertThat(buffer.admit(10)).isEqualTo(Admission.ACCEPT);
		assertThat(buffer.admit(11)).isEqualTo(Admission.DROP_NEWEST);
		assertThat(buffer.admit(5000)).isEqualTo(Admission.DROP_NEWEST);
	}

	@Test
	void withDropOldestAdmitsABurstOf1024BeyondASmallCapacityThenDropsTheOldestQueued() {
		MemoryBuffer buffer = dropOldest(10);
		assertThat(buffer.admit(10)).isEqualTo(Admission.ACCEPT);
		assertThat(buffer.admit(11)).isEqualTo(Admission.ACCEPT);
		assertThat(buffer.admit(10 + 1024)).isEqualTo(Admission.ACCEPT);
		assertThat(buffer.admit(10 + 1025)).isEqualTo(Admission.DROP_OLDEST_QUEUED);
		assertThat(buffer.admit(1_000_000)).isEqualTo(Admission.DROP_OLDEST_QUEUED);
	}

	@Test
	void withDropOldestAdmitsABurstOfTheCapacityBeyondALargeCapacity() {
		MemoryBuffer buffer = dropOldest(2000);
		assertThat(buffer.admit(4000)).isEqualTo(Admission.ACCEPT);
		assertThat(buffer.admit(4001)).isEqualTo(Admission.DROP_OLDEST_QUEUED);
	}

	@Test
	void withDropOldestAddEvictsTheOldestWaitingRowsToStayWithinTheCapacity() {
		MemoryBuffer buffer = dropOldest(3);
		assertThat(buffer.add(COLUMNS, row(0))).isZero();
		assertThat(buffer.add(COLUMNS, row(1))).isZero();
		assertThat(buffer.add(COLUMNS, row(2))).isZero();
		assertThat(buffer.add(COLUMNS, row(3))).isOne();
		assertThat(buffer.size()).isEqualTo(3);
		assertThat(buffer.take(10)).containsExactly(row(1), row(2), row(3));
	}

	@Test
	void withDropOldestAddNeverEvictsRowsInFlight() {
		MemoryBuffer buffer = dropOldest(3);
		buffer.add(COLUMNS, row(0));
		buffer.add(COLUMNS, row(1));
		assertThat(buffer.take(2)).containsExactly(row(0), row(1));
		assertThat(buffer.add(COLUMNS, row(2))).isZero();
		// Two in flight and two waiting are over the capacity: the older waiting row goes.
		assertThat(buffer.add(COLUMNS, row(3))).isOne();
		assertThat(buffer.add(COLUMNS, row(4))).isOne();
		buffer.requeue();
		assertThat(buffer.take(10)).containsExactly(row(0), row(1), row(4));
	}

	@Test
	void batchesInFlightSettleInAnyOrderAndTheOldestRowStaysThatOfTheOldestBatchNotSettled() {
		MemoryBuffer buffer = dropNewest(10);
		for (int i = 0; i < 6; i++) {
			buffer.add(COLUMNS, row(i));
		}
		List<EncodedRow> first = buffer.take(2);
		List<EncodedRow> second = buffer.take(2);
		assertThat(buffer.oldestWaitingArrival()).isEqualTo(row(4).arrived());
		buffer.settled(second);
		assertThat(buffer.oldestArrival()).as("the first batch is still in flight").isEqualTo(row(0).arrived());
		List<EncodedRow> third = buffer.take(1);
		buffer.settled(first);
		assertThat(buffer.oldestArrival()).isEqualTo(row(4).arrived());
		buffer.requeue();
		assertThat(buffer.take(10)).as("only what is still in flight comes back, in order").containsExactly(row(4),
				row(5));
		assertThat(third).containsExactly(row(4));
	}

	@Test
	void withDropNewestAddEvictsNothing() {
		MemoryBuffer buffer = dropNewest(2);
		for (int i = 0; i < 4; i++) {
			assertThat(buffer.add(COLUMNS, row(i))).isZero();
		}
		assertThat(buffer.take(10)).containsExactly(row(0), row(1), row(2), row(3));
	}

	@Test
	void takesTheOldestWaitingRowsInOrderUpToTheMost() {
		MemoryBuffer buffer = withRows(dropNewest(10), 5);
		assertThat(buffer.take(3)).containsExactly(row(0), row(1), row(2));
		assertThat(buffer.size()).isEqualTo(2);
		assertThat(buffer.take(10)).containsExactly(row(3), row(4));
		assertThat(buffer.size()).isZero();
		assertThat(buffer.take(10)).isEmpty();
	}

	@Test
	void requeuePutsTheRowsInFlightBackInFrontOfTheWaitingOnesInTheirOrder() {
		MemoryBuffer buffer = withRows(dropNewest(10), 6);
		assertThat(buffer.take(4)).containsExactly(row(0), row(1), row(2), row(3));
		buffer.settled(List.of(row(0), row(1)));
		buffer.add(COLUMNS, row(6));
		buffer.requeue();
		assertThat(buffer.size()).isEqualTo(5);
		assertThat(buffer.take(10)).containsExactly(row(2), row(3), row(4), row(5), row(6));
	}

	@Test
	void oldestArrivalIsThatOfTheOldestRowWaitingOrInFlight() {
		MemoryBuffer buffer = dropNewest(10);
		assertThat(buffer.oldestArrival()).isEqualTo(EventBuffer.NONE);
		withRows(buffer, 4);
		assertThat(buffer.oldestArrival()).isEqualTo(row(0).arrived());
		buffer.take(2);
		assertThat(buffer.oldestArrival()).as("in flight").isEqualTo(row(0).arrived());
		// A split batch may have its second half settled first.
		buffer.settled(List.of(row(1)));
		assertThat(buffer.oldestArrival()).isEqualTo(row(0).arrived());
		buffer.settled(List.of(row(0)));
		assertThat(buffer.oldestArrival()).isEqualTo(row(2).arrived());
		assertThat(buffer.evictOldest()).isTrue();
		assertThat(buffer.oldestArrival()).isEqualTo(row(3).arrived());
		buffer.settled(buffer.take(10));
		assertThat(buffer.oldestArrival()).isEqualTo(EventBuffer.NONE);
		assertThat(buffer.evictOldest()).isFalse();
	}

	@Test
	void evictOldestDropsTheOldestWaitingRowButNoneInFlight() {
		MemoryBuffer buffer = withRows(dropOldest(10), 3);
		buffer.take(1);
		assertThat(buffer.evictOldest()).isTrue();
		assertThat(buffer.evictOldest()).isTrue();
		assertThat(buffer.evictOldest()).isFalse();
		assertThat(buffer.oldestArrival()).isEqualTo(row(0).arrived());
		buffer.requeue();
		assertThat(buffer.take(10)).containsExactly(row(0));
	}

	private static MemoryBuffer dropNewest(int capacity) {
		return new MemoryBuffer(TestSettings.defaults().bufferCapacity(capacity).build().buffer());
	}

	private static MemoryBuffer dropOldest(int capacity) {
		return new MemoryBuffer(TestSettings.defaults().bufferCapacity(capacity).dropOldest().build().buffer());
	}

	private MemoryBuffer withRows(MemoryBuffer buffer, int count) {
		for (int i = 0; i < count; i++) {
			buffer.add(COLUMNS, row(i));
		}
		return buffer;
	}

	// The same row for the same number, arrived 1 ms after the one before.
	// What the memory buffer keeps is the JSON: the columns are not looked at.
	private static final EventRow COLUMNS = new EventRow("e", null, "e", "2026-12-02T00:00:00.000000+00:00", null, null, null,
			"{}");

	private EncodedRow row(int n) {
		while (this.rows.size() <= n) {
			int next = this.rows.size();
			byte[] json = ("{\"id\":\"e-" + next + "\"}").getBytes(StandardCharsets.UTF_8);
			this.rows.add(new EncodedRow(json, 1_000_000L * (next + 1)));
		}
		return this.rows.get(n);
	}

}
