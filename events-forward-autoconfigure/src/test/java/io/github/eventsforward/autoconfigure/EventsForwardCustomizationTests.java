package io.github.eventsforward.autoconfigure;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.EventsForwardWebClientCustomizer;
import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.ForwarderState;
import io.github.eventsforward.testsupport.DatasetteServerExtension;
import io.github.eventsforward.testsupport.DatasetteDispatcher;
import io.github.eventsforward.testsupport.HttpConnector;
import io.github.eventsforward.testsupport.ForwarderContextRunner;
import io.github.eventsforward.testsupport.NoDelayServerSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.web.reactive.function.client.WebClient;

import static io.github.eventsforward.testsupport.ForwarderWaits.awaitDelivered;
import static io.github.eventsforward.testsupport.ForwarderWaits.waiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an application adapts the forwarder's HTTP client: its own customizer, the
 * application's WebClient customizers, and an SSL bundle for a server with a private
 * certificate authority, on each HTTP client.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(HttpConnector.class)
class EventsForwardCustomizationTests {

	private static final String API_PATH = "/data/-/create";

	private final DatasetteDispatcher datasette = new DatasetteDispatcher();

	private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

	@RegisterExtension
	final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette)
		.through(new Recording(this.datasette, this.requests));

	private final ApplicationContextRunner contextRunner;

	EventsForwardCustomizationTests(HttpConnector connector) {
		this.contextRunner = ForwarderContextRunner.withAutoConfigurations(SslAutoConfiguration.class)
			.withPropertyValues(ForwarderContextRunner.quickDelivery(connector.property(),
					"datasette.events-forward.api-token=" + DatasetteDispatcher.TOKEN,
					"datasette.events-forward.shutdown-timeout=200ms"));
	}

	// ---------------------------------------------------------------- customizers

	@Test
	void aForwarderCustomizerAppliesToTheForwardersRequestsButNotToTheApplicationsWebClients() {
		forwardingTo(this.server.createUrl())
			.withBean(EventsForwardWebClientCustomizer.class,
					() -> (builder) -> builder.defaultHeader("X-Datasette-Client", "shop-forwarder"))
			.run((context) -> {
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				awaitDelivered(context.getBean(EventsForwarder.class), 1);
				WebClient applicationClient = context.getBean(WebClient.Builder.class).build();
				applicationClient.get().uri(this.server.url("/shop/-/status").uri()).retrieve().toBodilessEntity()
					.onErrorComplete()
					.block(Duration.ofSeconds(5));

				assertThat(request(API_PATH).getHeaders().get("X-Datasette-Client")).isEqualTo("shop-forwarder");
				assertThat(request("/shop/-/status").getHeaders().get("X-Datasette-Client")).isNull();
			});
	}

	@Test
	void theApplicationsWebClientCustomizersApplyTooAndTheForwarderCustomizerHasTheLastWord() {
		forwardingTo(this.server.createUrl())
			.withBean(WebClientCustomizer.class,
					() -> (builder) -> builder.defaultHeader("X-Application", "shop").defaultHeader("X-Route", "default"))
			.withBean(EventsForwardWebClientCustomizer.class,
					() -> (builder) -> builder.defaultHeader("X-Route", "datasette"))
			.run((context) -> {
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				awaitDelivered(context.getBean(EventsForwarder.class), 1);
				context.getBean(WebClient.Builder.class)
					.build()
					.get()
					.uri(this.server.url("/shop/-/status").uri())
					.retrieve()
					.toBodilessEntity()
					.onErrorComplete()
					.block(Duration.ofSeconds(5));

				RecordedRequest forwarded = request(API_PATH);
				assertThat(forwarded.getHeaders().get("X-Application")).isEqualTo("shop");
				assertThat(forwarded.getHeaders().values("X-Route")).containsExactly("datasette");
				RecordedRequest own = request("/shop/-/status");
				assertThat(own.getHeaders().values("X-Route")).containsExactly("default");
			});
	}

	// ---------------------------------------------------------------- SSL bundles

	@Test
	void anSslBundleThatDoesNotExistFailsStartUpNamingTheProperty() {
		forwardingTo("https://localhost:8443/data/-/create")
			.withPropertyValues("datasette.events-forward.ssl.bundle=datasette-ca")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("datasette.events-forward.ssl.bundle")
					.hasMessageContaining("datasette-ca")
					.hasMessageContaining("spring.ssl.bundle");
			});
	}

	@Test
	void anSslBundleWithoutAnySslConfigurationFailsStartUpNamingTheProperty() {
		ForwarderContextRunner.withAutoConfigurations()
			.withPropertyValues("datasette.events-forward.api-url=https://localhost:8443/data/-/create",
					"datasette.events-forward.ssl.bundle=datasette-ca")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("datasette.events-forward.ssl.bundle")
					.hasMessageContaining("datasette-ca");
			});
	}

	@Test
	void deliversOverTlsToAServerWhoseCertificateAuthorityTheNamedBundleTrusts(@TempDir Path dir) throws Exception {
		try (MockWebServer https = httpsServer(dir)) {
			forwardingTo(https.url(API_PATH).toString())
				.withPropertyValues("datasette.events-forward.ssl.bundle=datasette-ca",
						"spring.ssl.bundle.pem.datasette-ca.truststore.certificate=" + dir.resolve("ca.pem").toUri())
				.run((context) -> {
					assertThat(context).hasNotFailed();
					context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
					awaitDelivered(context.getBean(EventsForwarder.class), 1);
					assertThat(this.datasette.rows("datasette_events")).hasSize(1);
					assertThat(https.url(API_PATH).isHttps()).isTrue();
				});
		}
	}

	@Test
	void withoutTheBundleTheServersPrivateCertificateIsNotTrusted(@TempDir Path dir) throws Exception {
		try (MockWebServer https = httpsServer(dir)) {
			forwardingTo(https.url(API_PATH).toString()).run((context) -> {
				EventsForwarder forwarder = context.getBean(EventsForwarder.class);
				context.publishEvent(new OrderPlaced("o-1", "alice", 1, BigDecimal.ONE));
				waiting().until(() -> forwarder.state().status() == ForwarderState.Status.RETRYING);
				assertThat(forwarder.state().lastError()).containsIgnoringCase("certificat");
				assertThat(forwarder.counts().delivered()).isZero();
				assertThat(this.datasette.rows("datasette_events")).isEmpty();
			});
		}
	}

	// ---------------------------------------------------------------- support

	private ApplicationContextRunner forwardingTo(String apiUrl) {
		return this.contextRunner.withPropertyValues("datasette.events-forward.api-url=" + apiUrl);
	}

	/**
	 * Start an HTTPS Datasette whose certificate a private authority signed, and write that
	 * authority's certificate to {@code ca.pem}.
	 */
	private MockWebServer httpsServer(Path dir) throws Exception {
		HeldCertificate authority = new HeldCertificate.Builder().commonName("Test Datasette CA")
			.certificateAuthority(0)
			.build();
		HeldCertificate certificate = new HeldCertificate.Builder().commonName("localhost")
			.addSubjectAlternativeName("localhost")
			.addSubjectAlternativeName("127.0.0.1")
			.signedBy(authority)
			.build();
		HandshakeCertificates serverCertificates = new HandshakeCertificates.Builder()
			.heldCertificate(certificate, authority.certificate())
			.build();
		Files.writeString(dir.resolve("ca.pem"), authority.certificatePem());
		MockWebServer https = NoDelayServerSocketFactory.mockWebServer();
		https.useHttps(serverCertificates.sslSocketFactory());
		https.setDispatcher(new Recording(this.datasette, this.requests));
		https.start();
		return https;
	}

	private RecordedRequest request(String path) {
		return this.requests.stream()
			.filter((request) -> path.equals(request.getUrl().encodedPath()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No request to " + path + " in " + this.requests));
	}

	/**
	 * Keeps every request, then answers as the wrapped dispatcher does.
	 */
	private static final class Recording extends Dispatcher {

		private final Dispatcher delegate;

		private final List<RecordedRequest> requests;

		Recording(Dispatcher delegate, List<RecordedRequest> requests) {
			this.delegate = delegate;
			this.requests = requests;
		}

		@Override
		public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
			this.requests.add(request);
			return this.delegate.dispatch(request);
		}

	}

}
