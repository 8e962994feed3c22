package io.github.eventsforward.testsupport;

import io.github.eventsforward.ForwardCounts;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions on {@link ForwardCounts}.
 */
public final class ForwardCountsAssertions {

	private ForwardCountsAssertions() {
	}

	/**
	 * Assert that every published event, and every event recovered from a spool, is counted
	 * once: delivered, dropped, failed or still queued.
	 * @param counts the counts
	 */
	public static void assertAddsUp(ForwardCounts counts) {
		assertThat(counts.published() + counts.recovered())
			.as("published + recovered == delivered + dropped + failed + rolledBack + queued in %s", counts)
			.isEqualTo(counts.delivered() + counts.dropped() + counts.failed() + counts.rolledBack() + counts.queued());
	}

}
