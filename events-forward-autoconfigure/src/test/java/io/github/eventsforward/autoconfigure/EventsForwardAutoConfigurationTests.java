package io.github.eventsforward.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.example.shop.OrderPlaced;
import com.example.shop.UserSignedUpEvent;
import io.github.eventsforward.EventRowMapper;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.MappedEvent;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.internal.ForwarderLifecycle;
import io.github.eventsforward.internal.ForwardingPipeline;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.ForwarderThreads;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class EventsForwardAutoConfigurationTests {

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner.withAutoConfigurations();

	private ApplicationContextRunner forwarding(String... properties) {
		return this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.url("/data/-/create"),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN)
			.withPropertyValues(properties);
	}

	@Test
	void sendsPartialBatchOnShutdown() {
		forwarding("spring.application.name=shop").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			context.publishEvent(new OrderPlaced("o-1", "alice", 2, new java.math.BigDecimal("9.90")));
			context.publishEvent(new UserSignedUpEvent(this, "bob", "pro"));
			context.close();
			List<ObjectNode> rows = this.datasette.rows("datasette_events");
			assertThat(rows).extracting((row) -> row.get("event").asString())
				.containsExactly("order-placed", "user-signed-up");
			assertThat(rows).extracting((row) -> row.get("instance").asString()).containsOnly("shop");
			assertThat(this.server.getRequestCount()).isOne();
			assertThat(forwarder.counts()).isEqualTo(new ForwardCounts(2, 2, 0, 0, 0));
		});
	}

	@Test
	void doesNotForwardSpringsOwnEvents() {
		forwarding().run((context) -> {
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, java.math.BigDecimal.TEN));
			context.close();
			// The context published ContextRefreshedEvent and ContextClosedEvent meanwhile.
			assertThat(this.datasette.rows("datasette_events")).extracting((row) -> row.get("event").asString())
				.containsExactly("order-placed");
		});
	}

	@Test
	void forwardsOnlyIncludedAndNotExcludedEvents() {
		forwarding("datasette.events-forward.include=com.example.shop,org.springframework.context.event.ContextRefreshedEvent",
				"datasette.events-forward.exclude=com.example.shop.UserSignedUpEvent")
			.run((context) -> {
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, java.math.BigDecimal.TEN));
				context.publishEvent(new UserSignedUpEvent(this, "bob", "pro"));
				context.publishEvent("a plain string payload");
				context.close();
				assertThat(this.datasette.rows("datasette_events")).extracting((row) -> row.get("event").asString())
					.containsExactly("context-refreshed", "order-placed");
			});
	}

	@Test
	void isOffWithOneInfoLineAndAForwarderThatSaysSoWhenDisabled(CapturedOutput output) {
		forwarding("datasette.events-forward.enabled=false").run((context) -> {
			assertForwardingOff(context, "datasette.events-forward.enabled is false");
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, java.math.BigDecimal.TEN));
			assertThat(context.getBean(EventsForwarder.class).counts()).isEqualTo(new ForwardCounts(0, 0, 0, 0, 0));
		});
		assertThat(this.server.getRequestCount()).isZero();
		assertThat(output).containsOnlyOnce("Datasette events forwarding is off")
			.contains("INFO", "datasette.events-forward.enabled is false. Remove it, or set it to true");
	}

	@Test
	void isOffWithOneInfoLineAndAForwarderThatSaysSoWhileApiUrlIsUnset(CapturedOutput output) {
		this.contextRunner.run((context) -> assertForwardingOff(context, "datasette.events-forward.api-url is not set"));
		assertThat(output).containsOnlyOnce("Datasette events forwarding is off")
			.contains("INFO", "datasette.events-forward.api-url is not set");
	}

	@Test
	void treatsAnEmptyApiUrlAsUnset() {
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=")
			.run((context) -> assertForwardingOff(context, "datasette.events-forward.api-url is not set"));
	}

	@Test
	void aBeanThatInjectsTheForwarderWorksWhileForwardingIsOff() {
		this.contextRunner.withBean(ForwarderReport.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ForwarderReport.class).summary()).isEqualTo("OFF: published 0");
		});
	}

	// Spring AOT decides the conditions at build time: these stand for an application built
	// with forwarding off, or on, and started with settings that say otherwise.

	@Test
	void warnsWhenAnApplicationBuiltWithForwardingOffStartsWithSettingsThatTurnItOn(CapturedOutput output) {
		new ApplicationContextRunner().withUserConfiguration(BuiltWithForwardingOff.class)
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.url("/data/-/create"))
			.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(ForwardingPipeline.class);
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			assertThat(forwarder.state().status()).isEqualTo(Status.OFF);
			assertThat(forwarder.state().reason()).contains("processed ahead of time (Spring AOT) with forwarding off");
		});
		assertThat(output).contains("WARN", "Datasette events forwarding is off: the application was processed ahead");
	}

	@Test
	void warnsWhenAnApplicationBuiltWithForwardingOnStartsWithEnabledFalse(CapturedOutput output) {
		forwarding("datasette.events-forward.enabled=false", "spring.application.name=shop")
			.withUserConfiguration(BuiltWithForwardingOn.class)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ForwardingPipeline.class));
		assertThat(output).contains("WARN", "datasette.events-forward.enabled is false, but the application was"
				+ " processed ahead of time (Spring AOT) with forwarding on");
	}

	private static void assertForwardingOff(AssertableApplicationContext context, String reason) {
		assertThat(context).hasNotFailed()
			.hasSingleBean(EventsForwardProperties.class)
			.hasSingleBean(EventsForwarder.class)
			.doesNotHaveBean(ForwardingPipeline.class)
			.doesNotHaveBean(SmartLifecycle.class);
		EventsForwarder forwarder = context.getBean(EventsForwarder.class);
		assertThat(forwarder.state().status()).isEqualTo(Status.OFF);
		assertThat(forwarder.state().reason()).startsWith(reason);
		assertThat(forwarder.flush(Duration.ZERO)).isTrue();
		assertThat(ForwarderThreads.alive()).isEmpty();
	}

	@Test
	void backsOffWithoutWebClient() {
		forwarding().withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(EventsForwarder.class));
	}

	@Test
	void startsItsThreadWithTheContextAndStopsItOnClose() {
		forwarding().run((context) -> {
			assertThat(context).hasSingleBean(EventsForwarder.class);
			assertThat(ForwarderThreads.alive()).isNotEmpty().allMatch(Thread::isDaemon);
			context.close();
			org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(ForwarderThreads.alive()).isEmpty());
		});
	}

	@Test
	void stopsAfterTheWebServer() {
		forwarding().run((context) -> assertThat(context.getBean(ForwarderLifecycle.class).getPhase())
			.isLessThan(SmartLifecycle.DEFAULT_PHASE - 2048));
	}

	@Test
	void userEventRowMapperWins() {
		forwarding().withUserConfiguration(CustomMapperConfiguration.class).run((context) -> {
			context.publishEvent(new OrderPlaced("o-7", "carol", 3, java.math.BigDecimal.ONE));
			context.close();
			ObjectNode row = this.datasette.rows("datasette_events").get(0);
			assertThat(row.get("event").asString()).isEqualTo("custom");
			assertThat(row.get("actor_id").asString()).isEqualTo("mapper");
			assertThat(row.get("properties").asString()).isEqualTo("{\"kind\":\"OrderPlaced\"}");
		});
	}

	@Test
	void readsEventsWithTheApplicationsJsonMapper() {
		forwarding().withUserConfiguration(SnakeCaseJsonMapperConfiguration.class).run((context) -> {
			context.publishEvent(new OrderPlaced("o-8", "dave", 1, java.math.BigDecimal.ONE));
			context.close();
			ObjectNode row = this.datasette.rows("datasette_events").get(0);
			assertThat(row.get("properties").asString()).contains("\"order_id\":\"o-8\"");
			// The envelope keeps Datasette's column names whatever the application's naming.
			assertThat(row.has("actor_id")).isTrue();
		});
	}

	@Test
	void sendsThroughACloneOfTheApplicationsWebClientBuilder() {
		forwarding().withUserConfiguration(WebClientBuilderConfiguration.class).run((context) -> {
			context.publishEvent(new OrderPlaced("o-9", "erin", 1, java.math.BigDecimal.ONE));
			context.close();
			RecordedRequest request = this.server.takeRequest(5, TimeUnit.SECONDS);
			assertThat(request).isNotNull();
			assertThat(request.getHeaders().get("X-Application")).isEqualTo("shop");
		});
	}

	// ---------------------------------------------------------------- the HTTP client

	@Test
	void sendsWithReactorNettyWhenTheApplicationHasIt() throws Exception {
		assertThat(forwardersRequest(forwarding()).getHeaders().get("User-Agent")).startsWith("ReactorNetty/");
	}

	@Test
	void sendsWithTheJdkClientOverHttp11WithoutReactorNetty() throws Exception {
		RecordedRequest request = forwardersRequest(
				forwarding().withClassLoader(new FilteredClassLoader("reactor.netty")));
		assertThat(request.getHeaders().get("User-Agent")).startsWith("Java-http-client/");
		assertThat(request.getHeaders().get("Upgrade")).as("no HTTP/2 upgrade, which Datasette refuses").isNull();
	}

	@Test
	void sendsWithTheConnectorSpringBootsPropertyPicks() throws Exception {
		RecordedRequest request = forwardersRequest(forwarding("spring.http.clients.reactive.connector=jdk"));
		assertThat(request.getHeaders().get("User-Agent")).startsWith("Java-http-client/");
	}

	@Test
	void sendsWithTheApplicationsClientHttpConnectorBuilder() throws Exception {
		RecordedRequest request = forwardersRequest(
				forwarding().withBean(ClientHttpConnectorBuilder.class, ClientHttpConnectorBuilder::jdk));
		assertThat(request.getHeaders().get("User-Agent")).startsWith("Java-http-client/");
	}

	private RecordedRequest forwardersRequest(ApplicationContextRunner runner) throws InterruptedException {
		runner.run((context) -> {
			assertThat(context).hasNotFailed();
			context.publishEvent(new OrderPlaced("o-1", "alice", 1, java.math.BigDecimal.ONE));
			assertThat(context.getBean(EventsForwarder.class).flush(Duration.ofSeconds(10))).isTrue();
		});
		assertThat(this.datasette.rows("datasette_events")).as("delivered").hasSize(1);
		RecordedRequest request = this.server.takeRequest(0, TimeUnit.SECONDS);
		assertThat(request).isNotNull();
		return request;
	}

	// ---------------------------------------------------------------- settings

	@Test
	void bindsABareTimePeriodAsSecondsAndAcceptsUnits() {
		forwarding("datasette.events-forward.time-period=2").run((context) -> assertThat(
				context.getBean(EventsForwardProperties.class).getTimePeriod())
			.isEqualTo(Duration.ofSeconds(2)));
		forwarding("datasette.events-forward.time-period=200ms").run((context) -> assertThat(
				context.getBean(EventsForwardProperties.class).getTimePeriod())
			.isEqualTo(Duration.ofMillis(200)));
	}

	@Test
	void failsOnAnApiUrlThatIsNotAWriteEndpoint() {
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=http://localhost:8001/data")
			.run((context) -> assertFailure(context, "datasette.events-forward.api-url", "must end in /-/create"));
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=localhost:8001/data/-/create")
			.run((context) -> assertFailure(context, "datasette.events-forward.api-url", "absolute http or https URL"));
	}

	@Test
	void failsOnAMalformedTokenWithoutShowingIt(CapturedOutput output) {
		forwarding("datasette.events-forward.api-token=Bearer dstok_secret-value").run((context) -> {
			assertFailure(context, "datasette.events-forward.api-token", "without the 'Bearer ' prefix");
			assertThat(context.getStartupFailure()).rootCause().message().doesNotContain("dstok_secret-value");
		});
		assertThat(output).doesNotContain("dstok_secret-value");
	}

	@Test
	void failsOnAnApiTokenWithAnUnresolvedPlaceholderNamingTheVariableAndShowingNothingElse(CapturedOutput output) {
		forwarding("datasette.events-forward.api-token=dstok_prefix-91c4${FORWARD_TOKEN_REST}").run((context) -> {
			assertFailure(context, "datasette.events-forward.api-token", "environment variable FORWARD_TOKEN_REST");
			assertThat(context.getStartupFailure()).rootCause().message().doesNotContain("prefix-91c4");
		});
		assertThat(output).doesNotContain("prefix-91c4");
	}

	@Test
	void failsOnAnApiUrlWithAnUnresolvedPlaceholderNamingTheVariable() {
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=${DATASETTE_API_URL}")
			.run((context) -> assertFailure(context, "datasette.events-forward.api-url",
					"holds the placeholder ${DATASETTE_API_URL}, which nothing resolves"));
	}

	@Test
	void warnsOnceWithTheFixWhenRowsWouldCarryNoInstance(CapturedOutput output) {
		forwarding().run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).containsOnlyOnce("Neither datasette.events-forward.instance nor spring.application.name")
			.contains("WARN", "Set spring.application.name");
	}

	@Test
	void doesNotWarnAboutTheInstanceWhenTheApplicationHasAName(CapturedOutput output) {
		forwarding("spring.application.name=shop").run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain("Neither datasette.events-forward.instance");
	}

	@Test
	void warnsThatCredentialsInTheApiUrlAreNotSentAndDoesNotSendThem(CapturedOutput output) throws Exception {
		String apiUrl = "http://forwarder:url-secret-5d1@127.0.0.1:" + this.server.getPort() + "/data/-/create";
		this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + apiUrl,
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN)
			.run((context) -> {
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, java.math.BigDecimal.ONE));
				assertThat(context.getBean(EventsForwarder.class).flush(Duration.ofSeconds(10))).isTrue();
			});
		RecordedRequest request = this.server.takeRequest(0, TimeUnit.SECONDS);
		assertThat(request).isNotNull();
		assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + DatasetteDispatcher.TOKEN);
		assertThat(output).contains("datasette.events-forward.api-url (http://******@127.0.0.1:",
				"holds a user name or password. They are not sent")
			.doesNotContain("url-secret-5d1");
	}

	@Test
	void showsNoCredentialsOfAnInvalidApiUrl(CapturedOutput output) {
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=http://forwarder:url-secret-77a@host/data")
			.run((context) -> {
				assertFailure(context, "datasette.events-forward.api-url", "must end in /-/create");
				assertThat(context.getStartupFailure()).rootCause().message().doesNotContain("url-secret-77a");
			});
		assertThat(output).doesNotContain("url-secret-77a");
	}

	@Test
	void logsHowManyEventsCouldNotBeSentWithinTheShutdownTimeout(CapturedOutput output) throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.server.setDispatcher(new Dispatcher() {

			@Override
			public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
				release.await(30, TimeUnit.SECONDS);
				return DatasetteDispatcher.error(503, "Service unavailable");
			}

		});
		try {
			forwarding("datasette.events-forward.shutdown-timeout=300ms").run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				for (int i = 0; i < 3; i++) {
					context.publishEvent(new OrderPlaced("o-" + i, "alice", 1, java.math.BigDecimal.ONE));
				}
				context.close();
				assertThat(forwarder.counts().queued()).isEqualTo(3);
			});
		}
		finally {
			release.countDown();
		}
		assertThat(output).contains("3 events could not be sent", "datasette.events-forward.shutdown-timeout");
	}

	private static void assertFailure(AssertableApplicationContext context, String property, String reason) {
		assertThat(context).hasFailed();
		assertThat(context.getStartupFailure()).rootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.hasMessageContaining(property)
			.hasMessageContaining(reason);
	}

	@Configuration(proxyBeanMethods = false)
	static class BuiltWithForwardingOff extends EventsForwardAutoConfiguration.ForwardingOffConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(EventsForwardProperties.class)
	static class BuiltWithForwardingOn extends EventsForwardAutoConfiguration.ForwardingConfiguration {

	}

	/**
	 * A bean of the application's that reports on the forwarder, whether forwarding is on or
	 * off.
	 */
	static class ForwarderReport {

		private final EventsForwarder forwarder;

		ForwarderReport(EventsForwarder forwarder) {
			this.forwarder = forwarder;
		}

		String summary() {
			return this.forwarder.state().status() + ": published " + this.forwarder.counts().published();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomMapperConfiguration {

		@Bean
		EventRowMapper customMapper() {
			return (event) -> new MappedEvent("custom", "mapper", null, null,
					java.util.Map.of("kind", event.getClass().getSimpleName()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SnakeCaseJsonMapperConfiguration {

		@Bean
		JsonMapper jsonMapper() {
			return JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class WebClientBuilderConfiguration {

		@Bean
		WebClient.Builder webClientBuilder() {
			return WebClient.builder().defaultHeader("X-Application", "shop");
		}

	}

}
