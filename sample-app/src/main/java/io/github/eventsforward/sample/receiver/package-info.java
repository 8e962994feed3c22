/**
 * A stand-in for Datasette's JSON write API, storing rows in SQLite, for local runs.
 */
@NullMarked
package io.github.eventsforward.sample.receiver;

import org.jspecify.annotations.NullMarked;
