package io.github.eventsforward.autoconfigure;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.metrics.EventsForwardMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * Micrometer metrics of the events forwarder, when the application has a
 * {@link MeterRegistry}.
 */
@AutoConfiguration(after = EventsForwardAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, EventsForwarder.class })
@Conditional(OnForwardingCondition.class)
public final class EventsForwardMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	EventsForwardMetrics eventsForwardMetrics(MeterRegistry registry, EventsForwardProperties properties,
			Environment environment, ObjectProvider<EventsForwarder> forwarder) {
		return new EventsForwardMetrics(registry, EventsForwardAutoConfiguration.instance(properties, environment),
				forwarder::getObject);
	}

}
