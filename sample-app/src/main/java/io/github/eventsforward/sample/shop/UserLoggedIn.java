package io.github.eventsforward.sample.shop;

import io.github.eventsforward.EventName;

/**
 * An explicitly named event: forwarded as {@code login}, the name Datasette uses.
 *
 * @param actorId who logged in
 * @param method how
 */
@EventName("login")
public record UserLoggedIn(String actorId, String method) {
}
