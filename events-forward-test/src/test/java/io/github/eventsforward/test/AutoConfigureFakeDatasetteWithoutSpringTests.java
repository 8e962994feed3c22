package io.github.eventsforward.test;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static io.github.eventsforward.test.WriteApiClient.createBody;
import static io.github.eventsforward.test.WriteApiClient.post;
import static io.github.eventsforward.test.WriteApiClient.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a test class without Spring's test support, a test method's parameter gets a fake of
 * its own, as the annotation describes it, stopped after the method.
 */
@AutoConfigureFakeDatasette(database = "shop", token = "")
class AutoConfigureFakeDatasetteWithoutSpringTests {

	private static FakeDatasette last;

	@AfterAll
	static void theFakeWasStoppedAfterItsTest() {
		assertThat(last.isUp()).isFalse();
	}

	@Test
	void aParameterGetsAFakeAsTheAnnotationDescribesIt(FakeDatasette datasette) {
		last = datasette;

		assertThat(datasette.isUp()).isTrue();
		assertThat(datasette.database()).isEqualTo("shop");
		assertThat(datasette.token()).isNull();
		assertThat(datasette.apiUrl()).endsWith("/shop/-/create");
		assertThat(post(datasette.url("/shop/-/create"), createBody("datasette_events", row()).toString(), null)
			.status()).isEqualTo(201);
		assertThat(datasette.forwarderProperties()).containsEntry("datasette.events-forward.api-token", "");
	}

}
