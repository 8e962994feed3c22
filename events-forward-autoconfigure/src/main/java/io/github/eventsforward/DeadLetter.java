package io.github.eventsforward;

/**
 * An event the forwarder gave up on: the server rejected its row, or kept failing for
 * {@code datasette.events-forward.retry.give-up-after}.
 *
 * @param row the row as it was sent
 * @param reason why, in the server's words where it gave any
 * @param status the HTTP status of the last answer, or {@code 0} when there was none (a
 * connection error or a timeout)
 */
public record DeadLetter(EventRow row, String reason, int status) {

}
