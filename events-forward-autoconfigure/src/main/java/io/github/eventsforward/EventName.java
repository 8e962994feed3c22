package io.github.eventsforward;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the {@code event} column for every event of the annotated type, in place of the name
 * derived from its class ({@code UserSignedUpEvent} becomes {@code user-signed-up}).
 *
 * <pre class="code">
 * &#64;EventName("login")
 * public record UserLoggedIn(String actorId) {
 * }
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventName {

	/**
	 * Name written to the {@code event} column, for example {@code login}.
	 * @return the event name
	 */
	String value();

}
