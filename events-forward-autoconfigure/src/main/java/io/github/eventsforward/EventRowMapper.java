package io.github.eventsforward;

/**
 * Maps a published event to the columns it is forwarded as. Declare a bean of this type to
 * replace the default mapping ({@link DefaultEventRowMapper}); a mapper may delegate to the
 * default one and adjust its result.
 * <p>
 * Called on the forwarder's own thread, never on the thread that published the event. An
 * exception thrown here skips that event: it is logged once for its type and counted as
 * failed.
 */
@FunctionalInterface
public interface EventRowMapper {

	/**
	 * Map one event.
	 * @param event the published event: an {@code ApplicationEvent}, or the payload given
	 * to {@code publishEvent(Object)}
	 * @return the event's columns
	 */
	MappedEvent map(Object event);

}
