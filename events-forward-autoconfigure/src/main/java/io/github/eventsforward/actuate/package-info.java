/**
 * Actuator support for the Datasette events forwarder: a health indicator and an endpoint.
 */
@NullMarked
package io.github.eventsforward.actuate;

import org.jspecify.annotations.NullMarked;
