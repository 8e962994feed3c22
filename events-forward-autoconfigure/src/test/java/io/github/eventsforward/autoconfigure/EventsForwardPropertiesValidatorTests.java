package io.github.eventsforward.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.github.eventsforward.autoconfigure.EventsForwardProperties.BufferOverflow;
import io.github.eventsforward.internal.ForwarderSettings;
import io.github.eventsforward.internal.WriteEndpoint;
import io.github.eventsforward.testsupport.LogRecorder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link EventsForwardPropertiesValidator}: every rule the properties are checked
 * against, the property a failure names, and what is only warned about.
 */
class EventsForwardPropertiesValidatorTests {

	private static final String CREATE_URL = "http://localhost:8001/data/-/create";

	private static final String INSERT_URL = "http://localhost:8001/data/datasette_events/-/insert";

	private final LogRecorder log = new LogRecorder(EventsForwardPropertiesValidator.class);

	private final EventsForwardProperties properties = new EventsForwardProperties();

	@BeforeEach
	void attachLog() {
		this.log.attach();
		this.properties.setApiUrl(CREATE_URL);
		this.properties.setApiToken("dstok_test");
	}

	@AfterEach
	void detachLog() {
		this.log.detach();
	}

	// ---------------------------------------------------------------- the settings

	@Test
	void turnsValidPropertiesIntoTheSettingsWithoutAWord() {
		this.properties.setTable("shop_events");
		this.properties.setBatchLimit(50);
		this.properties.setMaxRate(3);
		this.properties.setMaxInFlight(2);
		this.properties.setTimePeriod(Duration.ofSeconds(5));
		this.properties.setFlushInterval(Duration.ofMillis(500));
		this.properties.setBufferCapacity(200);
		this.properties.setBufferOverflow(BufferOverflow.DROP_OLDEST);
		this.properties.setMaxRequestSize(DataSize.ofKilobytes(64));
		this.properties.setConnectTimeout(Duration.ofSeconds(2));
		this.properties.setRequestTimeout(Duration.ofSeconds(20));
		this.properties.setShutdownTimeout(Duration.ofSeconds(3));
		this.properties.getRetry().setInitialBackoff(Duration.ofMillis(200));
		this.properties.getRetry().setMaxBackoff(Duration.ofSeconds(5));
		this.properties.getRetry().setGiveUpAfter(Duration.ofMinutes(2));
		this.properties.getSsl().setBundle("datasette");
		this.properties.setTransactionPhase(EventsForwardProperties.TransactionPhase.NONE);
		ForwarderSettings settings = validate("shop");
		assertThat(settings).isEqualTo(new ForwarderSettings(URI.create(CREATE_URL), WriteEndpoint.CREATE, true, "shop",
				"shop_events", 50, 2, 3, Duration.ofSeconds(5), Duration.ofMillis(500),
				new ForwarderSettings.Buffer(200, ForwarderSettings.Overflow.DROP_OLDEST), 64 * 1024,
				Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofSeconds(3),
				new ForwarderSettings.Retry(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofMinutes(2)),
				List.of(), List.of(), new ForwarderSettings.Ssl("datasette"), ForwarderSettings.Spool.NONE,
				ForwarderSettings.TransactionPhase.NONE, ForwarderSettings.Outbox.NONE));
		assertThat(warnings()).isEmpty();
	}

	// ---------------------------------------------------------------- api-url

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "  ", "localhost:8001/data/-/create", "/data/-/create", "ftp://localhost/data/-/create",
			"http:///data/-/create", "http://local host/data/-/create" })
	void failsOnAnApiUrlThatIsNotAnAbsoluteHttpUrl(@Nullable String apiUrl) {
		this.properties.setApiUrl(apiUrl);
		assertInvalid("api-url", "must be the absolute http or https URL of a Datasette write API endpoint",
				"http://localhost:8001/mydb/-/create");
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://localhost:8001/data", "http://localhost:8001/data/datasette_events",
			"http://localhost:8001/data/-/upsert" })
	void failsOnAnApiUrlThatIsNotAWriteEndpoint(String apiUrl) {
		this.properties.setApiUrl(apiUrl);
		assertInvalid("api-url", "must end in /-/create", "/-/insert");
	}

	@Test
	void tellsTheEndpointFromTheApiUrl() {
		this.properties.setApiUrl("https://datasette.example.com/data/-/create/");
		assertThat(validate("shop").endpoint()).isEqualTo(WriteEndpoint.CREATE);
		this.properties.setApiUrl(INSERT_URL);
		assertThat(validate("shop").endpoint()).isEqualTo(WriteEndpoint.INSERT);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			${DATASETTE_API_URL}                      | ${DATASETTE_API_URL}  | DATASETTE_API_URL
			http://${DATASETTE_HOST}/data/-/create    | ${DATASETTE_HOST}     | DATASETTE_HOST
			""")
	void failsOnAnApiUrlWithAnUnresolvedPlaceholderNamingTheVariable(String apiUrl, String placeholder,
			String variable) {
		this.properties.setApiUrl(apiUrl);
		InvalidConfigurationPropertyValueException ex = assertInvalid("api-url",
				"holds the placeholder " + placeholder + ", which nothing resolves",
				"set the environment variable " + variable, "such as ${" + variable + ":}");
		assertThat(ex.getValue()).isEqualTo(placeholder);
	}

	@Test
	void warnsAboutCredentialsInTheApiUrlAndLeavesThemOutOfTheSettings() {
		this.properties.setApiUrl("http://forwarder:url-secret-5d1@127.0.0.1:8001/data/-/create?_trace=1");
		ForwarderSettings settings = validate("shop");
		assertThat(settings.apiUrl()).isEqualTo(URI.create("http://127.0.0.1:8001/data/-/create?_trace=1"));
		assertThat(settings.displayUrl()).doesNotContain("url-secret-5d1", "forwarder");
		assertThat(warnings()).singleElement()
			.asString()
			.contains("datasette.events-forward.api-url (http://******@127.0.0.1:8001/data/-/create?_trace=1)",
					"holds a user name or password. They are not sent", "set datasette.events-forward.api-token")
			.doesNotContain("url-secret-5d1");
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://forwarder:url-secret-77a@host/data",
			"ftp://forwarder:url-secret-77a@host/data/-/create", "http://forwarder:url-secret-77a@host/da ta/-/create" })
	void showsNoCredentialsOfAnInvalidApiUrl(String apiUrl) {
		this.properties.setApiUrl(apiUrl);
		InvalidConfigurationPropertyValueException ex = assertThatExceptionOfType(
				InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> validate("shop"))
			.actual();
		assertThat(ex.getName()).isEqualTo("datasette.events-forward.api-url");
		assertThat(ex.getMessage()).doesNotContain("url-secret-77a");
		assertThat(String.valueOf(ex.getValue())).doesNotContain("url-secret-77a");
		assertThat(this.log.events()).extracting(ILoggingEvent::getFormattedMessage)
			.noneMatch((message) -> message.contains("url-secret-77a"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://datasette.example.com/data/-/create", "http://10.0.0.5:8001/data/-/create",
			"HTTP://datasette.example.com/data/-/create" })
	void warnsThatATokenSentOverHttpToAnotherHostTravelsInClearText(String apiUrl) {
		this.properties.setApiUrl(apiUrl);
		validate("shop");
		assertThat(warnings()).singleElement()
			.asString()
			.contains("datasette.events-forward.api-url (" + apiUrl + ") uses http:// to a host other than this"
					+ " machine: the API token travels in clear text. Use https://");
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://localhost:8001/data/-/create", "http://LOCALHOST/data/-/create",
			"http://datasette.localhost/data/-/create", "http://127.0.0.1:8001/data/-/create",
			"http://127.0.0.2/data/-/create", "http://[::1]:8001/data/-/create",
			"https://datasette.example.com/data/-/create" })
	void doesNotWarnAboutATokenSentOverHttpsOrToThisMachine(String apiUrl) {
		this.properties.setApiUrl(apiUrl);
		validate("shop");
		assertThat(warnings()).isEmpty();
	}

	@Test
	void doesNotWarnAboutClearTextWithoutAToken() {
		this.properties.setApiUrl("http://datasette.example.com/data/-/create");
		this.properties.setApiToken(null);
		validate("shop");
		assertThat(warnings()).noneMatch((warning) -> warning.contains("clear text"));
	}

	// ---------------------------------------------------------------- api-token

	@ParameterizedTest
	@CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, textBlock = """
			''|is empty; set it to a token made with 'datasette create-token', or leave it unset
			'   '|is empty
			Bearer dstok_secret-value|must be the token alone, without the 'Bearer ' prefix
			bearer dstok_secret-value|without the 'Bearer ' prefix
			dstok_secret value|must not contain spaces or line breaks
			'dstok_secret-value '|must not contain spaces or line breaks
			""")
	void failsOnAMalformedTokenWithoutShowingIt(String token, String reason) {
		assertMalformedTokenNotShown(token, reason);
	}

	@Test
	void failsOnATokenWithALineBreakWithoutShowingIt() {
		assertMalformedTokenNotShown("dstok_secret-value\n", "must not contain spaces or line breaks");
	}

	private void assertMalformedTokenNotShown(String token, String reason) {
		this.properties.setApiToken(token);
		InvalidConfigurationPropertyValueException ex = assertInvalid("api-token", reason);
		assertThat(ex.getValue()).isEqualTo("******");
		assertThat(ex.getMessage()).doesNotContain("secret");
		assertThat(this.log.events()).extracting(ILoggingEvent::getFormattedMessage)
			.noneMatch((message) -> message.contains("secret"));
	}

	@Test
	void failsOnAnApiTokenWithAnUnresolvedPlaceholderShowingOnlyThePlaceholder() {
		this.properties.setApiToken("dstok_prefix-91c4${FORWARD_TOKEN_REST}");
		InvalidConfigurationPropertyValueException ex = assertInvalid("api-token",
				"holds the placeholder ${FORWARD_TOKEN_REST}", "set the environment variable FORWARD_TOKEN_REST");
		assertThat(ex.getValue()).isEqualTo("${FORWARD_TOKEN_REST}");
		assertThat(ex.getMessage()).doesNotContain("prefix-91c4");
	}

	@Test
	void warnsWhenNoTokenIsSet() {
		this.properties.setApiToken(null);
		assertThat(validate("shop").hasToken()).isFalse();
		assertThat(warnings()).singleElement()
			.asString()
			.contains("datasette.events-forward.api-token is not set: requests are sent without a token",
					"403 unless it lets anonymous users write");
	}

	// ---------------------------------------------------------------- table and batches

	@ParameterizedTest
	@ValueSource(strings = { "", "  " })
	void failsOnAnEmptyTableForCreate(String table) {
		this.properties.setTable(table);
		assertInvalid("table", "must name the table that /-/create writes to");
	}

	@Test
	void needsNoTableForInsert() {
		this.properties.setApiUrl(INSERT_URL);
		this.properties.setTable("");
		assertThat(validate("shop").endpoint()).isEqualTo(WriteEndpoint.INSERT);
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 0, 1001 })
	void failsOnABatchLimitOutsideItsRange(int batchLimit) {
		this.properties.setBatchLimit(batchLimit);
		assertInvalid("batch-limit", "must be between 1 and 1000");
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 1000 })
	void acceptsABatchLimitAtTheEndsOfItsRange(int batchLimit) {
		this.properties.setBatchLimit(batchLimit);
		assertThat(validate("shop").batchLimit()).isEqualTo(batchLimit);
		assertThat(warnings()).as("/-/create has no limit of 100 rows").isEmpty();
	}

	@Test
	void warnsAboutABatchLimitAboveDatasettesInsertLimit() {
		this.properties.setApiUrl(INSERT_URL);
		this.properties.setBatchLimit(101);
		validate("shop");
		assertThat(warnings()).singleElement()
			.asString()
			.contains("datasette.events-forward.batch-limit is 101", "at most 100 rows per /-/insert request",
					"max_insert_rows", "use a /-/create URL");
	}

	@Test
	void doesNotWarnAboutABatchLimitWithinDatasettesInsertLimit() {
		this.properties.setApiUrl(INSERT_URL);
		this.properties.setBatchLimit(100);
		validate("shop");
		assertThat(warnings()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 0 })
	void failsOnAMaxRateBelowOne(int maxRate) {
		this.properties.setMaxRate(maxRate);
		assertInvalid("max-rate", "must be at least 1 request per time-period", "lengthen time-period");
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 0, 65 })
	void failsOnAMaxInFlightOutsideItsRange(int maxInFlight) {
		this.properties.setMaxInFlight(maxInFlight);
		this.properties.setMaxRate(100);
		assertInvalid("max-in-flight", "must be between 1 and 64");
	}

	@Test
	void sendsOneRequestAtATimeByDefault() {
		assertThat(validate("shop").maxInFlight()).isEqualTo(1);
	}

	@Test
	void warnsAboutMoreRequestsInFlightThanTheRateLimitLetsOut() {
		this.properties.setMaxInFlight(8);
		this.properties.setMaxRate(2);
		assertThat(validate("shop").maxInFlight()).isEqualTo(8);
		assertThat(warnings()).singleElement()
			.asString()
			.contains("datasette.events-forward.max-in-flight is 8", "max-rate lets only 2", "raise max-rate");
	}

	// ---------------------------------------------------------------- durations and sizes

	@ParameterizedTest(name = "{0} of {1}")
	@MethodSource("durationsThatMustBePositive")
	void failsOnADurationThatIsNotPositive(String property, Duration value,
			BiConsumer<EventsForwardProperties, Duration> setter) {
		setter.accept(this.properties, value);
		InvalidConfigurationPropertyValueException ex = assertInvalid(property, "must be longer than zero");
		assertThat(ex.getValue()).isEqualTo(value);
	}

	static Stream<Arguments> durationsThatMustBePositive() {
		return Stream.of(Duration.ZERO, Duration.ofSeconds(-5))
			.flatMap((value) -> Stream.of(
					Arguments.of("time-period", value, setter(EventsForwardProperties::setTimePeriod)),
					Arguments.of("flush-interval", value, setter(EventsForwardProperties::setFlushInterval)),
					Arguments.of("connect-timeout", value, setter(EventsForwardProperties::setConnectTimeout)),
					Arguments.of("request-timeout", value, setter(EventsForwardProperties::setRequestTimeout)),
					Arguments.of("retry.initial-backoff", value,
							setter((properties, duration) -> properties.getRetry().setInitialBackoff(duration))),
					Arguments.of("retry.give-up-after", value,
							setter((properties, duration) -> properties.getRetry().setGiveUpAfter(duration)))));
	}

	private static BiConsumer<EventsForwardProperties, Duration> setter(
			BiConsumer<EventsForwardProperties, Duration> setter) {
		return setter;
	}

	@Test
	void failsOnANegativeShutdownTimeoutButAcceptsZero() {
		this.properties.setShutdownTimeout(Duration.ofMillis(-1));
		assertInvalid("shutdown-timeout", "must not be negative");
		this.properties.setShutdownTimeout(Duration.ZERO);
		assertThat(validate("shop").shutdownTimeout()).isZero();
	}

	@Test
	void failsOnABufferCapacityBelowOne() {
		this.properties.setBufferCapacity(0);
		assertInvalid("buffer-capacity", "must be at least 1 event");
		this.properties.setBufferCapacity(1);
		assertThat(validate("shop").buffer().capacity()).isOne();
	}

	@Test
	void failsOnAMaxRequestSizeBelowOneKilobyte() {
		this.properties.setMaxRequestSize(DataSize.ofBytes(1023));
		assertInvalid("max-request-size", "must be at least 1KB", "Datasette accepts up to 2MB by default");
		this.properties.setMaxRequestSize(DataSize.ofKilobytes(1));
		assertThat(validate("shop").maxRequestSize()).isEqualTo(1024);
	}

	@Test
	void failsOnAMaxBackoffShorterThanTheInitialBackoff() {
		this.properties.getRetry().setInitialBackoff(Duration.ofSeconds(2));
		this.properties.getRetry().setMaxBackoff(Duration.ofMillis(1999));
		assertInvalid("retry.max-backoff", "must not be shorter than retry.initial-backoff (PT2S)");
		this.properties.getRetry().setMaxBackoff(Duration.ofSeconds(2));
		assertThat(validate("shop").retry().maxBackoff()).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void warnsAboutTimeoutsShorterThan100Milliseconds() {
		// Bound as in an application: a number without a unit is milliseconds.
		bind("shutdown-timeout=10", "request-timeout=50ms", "connect-timeout=99");
		validate("shop");
		assertThat(warnings()).hasSize(3);
		assertThat(warning("datasette.events-forward.shutdown-timeout is 10ms, under 100ms")).contains(
				"shutdown then gives up on the events still queued almost at once",
				"A number without a unit means milliseconds: write the unit, such as 10s");
		assertThat(warning("datasette.events-forward.request-timeout is 50ms, under 100ms"))
			.contains("requests to Datasette then time out");
		assertThat(warning("datasette.events-forward.connect-timeout is 99ms, under 100ms"))
			.contains("connections to Datasette then fail");
	}

	@Test
	void doesNotWarnAboutTimeoutsOf100Milliseconds() {
		this.properties.setShutdownTimeout(Duration.ofMillis(100));
		this.properties.setRequestTimeout(Duration.ofMillis(100));
		this.properties.setConnectTimeout(Duration.ofMillis(100));
		validate("shop");
		assertThat(warnings()).isEmpty();
	}

	// ---------------------------------------------------------------- include and exclude

	@ParameterizedTest
	@CsvSource({ "include, com.example.shop.OrderPlacd", "exclude, com.example.nosuchpackage",
			"include, com.example.shop.Orders.ItemShiped" })
	void failsOnAnIncludeOrExcludeEntryThatNamesNoClassAndNoPackage(String property, String entry) {
		List<String> entries = List.of("com.example.shop", entry);
		if (property.equals("include")) {
			this.properties.setInclude(entries);
		}
		else {
			this.properties.setExclude(entries);
		}
		InvalidConfigurationPropertyValueException ex = assertInvalid(property,
				"names no class and no package on the class path", "such as com.example.shop.OrderPlaced");
		assertThat(ex.getValue()).isEqualTo(entry);
		assertThat(ex.getMessage()).contains(entry);
	}

	@Test
	void acceptsIncludeAndExcludeEntriesThatNameTypesOrPackages() {
		bind("include=com.example.shop, com.example, java.util.EventObject,"
				+ " org.springframework.context.event.ContextRefreshedEvent, org.springframework.context,"
				+ " com.example.shop.Orders$ItemShipped",
				"exclude=com.example.shop.UserSignedUpEvent, com.example.web, com.example.shop.Orders.ItemShipped");
		ForwarderSettings settings = validate("shop");
		assertThat(settings.include()).containsExactly("com.example.shop", "com.example", "java.util.EventObject",
				"org.springframework.context.event.ContextRefreshedEvent", "org.springframework.context",
				"com.example.shop.Orders$ItemShipped");
		assertThat(settings.exclude()).containsExactly("com.example.shop.UserSignedUpEvent", "com.example.web",
				"com.example.shop.Orders.ItemShipped");
	}

	@Test
	void acceptsTheNamesOfAClassNestedTwoDeepThatTheEventFilterMatches() {
		this.properties.setInclude(List.of("com.example.shop.Orders.Refunds.RefundIssuedEvent"));
		this.properties.setExclude(List.of("com.example.shop.Orders$Refunds$RefundIssuedEvent"));
		ForwarderSettings settings = validate("shop");
		assertThat(settings.include()).containsExactly("com.example.shop.Orders.Refunds.RefundIssuedEvent");
		assertThat(settings.exclude()).containsExactly("com.example.shop.Orders$Refunds$RefundIssuedEvent");
	}

	@Test
	void failsOnANestedClassNameThatMixesTheCanonicalAndTheBinaryForm() {
		// The class exists, but the event filter matches neither form of it to this entry:
		// the exclusion would do nothing without a word.
		this.properties.setExclude(List.of("com.example.shop.Orders$Refunds.RefundIssuedEvent"));
		assertInvalid("exclude", "names no class and no package on the class path");
	}

	@Test
	void stripsIncludeAndExcludeEntriesAndLeavesOutBlankOnes() {
		this.properties.setInclude(List.of(" com.example.shop ", "", "  "));
		this.properties.setExclude(List.of("\tcom.example.shop.UserSignedUpEvent"));
		ForwarderSettings settings = validate("shop");
		assertThat(settings.include()).containsExactly("com.example.shop");
		assertThat(settings.exclude()).containsExactly("com.example.shop.UserSignedUpEvent");
	}

	// ---------------------------------------------------------------- instance

	@Test
	void warnsWithTheFixWhenRowsWouldCarryNoInstance() {
		assertThat(validate(null).instance()).isNull();
		assertThat(warnings()).singleElement()
			.asString()
			.contains("Neither datasette.events-forward.instance nor spring.application.name is set",
					"\"instance\": null", "instance=none", "Set spring.application.name");
	}

	// ---------------------------------------------------------------- outbox

	@Test
	void bindsTheOutboxSettings() {
		bind("outbox.enabled=true", "outbox.initialize-schema=always", "outbox.lease=30s", "outbox.poll-interval=2s");
		assertThat(validate("shop").outbox()).isEqualTo(new ForwarderSettings.Outbox(true,
				ForwarderSettings.InitializeSchema.ALWAYS, Duration.ofSeconds(30), Duration.ofSeconds(2)));
	}

	@Test
	void failsOnAnOutboxLeaseShorterThanASecond() {
		bind("outbox.enabled=true", "outbox.lease=500ms");
		assertInvalid("outbox.lease", "must be at least 1s", "send the same rows again");
	}

	@Test
	void failsOnAnOutboxPollIntervalOfZero() {
		bind("outbox.enabled=true", "outbox.poll-interval=0s");
		assertInvalid("outbox.poll-interval", "must be longer than zero");
	}

	@Test
	void failsOnTheOutboxBesideTheSpoolOrWithTransactionPhaseNone() {
		bind("outbox.enabled=true", "spool.enabled=true", "spool.path=spool");
		assertInvalid("outbox.enabled", "cannot be set with spool.enabled", "Set one of them to false");
		bind("spool.enabled=false", "transaction-phase=none");
		assertInvalid("outbox.enabled", "cannot be set with transaction-phase none");
	}

	private void bind(String... properties) {
		Map<String, String> values = new LinkedHashMap<>();
		for (String property : properties) {
			String[] nameAndValue = property.split("=", 2);
			values.put("datasette.events-forward." + nameAndValue[0], nameAndValue[1]);
		}
		new Binder(new MapConfigurationPropertySource(values)).bind("datasette.events-forward",
				Bindable.ofInstance(this.properties));
	}

	private ForwarderSettings validate(@Nullable String instance) {
		return EventsForwardPropertiesValidator.validate(this.properties, instance, getClass().getClassLoader());
	}

	private InvalidConfigurationPropertyValueException assertInvalid(String property, String... reason) {
		InvalidConfigurationPropertyValueException ex = assertThatExceptionOfType(
				InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> validate("shop"))
			.actual();
		assertThat(ex.getName()).isEqualTo("datasette.events-forward." + property);
		assertThat(ex.getMessage()).contains("datasette.events-forward." + property).contains(reason);
		return ex;
	}

	private List<String> warnings() {
		return this.log.messages(Level.WARN, "");
	}

	private String warning(String fragment) {
		assertThat(this.log.messages(Level.WARN, fragment)).as("WARNs with \"%s\"", fragment).hasSize(1);
		return this.log.messages(Level.WARN, fragment).get(0);
	}

}
