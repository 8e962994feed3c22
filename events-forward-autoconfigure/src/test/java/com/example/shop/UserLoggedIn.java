package com.example.shop;

import io.github.eventsforward.EventName;

/**
 * An explicitly named event.
 */
@EventName("login")
public record UserLoggedIn(String actorId, String method) {
}
