/**
 * The sample application: a small shop whose Spring events the starter forwards to Datasette.
 */
@NullMarked
package io.github.eventsforward.sample;

import org.jspecify.annotations.NullMarked;
