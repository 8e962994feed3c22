package io.github.eventsforward.testsupport;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * The threads the forwarder runs on.
 */
public final class ForwarderThreads {

	/** How the name of each of the forwarder's threads starts. */
	public static final String NAME_PREFIX = "datasette-events-forward";

	private ForwarderThreads() {
	}

	/**
	 * Return the forwarder threads alive now, of every forwarder.
	 * @return the threads, a set of the caller's own
	 */
	public static Set<Thread> alive() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(NAME_PREFIX))
			.collect(Collectors.toSet());
	}

}
