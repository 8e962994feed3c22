/**
 * For the tests of an application that forwards its events with the starter: an in-process
 * fake of Datasette's JSON write API ({@link io.github.eventsforward.test.FakeDatasette}),
 * the annotations that point the forwarder at it
 * ({@link io.github.eventsforward.test.AutoConfigureFakeDatasette}) or switch forwarding off
 * ({@link io.github.eventsforward.test.DisableEventsForwarding}), and AssertJ assertions on
 * the rows it received.
 */
@NullMarked
package io.github.eventsforward.test;

import org.jspecify.annotations.NullMarked;
