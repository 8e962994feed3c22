package io.github.eventsforward.starter;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.test.AutoConfigureFakeDatasette;
import io.github.eventsforward.test.FakeDatasette;
import io.github.eventsforward.test.ReceivedRequest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring MVC application on Tomcat that adds the starter, as users do: the starter brings
 * no HTTP client library of its own, so the application's {@code RestClient} stays on the
 * JDK's client and no Netty thread starts, while events are forwarded through the JDK's
 * client too.
 */
@SpringBootTest(classes = ServletApplicationTests.Shop.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.application.name=servlet-shop")
@AutoConfigureFakeDatasette(token = "dstok_servlet")
class ServletApplicationTests {

	@Autowired
	private ApplicationContext context;

	@Autowired
	private ApplicationEventPublisher events;

	@Autowired
	private EventsForwarder forwarder;

	@Autowired
	private RestClient.Builder restClientBuilder;

	@Autowired
	private FakeDatasette datasette;

	@Test
	void isAServletApplicationWithoutReactorNettyOrNetty() {
		assertThat(this.context).isInstanceOf(ServletWebServerApplicationContext.class);
		ClassLoader classLoader = getClass().getClassLoader();
		assertThat(ClassUtils.isPresent("reactor.netty.http.client.HttpClient", classLoader)).isFalse();
		assertThat(ClassUtils.isPresent("io.netty.channel.Channel", classLoader)).isFalse();
	}

	@Test
	void theApplicationsRestClientsStayOnTheJdkClient() {
		// The fake answers a GET with 404: the request is what counts.
		this.restClientBuilder.build().get().uri(this.datasette.url("/ping")).retrieve()
			.onStatus((status) -> true, (request, response) -> { })
			.toBodilessEntity();
		RestClient.create().get().uri(this.datasette.url("/ping")).retrieve()
			.onStatus((status) -> true, (request, response) -> { })
			.toBodilessEntity();
		assertThat(requestsTo("/ping")).hasSize(2)
			.allSatisfy((request) -> assertThat(request.header("User-Agent")).startsWith("Java-http-client/"));
	}

	@Test
	void forwardsThroughTheJdkClientOverHttp11() {
		this.events.publishEvent(new OrderPlaced("o-1", "alice", 2));
		assertThat(this.forwarder.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.forwarder.counts().delivered()).isEqualTo(1);
		assertThat(requestsTo("/data/-/create")).singleElement().satisfies((request) -> {
			assertThat(request.header("User-Agent")).startsWith("Java-http-client/");
			assertThat(request.header("Upgrade")).isNull();
			assertThat(request.header("Authorization")).isEqualTo("Bearer dstok_servlet");
			assertThat(request.status()).isEqualTo(201);
		});
		assertThat(this.datasette).hasReceivedEvent("order-placed").withInstance("servlet-shop")
			.withActorId("alice")
			.withProperty("quantity", 2);
	}

	@Test
	void startsNoNettyThread() {
		Set<Thread> threads = Thread.getAllStackTraces().keySet();
		assertThat(threads).extracting(Thread::getName)
			.noneMatch((name) -> name.contains("reactor-http") || name.toLowerCase().contains("netty"))
			.anyMatch((name) -> name.startsWith("datasette-events-forward"));
	}

	private List<ReceivedRequest> requestsTo(String path) {
		return this.datasette.requests().stream().filter((request) -> path.equals(request.path())).toList();
	}

	/**
	 * An event of the shop.
	 *
	 * @param orderId the order
	 * @param actorId who placed it
	 * @param quantity how many items
	 */
	record OrderPlaced(String orderId, String actorId, int quantity) {

	}

	@SpringBootApplication
	static class Shop {

	}

}
