package io.github.eventsforward.internal;

import java.time.Instant;

/**
 * An event as the publisher thread hands it over: the event and when it was published.
 *
 * @param event the event or payload
 * @param published when it was published
 */
record CapturedEvent(Object event, Instant published) {

}
