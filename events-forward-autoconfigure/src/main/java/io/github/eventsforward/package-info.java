/**
 * Public API of the Datasette events forwarder: the mapping of events to rows, the event
 * naming annotation and the forwarder's counts.
 */
@NullMarked
package io.github.eventsforward;

import org.jspecify.annotations.NullMarked;
