package io.github.eventsforward;

/**
 * A snapshot of what the forwarder did with the events it was given. Every published event,
 * and every event it found in its spool at start-up, is in exactly one of
 * {@code delivered}, {@code dropped}, {@code failed}, {@code rolledBack} or {@code queued},
 * so those five add up to {@code published + recovered}.
 *
 * @param published events accepted by the include and exclude rules
 * @param delivered events the server acknowledged
 * @param dropped events dropped because the buffer was full (the newest or the oldest, as
 * {@code buffer-overflow} says) or the forwarder had stopped
 * @param failed events given up on (dead letters): rejected by the server, still failing
 * after {@code retry.give-up-after}, or not mappable to a row
 * @param queued events waiting to be sent or being sent, in memory or in the spool, and
 * events published in a transaction that has not ended yet
 * @param recovered events an earlier run of the application left in the spool, found at
 * start-up
 * @param rolledBack events published in a transaction that rolled back, never forwarded
 * (with {@code transaction-phase} {@code after-commit})
 */
public record ForwardCounts(long published, long delivered, long dropped, long failed, long queued, long recovered,
		long rolledBack) {

	/**
	 * Counts with nothing rolled back.
	 * @param published events accepted by the include and exclude rules
	 * @param delivered events the server acknowledged
	 * @param dropped events dropped
	 * @param failed events given up on
	 * @param queued events waiting to be sent or being sent
	 * @param recovered events found in the spool at start-up
	 */
	public ForwardCounts(long published, long delivered, long dropped, long failed, long queued, long recovered) {
		this(published, delivered, dropped, failed, queued, recovered, 0);
	}

	/**
	 * Counts with nothing recovered from a spool and nothing rolled back.
	 * @param published events accepted by the include and exclude rules
	 * @param delivered events the server acknowledged
	 * @param dropped events dropped
	 * @param failed events given up on
	 * @param queued events waiting to be sent or being sent
	 */
	public ForwardCounts(long published, long delivered, long dropped, long failed, long queued) {
		this(published, delivered, dropped, failed, queued, 0, 0);
	}

}
