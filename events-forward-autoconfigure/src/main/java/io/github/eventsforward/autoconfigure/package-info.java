/**
 * Auto-configuration and configuration properties of the Datasette events forwarder.
 */
@NullMarked
package io.github.eventsforward.autoconfigure;

import org.jspecify.annotations.NullMarked;
