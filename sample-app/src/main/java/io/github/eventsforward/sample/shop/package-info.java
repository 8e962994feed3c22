/**
 * The shop: its endpoints, the events they publish and a generator of sample traffic.
 */
@NullMarked
package io.github.eventsforward.sample.shop;

import org.jspecify.annotations.NullMarked;
