/**
 * Implementation of the forwarder: capture, mapping, batching, rate limiting and sending.
 * Not part of the public API; anything here may change without notice.
 */
@NullMarked
package io.github.eventsforward.internal;

import org.jspecify.annotations.NullMarked;
