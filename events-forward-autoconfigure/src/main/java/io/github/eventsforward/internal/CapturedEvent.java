package io.github.eventsforward.internal;

/**
 * An event as the publisher thread hands it over: the event and when it was published, in
 * microseconds since the epoch (the precision of the {@code created} column). A number
 * rather than an {@code Instant}, so that publishing allocates no more than this record.
 *
 * @param event the event or payload
 * @param publishedMicros when it was published
 */
record CapturedEvent(Object event, long publishedMicros) {

}
