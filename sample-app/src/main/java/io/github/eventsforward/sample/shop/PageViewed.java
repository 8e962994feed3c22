package io.github.eventsforward.sample.shop;

import org.jspecify.annotations.Nullable;

/**
 * The steady trickle of the generator: forwarded as {@code page-viewed}.
 *
 * @param path the page
 * @param actorId the visitor, or {@code null} for an anonymous one
 * @param durationMillis how long the page took to render
 */
public record PageViewed(String path, @Nullable String actorId, long durationMillis) {
}
