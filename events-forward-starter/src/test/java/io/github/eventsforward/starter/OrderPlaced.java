package io.github.eventsforward.starter;

/**
 * An event of a shop, as a user's application publishes it.
 *
 * @param actorId who placed the order
 * @param item what was ordered
 * @param quantity how many
 */
record OrderPlaced(String actorId, String item, int quantity) {

}
