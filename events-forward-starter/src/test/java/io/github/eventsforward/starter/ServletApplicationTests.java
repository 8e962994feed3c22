package io.github.eventsforward.starter;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.eventsforward.EventsForwarder;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
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
		properties = { "spring.application.name=servlet-shop", "datasette.events-forward.api-token=dstok_servlet",
				"datasette.events-forward.flush-interval=50ms" })
class ServletApplicationTests {

	private static final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

	private static final MockWebServer server = start();

	@Autowired
	private ApplicationContext context;

	@Autowired
	private ApplicationEventPublisher events;

	@Autowired
	private EventsForwarder forwarder;

	@Autowired
	private RestClient.Builder restClientBuilder;

	@DynamicPropertySource
	static void forwardToTheServer(DynamicPropertyRegistry registry) {
		registry.add("datasette.events-forward.api-url",
				() -> server.url("/data/datasette_events/-/insert").toString());
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void isAServletApplicationWithoutReactorNettyOrNetty() {
		assertThat(this.context).isInstanceOf(ServletWebServerApplicationContext.class);
		ClassLoader classLoader = getClass().getClassLoader();
		assertThat(ClassUtils.isPresent("reactor.netty.http.client.HttpClient", classLoader)).isFalse();
		assertThat(ClassUtils.isPresent("io.netty.channel.Channel", classLoader)).isFalse();
	}

	@Test
	void theApplicationsRestClientsStayOnTheJdkClient() {
		this.restClientBuilder.build().get().uri(server.url("/ping").uri()).retrieve().toBodilessEntity();
		RestClient.create().get().uri(server.url("/ping").uri()).retrieve().toBodilessEntity();
		assertThat(requestsTo("/ping")).hasSize(2)
			.allSatisfy((request) -> assertThat(request.getHeaders().get("User-Agent")).startsWith("Java-http-client/"));
	}

	@Test
	void forwardsThroughTheJdkClientOverHttp11() {
		this.events.publishEvent(new OrderPlaced("o-1", "alice", 2));
		assertThat(this.forwarder.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.forwarder.counts().delivered()).isEqualTo(1);
		assertThat(requestsTo("/data/datasette_events/-/insert")).singleElement().satisfies((request) -> {
			assertThat(request.getHeaders().get("User-Agent")).startsWith("Java-http-client/");
			assertThat(request.getHeaders().get("Upgrade")).isNull();
			assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer dstok_servlet");
			assertThat(request.getBody().utf8()).contains("\"event\":\"order-placed\"", "\"instance\":\"servlet-shop\"",
					"\"actor_id\":\"alice\"");
		});
	}

	@Test
	void startsNoNettyThread() {
		Set<Thread> threads = Thread.getAllStackTraces().keySet();
		assertThat(threads).extracting(Thread::getName)
			.noneMatch((name) -> name.contains("reactor-http") || name.toLowerCase().contains("netty"))
			.anyMatch((name) -> name.startsWith("datasette-events-forward"));
	}

	private static List<RecordedRequest> requestsTo(String path) {
		return requests.stream().filter((request) -> path.equals(request.getUrl().encodedPath())).toList();
	}

	private static MockWebServer start() {
		MockWebServer server = new MockWebServer();
		server.setDispatcher(new Dispatcher() {

			@Override
			public MockResponse dispatch(RecordedRequest request) {
				requests.add(request);
				// What Datasette answers to an insert into an existing table.
				return new MockResponse.Builder().code(201)
					.setHeader("Content-Type", "application/json; charset=utf-8")
					.body("{\"ok\": true}")
					.build();
			}

		});
		try {
			server.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return server;
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
