package io.github.eventsforward.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * Switch forwarding off in a Spring test that does not care about it: nothing is sent, and
 * the URL in {@code application.yml} is never reached, while beans that inject
 * {@code EventsForwarder} still get one, whose state says forwarding is off. It sets
 * {@code datasette.events-forward.enabled=false} before every other setting, and imports the
 * forwarder's auto-configuration, so that it works on slices such as {@code @WebMvcTest} or
 * {@code @DataJpaTest} too. Put it on a base class or a meta-annotation of the tests that
 * do not forward.
 *
 * @see AutoConfigureFakeDatasette
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface DisableEventsForwarding {

}
