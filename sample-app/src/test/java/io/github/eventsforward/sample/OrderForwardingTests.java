package io.github.eventsforward.sample;

import io.github.eventsforward.test.AutoConfigureFakeDatasette;
import io.github.eventsforward.test.FakeDatasette;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@AutoConfigureFakeDatasette
class OrderForwardingTests {

	@Test
	void placingAnOrderForwardsIt(@Autowired WebTestClient shop, @Autowired FakeDatasette datasette) {
		shop.post().uri("/orders?user=alice&item=mug&quantity=2").exchange().expectStatus().isCreated();

		assertThat(datasette).hasReceivedEvent("order-placed")
			.withActorId("alice")
			.withProperty("item", "mug")
			.withProperty("quantity", 2);
	}

}
