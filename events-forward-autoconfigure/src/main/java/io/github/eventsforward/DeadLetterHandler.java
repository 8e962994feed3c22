package io.github.eventsforward;

/**
 * Receives the events the forwarder gave up on, for example to store them elsewhere. Declare
 * beans of this type; each is called once per dead letter, in order, on the forwarder's
 * thread, so it should be quick. An exception thrown here is logged and otherwise ignored.
 * Every dead letter is also logged at ERROR and counted as failed.
 */
@FunctionalInterface
public interface DeadLetterHandler {

	/**
	 * Handle one dead letter.
	 * @param deadLetter the event's row and why it was given up on
	 */
	void handle(DeadLetter deadLetter);

}
