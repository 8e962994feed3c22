package io.github.eventsforward.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test Datasette: before each test, starts a {@link MockWebServer} that answers at once
 * ({@link NoDelayServerSocketFactory}) with a {@link DatasetteDispatcher}; after it, releases
 * the answers the fake holds, so that no request stalls the shutdown, closes the server,
 * and checks that no log event, stack traces included, showed the signature of
 * {@link DatasetteDispatcher#TOKEN}. Register it on an instance field, so that each test, and
 * each invocation of a {@code @ParameterizedClass}, gets a server of its own:
 * <pre class="code">
 * private final DatasetteDispatcher datasette = new DatasetteDispatcher();
 *
 * &#64;RegisterExtension
 * final DatasetteServerExtension server = new DatasetteServerExtension(this.datasette);
 * </pre>
 * The server's methods a test needs are here under their {@link MockWebServer} names;
 * {@link #close()} and {@link #start()} take the server down and bring it up again on the
 * same port, as an outage would.
 */
public final class DatasetteServerExtension implements BeforeEachCallback, AfterEachCallback {

	private static final Duration TAKE_REQUEST_TIMEOUT = Duration.ofSeconds(10);

	private final DatasetteDispatcher datasette;

	private final TokenWatch tokenWatch = new TokenWatch(
			DatasetteDispatcher.TOKEN.substring(DatasetteDispatcher.TOKEN.indexOf('.')));

	private volatile Dispatcher dispatcher;

	private volatile @Nullable MockWebServer server;

	private volatile int port;

	private volatile String hostName = "localhost";

	/**
	 * A server that answers with the fake.
	 * @param datasette the fake of Datasette's write API
	 */
	public DatasetteServerExtension(DatasetteDispatcher datasette) {
		this.datasette = datasette;
		this.dispatcher = datasette;
	}

	/**
	 * Let every request reach the server's dispatcher first, which hands it on to the fake
	 * (a wrapper that records, stalls or plays a proxy); as {@link #setDispatcher}, but
	 * fluent, for the field that registers the extension.
	 * @param dispatcher the dispatcher in front of the fake
	 * @return this
	 */
	public DatasetteServerExtension through(Dispatcher dispatcher) {
		setDispatcher(dispatcher);
		return this;
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.port = 0;
		start();
		this.tokenWatch.attach();
	}

	@Override
	public void afterEach(ExtensionContext context) {
		this.datasette.releaseAnswers();
		close();
		this.tokenWatch.detach();
		assertThat(this.tokenWatch.leaks()).as("log events that show the API token").isEmpty();
	}

	/**
	 * Return the running server, for what this class does not offer.
	 * @return the server
	 */
	public MockWebServer server() {
		MockWebServer server = this.server;
		if (server == null) {
			throw new IllegalStateException("The server is not running: it starts before each test");
		}
		return server;
	}

	/**
	 * Return the URL of {@code /data/-/create}, which creates the table on the first request.
	 * @return the URL
	 */
	public String createUrl() {
		return url("/data/-/create").toString();
	}

	/**
	 * Return the URL of {@code /data/<table>/-/insert}, which inserts into an existing table.
	 * @param table the table
	 * @return the URL
	 */
	public String insertUrl(String table) {
		return url("/data/" + table + "/-/insert").toString();
	}

	/**
	 * Return the URL of a path on the server, also while it is down.
	 * @param path the path
	 * @return the URL
	 * @see MockWebServer#url(String)
	 */
	public HttpUrl url(String path) {
		MockWebServer server = this.server;
		if (server != null) {
			return server.url(path);
		}
		HttpUrl url = new HttpUrl.Builder().scheme("http").host(this.hostName).port(this.port).build().resolve(path);
		if (url == null) {
			throw new IllegalArgumentException("Not a path: " + path);
		}
		return url;
	}

	/**
	 * Return the server's host name.
	 * @return the host name
	 */
	public String getHostName() {
		return this.hostName;
	}

	/**
	 * Return the server's port, which it keeps when it is started again.
	 * @return the port
	 */
	public int getPort() {
		return this.port;
	}

	/**
	 * Return how many requests the server has received since it was last started. The server
	 * counts a request before the fake has handled it: to wait for the fake, wait on
	 * {@link DatasetteDispatcher#requestBodies()}.
	 * @return the count
	 */
	public int getRequestCount() {
		return server().getRequestCount();
	}

	/**
	 * Return the next request the server received, waiting for it at most 10 seconds.
	 * @return the request
	 * @throws InterruptedException if interrupted while waiting
	 */
	public RecordedRequest takeRequest() throws InterruptedException {
		RecordedRequest request = takeRequest(TAKE_REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(request).as("a request within %s", TAKE_REQUEST_TIMEOUT).isNotNull();
		return request;
	}

	/**
	 * Return the next request the server received.
	 * @param timeout how long to wait for it
	 * @param unit the unit of {@code timeout}
	 * @return the request, or {@code null} if none came in time
	 * @throws InterruptedException if interrupted while waiting
	 * @see MockWebServer#takeRequest(long, TimeUnit)
	 */
	public @Nullable RecordedRequest takeRequest(long timeout, TimeUnit unit) throws InterruptedException {
		return server().takeRequest(timeout, unit);
	}

	/**
	 * Let every request reach this dispatcher instead, from now on and after a restart; it
	 * may hand requests on to the fake.
	 * @param dispatcher the dispatcher
	 */
	public void setDispatcher(Dispatcher dispatcher) {
		this.dispatcher = dispatcher;
		MockWebServer server = this.server;
		if (server != null) {
			server.setDispatcher(dispatcher);
		}
	}

	/**
	 * Take the server down: connections to its port are refused until {@link #start()}; its
	 * URLs stay the same.
	 */
	public void close() {
		MockWebServer server = this.server;
		if (server != null) {
			this.server = null;
			server.close();
		}
	}

	/**
	 * Bring the server up again, on the port it had, answering with the same fake: what it
	 * stored and how it was told to answer are kept.
	 */
	public void start() {
		if (this.server != null) {
			throw new IllegalStateException("The server is running");
		}
		MockWebServer server = NoDelayServerSocketFactory.mockWebServer();
		server.setDispatcher(this.dispatcher);
		try {
			server.start(this.port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the server on port " + this.port, ex);
		}
		this.port = server.getPort();
		this.hostName = server.getHostName();
		this.server = server;
	}

	/**
	 * Notes the log events, of any logger, that show a secret.
	 */
	private static final class TokenWatch extends AppenderBase<ILoggingEvent> {

		private final String secret;

		private final List<String> leaks = new CopyOnWriteArrayList<>();

		private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

		TokenWatch(String secret) {
			this.secret = secret;
		}

		void attach() {
			this.leaks.clear();
			start();
			this.root.addAppender(this);
		}

		void detach() {
			this.root.detachAppender(this);
			stop();
		}

		List<String> leaks() {
			return List.copyOf(this.leaks);
		}

		@Override
		protected void append(ILoggingEvent event) {
			String text = String.valueOf(event.getFormattedMessage());
			IThrowableProxy thrown = event.getThrowableProxy();
			if (thrown != null) {
				text = text + "\n" + ThrowableProxyUtil.asString(thrown);
			}
			if (text.contains(this.secret)) {
				this.leaks.add(event.getLevel() + " " + event.getLoggerName() + ": " + text);
			}
		}

	}

}
