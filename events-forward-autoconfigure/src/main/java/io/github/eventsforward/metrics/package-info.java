/**
 * Micrometer metrics of the Datasette events forwarder.
 */
@NullMarked
package io.github.eventsforward.metrics;

import org.jspecify.annotations.NullMarked;
