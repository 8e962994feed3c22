package io.github.eventsforward.sample;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.sample.receiver.EventStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two environment variables point the sample at a real Datasette.
 */
class RealDatasetteConfigurationTests {

	@Test
	void datasetteApiUrlTurnsTheStandInReceiverOffAndForwardsThere() {
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class).run(
				"--server.port=0", "--sample.generator.enabled=false",
				"--DATASETTE_API_URL=http://datasette.invalid:8001/data/-/create",
				"--FORWARD_TOKEN=dstok_from-the-environment", "--datasette.events-forward.spool.enabled=false")) {
			assertThat(app.getBeanProvider(EventStore.class).getIfAvailable()).isNull();
			assertThat(app.getBean(EventsForwarder.class)).isNotNull();
			assertThat(app.getEnvironment().getProperty("datasette.events-forward.api-url"))
				.isEqualTo("http://datasette.invalid:8001/data/-/create");
			assertThat(app.getEnvironment().getProperty("datasette.events-forward.api-token"))
				.isEqualTo("dstok_from-the-environment");
		}
	}

	@Test
	void withoutThemTheSampleForwardsToItsOwnStandInReceiver() {
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class).run(
				"--server.port=0", "--sample.generator.enabled=false", "--datasette.events-forward.enabled=false",
				"--sample.receiver.database-file=target/receiver-config-test.db",
				"--datasette.events-forward.spool.enabled=false")) {
			assertThat(app.getBeanProvider(EventStore.class).getIfAvailable()).isNotNull();
		}
	}

}
