package io.github.eventsforward;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.example.shop.OrderPlaced;
import io.github.eventsforward.ForwarderState.Status;
import io.github.eventsforward.actuate.EventsForwardEndpoint;
import io.github.eventsforward.actuate.EventsForwardHealthIndicator;
import io.github.eventsforward.autoconfigure.EventsForwardActuatorAutoConfiguration;
import io.github.eventsforward.autoconfigure.EventsForwardProperties;
import io.github.eventsforward.internal.ForwardingPipeline;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.WebApplication;
import mockwebserver3.MockResponse;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.test.web.reactive.server.WebTestClient;

import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API token is a secret: whatever happens, it shows in no log line, no exception
 * message, no {@code toString()}, and no actuator endpoint, even with
 * {@code show-values=always}. Only the {@code Authorization} header carries it.
 */
@ExtendWith(OutputCaptureExtension.class)
class TokenSecrecyTests {

	private static final String TOKEN = "dstok_eyJhIjoic2hvcCJ9.Zq7-SECRET-SIGNATURE-4f9c2e81b7";

	/** The part of the token that makes it a secret: no partial copy of it may show. */
	private static final String SIGNATURE = "SECRET-SIGNATURE-4f9c2e81b7";

	private static final List<String> DEBUGGED = List.of("io.github.eventsforward",
			"org.springframework.web.reactive.function.client", "reactor.netty.http.client");

	private final DatasetteDispatcher datasette = new DatasetteDispatcher("data", TOKEN);

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);

	private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

	private final Map<String, @Nullable Level> levels = new LinkedHashMap<>();

	private final ApplicationContextRunner contextRunner = ForwarderContextRunner
		.withAutoConfigurations(EventsForwardActuatorAutoConfiguration.class)
		.withBean(DeadLetterHandler.class, () -> this.deadLetters::add)
		.withPropertyValues(ForwarderContextRunner.quickDelivery("datasette.events-forward.shutdown-timeout=200ms",
				"management.endpoints.web.exposure.include=eventsforward"));

	@BeforeEach
	void logAllTheClientsSay() {
		for (String name : DEBUGGED) {
			Logger logger = (Logger) LoggerFactory.getLogger(name);
			this.levels.put(name, logger.getLevel());
			logger.setLevel(name.startsWith("org.springframework") ? Level.TRACE : Level.DEBUG);
		}
	}

	@AfterEach
	void restoreLogLevels() {
		this.levels.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
	}

	// ---------------------------------------------------------------- logs and messages

	@Test
	void isInNoLogLineNorMessageOfARunThroughEveryKindOfFailure(CapturedOutput output) {
		this.datasette.enqueue(new MockResponse.Builder(DatasetteDispatcher.error(401, "Invalid token signature"))
			.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
			.build());
		this.datasette.enqueue(DatasetteDispatcher.error(403, "Permission denied"));
		this.datasette.enqueue(DatasetteDispatcher.error(500, "Internal Server Error"));
		this.datasette.alterNextAnswer((answer) -> answer.headersDelay(1, TimeUnit.SECONDS));
		forwarding("datasette.events-forward.request-timeout=300ms").run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			List<String> seen = new ArrayList<>();
			publish(context, "o-1");
			waiting().until(() -> {
				seen.add(String.valueOf(forwarder.state()));
				return forwarder.counts().delivered() == 1;
			});
			this.datasette.rejectRows((row) -> row.path("properties").asString().contains("o-bad"),
					"CHECK constraint failed: quantity > 0");
			publish(context, "o-bad");
			waiting().until(() -> this.deadLetters.size() == 1);

			seen.add(String.valueOf(forwarder.state()));
			seen.add(String.valueOf(forwarder.counts()));
			this.deadLetters.forEach((deadLetter) -> {
				seen.add(deadLetter.reason());
				seen.add(String.valueOf(deadLetter));
			});
			seen.add(String.valueOf(context.getBean(EventsForwardHealthIndicator.class).health()));
			seen.add(String.valueOf(context.getBean(EventsForwardEndpoint.class).describe()));
			assertThat(String.join("\n", seen)).as("states, dead letters, health and endpoint")
				.contains("HTTP 401", "HTTP 403", "HTTP 500", "request-timeout", "CHECK constraint failed")
				.doesNotContain(TOKEN)
				.doesNotContain(SIGNATURE);
		});
		assertThat(output).as("the failures were logged")
			.contains("HTTP 401", "HTTP 403", "HTTP 500", "no answer within datasette.events-forward.request-timeout",
					"Gave up on event", "CHECK constraint failed");
		assertThat(output.getAll()).doesNotContain(TOKEN).doesNotContain(SIGNATURE);
	}

	@Test
	void isInNoLogLineNorStateWhenTheServersErrorPageEchoesTheRequest(CapturedOutput output) {
		// A proxy's diagnostic page, or a misrouted api-url, that shows the request it got.
		this.datasette.enqueue(new MockResponse.Builder().code(502)
			.setHeader("Content-Type", "text/html")
			.body("<html><body><h1>502 Bad Gateway</h1><pre>POST /data/-/create HTTP/1.1\nAuthorization: Bearer "
					+ TOKEN + "\n</pre></body></html>")
			.build());
		forwarding().run((context) -> {
			EventsForwarder forwarder = context.getBean(EventsForwarder.class);
			publish(context, "o-1");
			waiting().until(() -> forwarder.counts().delivered() == 1);

			assertThat(forwarder.state().lastError()).contains("HTTP 502").doesNotContain(SIGNATURE);
			assertThat(String.valueOf(context.getBean(EventsForwardHealthIndicator.class).health()))
				.doesNotContain(SIGNATURE);
		});
		assertThat(output).contains("HTTP 502");
		assertThat(output.getAll()).doesNotContain(SIGNATURE);
	}

	@Test
	void isInNoMessageOfAStartUpFailure() {
		List<Throwable> failures = new ArrayList<>();
		for (String[] properties : List.of(new String[] { "datasette.events-forward.api-token=Bearer " + TOKEN },
				new String[] { "datasette.events-forward.api-token=" + TOKEN + " trailing-text" },
				new String[] { "datasette.events-forward.api-url=ftp://localhost/data/-/create" },
				new String[] { "datasette.events-forward.ssl.bundle=missing" },
				new String[] { "datasette.events-forward.batch-limit=0" })) {
			forwarding(properties).run((context) -> {
				assertThat(context).hasFailed();
				failures.add(context.getStartupFailure());
			});
		}
		assertThat(failures).hasSize(5).allSatisfy((failure) -> {
			for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
				assertThat(String.valueOf(cause)).doesNotContain(SIGNATURE);
			}
		});
	}

	@Test
	void isNotInTheFailureReportOfAnApplicationThatCannotStartBecauseOfAMalformedToken(CapturedOutput output) {
		Throwable failure = WebApplication.startupFailure(
				"datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.api-token=Bearer " + TOKEN);
		assertThat(failure).isNotNull();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			assertThat(String.valueOf(cause)).doesNotContain(SIGNATURE);
		}
		assertThat(output).contains("APPLICATION FAILED TO START", "datasette.events-forward.api-token",
				"without the 'Bearer ' prefix");
		assertThat(output.getAll()).doesNotContain(SIGNATURE);
	}

	@Test
	void isInNoToStringOfThePropertiesTheSettingsTheForwarderOrItsState() {
		forwarding().run((context) -> {
			ForwardingPipeline forwarder = context.getBean(ForwardingPipeline.class);
			publish(context, "o-1");
			waiting().until(() -> forwarder.counts().delivered() == 1);
			assertThat(this.datasette.rows("datasette_events")).as("the token was sent and accepted").hasSize(1);

			EventsForwardProperties properties = context.getBean(EventsForwardProperties.class);
			assertThat(properties.getApiToken()).isEqualTo(TOKEN);
			assertThat(List.of(properties, forwarder, forwarder.settings(), forwarder.state(), forwarder.counts(),
					context.getBean(EventsForwardEndpoint.class).describe()))
				.allSatisfy((object) -> assertThat(String.valueOf(object)).doesNotContain(SIGNATURE));
		});
	}

	@Test
	void thePasswordInTheApiUrlIsInNoLogLineNorTheSettings(CapturedOutput output) {
		// The endpoint masks an api-url's userinfo as a secret; the logs must not undo that.
		String password = "url-PASSWORD-91be4c";
		this.datasette.refuseAll(DatasetteDispatcher.error(500, "Internal Server Error"));
		this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=http://forwarder:" + password + "@localhost:"
					+ this.server.getPort() + "/data/-/create", "datasette.events-forward.api-token=" + TOKEN,
					"datasette.events-forward.retry.give-up-after=200ms")
			.run((context) -> {
				ForwardingPipeline forwarder = context.getBean(ForwardingPipeline.class);
				publish(context, "o-1");
				waiting().until(() -> this.deadLetters.size() == 1);

				assertThat(String.valueOf(forwarder.settings())).doesNotContain(password);
				assertThat(this.deadLetters.get(0).reason()).doesNotContain(password);
			});
		assertThat(output).contains("Gave up on event");
		assertThat(output.getAll()).doesNotContain(password);
	}

	// ---------------------------------------------------------------- actuator endpoints

	@Test
	void isMaskedInConfigpropsEnvHealthAndTheEventsforwardEndpoint() {
		try (WebApplication application = WebApplication.start(actuatorProperties(
				"datasette.events-forward.api-token=" + TOKEN))) {
			awaitDeliveredThrough(application);
			WebTestClient client = application.client();

			assertThat(body(client, "/actuator/configprops")).contains("\"apiToken\":\"******\"")
				.as("values are shown")
				.contains("\"table\":\"datasette_events\"")
				.doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/env")).contains("\"datasette.events-forward.api-token\"")
				.contains(this.server.createUrl())
				.doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/env/datasette.events-forward.api-token")).contains("******")
				.doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/eventsforward")).contains("\"hasToken\":true").doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/health")).contains("eventsForward").doesNotContain(SIGNATURE);
		}
	}

	@Test
	void isMaskedInConfigpropsAndEnvWhenItComesFromAnotherProperty() {
		try (WebApplication application = WebApplication.start(Map.of("FORWARD_TOKEN", TOKEN),
				actuatorProperties("datasette.events-forward.api-token=${FORWARD_TOKEN}"))) {
			awaitDeliveredThrough(application);
			WebTestClient client = application.client();

			assertThat(body(client, "/actuator/configprops")).contains("\"apiToken\":\"******\"")
				.doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/env")).contains("\"FORWARD_TOKEN\"").doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/env/FORWARD_TOKEN")).contains("******").doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/env/datasette.events-forward.api-token")).doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/eventsforward")).doesNotContain(SIGNATURE);
		}
	}

	@Test
	void isMaskedInEnvWhileForwardingIsSwitchedOff() {
		try (WebApplication application = WebApplication.start(Map.of("FORWARD_TOKEN", TOKEN),
				actuatorProperties("datasette.events-forward.api-token=${FORWARD_TOKEN}",
						"datasette.events-forward.enabled=false"))) {
			assertThat(application.bean(EventsForwarder.class).state().status()).isEqualTo(Status.OFF);
			WebTestClient client = application.client();

			assertThat(body(client, "/actuator/env")).contains("\"FORWARD_TOKEN\"").doesNotContain(SIGNATURE);
			assertThat(body(client, "/actuator/env/datasette.events-forward.api-token")).doesNotContain(SIGNATURE);
		}
	}

	@Test
	void theApiUrlsCredentialsAreMaskedInConfigpropsEnvAndTheEventsforwardEndpoint() {
		String password = "url-PASSWORD-3f0a1";
		String apiUrl = "http://forwarder:" + password + "@127.0.0.1:" + this.server.getPort() + "/data/-/create";
		try (WebApplication application = WebApplication.start(Map.of("DATASETTE_API_URL", apiUrl),
				actuatorProperties("datasette.events-forward.api-token=" + TOKEN,
						"datasette.events-forward.api-url=${DATASETTE_API_URL}"))) {
			awaitDeliveredThrough(application);
			WebTestClient client = application.client();
			String masked = "http://******@127.0.0.1:" + this.server.getPort() + "/data/-/create";

			assertThat(body(client, "/actuator/configprops")).contains("\"apiUrl\":\"" + masked + "\"")
				.doesNotContain(password);
			assertThat(body(client, "/actuator/env")).contains("\"DATASETTE_API_URL\"", masked)
				.doesNotContain(password);
			assertThat(body(client, "/actuator/env/DATASETTE_API_URL")).contains(masked).doesNotContain(password);
			assertThat(body(client, "/actuator/env/datasette.events-forward.api-url")).doesNotContain(password);
			// The URL requests go to: Datasette reads no credentials in it, so none are sent.
			assertThat(body(client, "/actuator/eventsforward"))
				.contains("\"apiUrl\":\"http://127.0.0.1:" + this.server.getPort() + "/data/-/create\"")
				.doesNotContain(password);
		}
	}

	@Test
	void theApiUrlsCredentialsAreNotInTheFailureReportOfAnInvalidApiUrl(CapturedOutput output) {
		String password = "url-PASSWORD-c27e9";
		Throwable failure = WebApplication.startupFailure(
				"datasette.events-forward.api-url=http://forwarder:" + password + "@127.0.0.1/data/no-endpoint",
				"datasette.events-forward.api-token=" + TOKEN);
		assertThat(failure).isNotNull();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			assertThat(String.valueOf(cause)).doesNotContain(password);
		}
		assertThat(output).contains("APPLICATION FAILED TO START", "datasette.events-forward.api-url",
				"http://******@127.0.0.1/data/no-endpoint", "must end in /-/create");
		assertThat(output.getAll()).doesNotContain(password);
	}

	// ---------------------------------------------------------------- clear text

	@ParameterizedTest
	@ValueSource(strings = { "http://datasette.example.com:8001/data/-/create", "http://10.0.0.7/data/-/create",
			"http://localhost.example.com/data/-/create", "http://127.0.0.1.nip.io/data/-/create" })
	void anHttpUrlToAnotherHostLogsOneWarningThatTheTokenTravelsInClearText(String apiUrl, CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + apiUrl, "datasette.events-forward.api-token=" + TOKEN)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(EventsForwarder.class));
		assertThat(output).containsOnlyOnce("the API token travels in clear text").contains("WARN");
		assertThat(output.getAll()).doesNotContain(SIGNATURE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://localhost:8001/data/-/create", "http://LOCALHOST:8001/data/-/create",
			"http://127.0.0.1:8001/data/-/create", "http://[::1]:8001/data/-/create",
			"http://datasette.localhost:8001/data/-/create", "https://datasette.example.com/data/-/create",
			"https://10.0.0.7/data/-/create" })
	void aLoopbackOrHttpsUrlLogsNoClearTextWarning(String apiUrl, CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + apiUrl, "datasette.events-forward.api-token=" + TOKEN)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(EventsForwarder.class));
		assertThat(output).doesNotContain("clear text");
	}

	@Test
	void anHttpUrlToAnotherHostWithoutATokenLogsNoClearTextWarning(CapturedOutput output) {
		this.contextRunner.withPropertyValues("datasette.events-forward.api-url=http://datasette.example.com/data/-/create")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(EventsForwarder.class));
		assertThat(output).doesNotContain("clear text").contains("api-token is not set");
	}

	// ---------------------------------------------------------------- support

	private ApplicationContextRunner forwarding(String... properties) {
		return this.contextRunner
			.withPropertyValues("datasette.events-forward.api-url=" + this.server.createUrl(),
					"datasette.events-forward.api-token=" + TOKEN)
			.withPropertyValues(properties);
	}

	private String[] actuatorProperties(String... more) {
		List<String> properties = new ArrayList<>(List.of(
				"datasette.events-forward.api-url=" + this.server.createUrl(),
				"datasette.events-forward.flush-interval=50ms", "datasette.events-forward.shutdown-timeout=200ms",
				"management.endpoints.web.exposure.include=configprops,env,health,eventsforward",
				"management.endpoint.configprops.show-values=always", "management.endpoint.env.show-values=always",
				"management.endpoint.health.show-details=always"));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

	private void awaitDeliveredThrough(WebApplication application) {
		EventsForwarder forwarder = application.bean(EventsForwarder.class);
		publish(application.context(), "o-1");
		waiting().until(() -> forwarder.counts().delivered() == 1);
		assertThat(this.datasette.rows("datasette_events")).as("the token was sent and accepted").hasSize(1);
	}

	private static String body(WebTestClient client, String path) {
		byte[] body = client.get()
			.uri(path)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		assertThat(body).as(path).isNotNull();
		return new String(body, StandardCharsets.UTF_8);
	}

	private static void publish(ApplicationEventPublisher publisher, String orderId) {
		publisher.publishEvent(new OrderPlaced(orderId, "alice", 1, BigDecimal.ONE));
	}

}
