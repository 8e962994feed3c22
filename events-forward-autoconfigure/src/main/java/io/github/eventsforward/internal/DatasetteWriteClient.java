package io.github.eventsforward.internal;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.github.eventsforward.BatchSender;
import io.github.eventsforward.DatasetteWriteException;
import io.github.eventsforward.EventRow;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Posts batches of rows to a Datasette write API endpoint through {@link WebClient}.
 */
public final class DatasetteWriteClient implements BatchSender {

	private final WebClient webClient;

	private final URI apiUrl;

	private final @Nullable String apiToken;

	private final Clock clock;

	/**
	 * Create a client.
	 * @param webClient the client to send with
	 * @param apiUrl the write API URL, ending in {@code /-/create} or {@code /-/insert}
	 * @param apiToken the Bearer token, or {@code null} to send none
	 * @param clock the present, which a {@code Retry-After} date is measured from
	 */
	public DatasetteWriteClient(WebClient webClient, URI apiUrl, @Nullable String apiToken, Clock clock) {
		this.webClient = webClient;
		this.apiUrl = apiUrl;
		this.apiToken = apiToken;
		this.clock = clock;
	}

	@Override
	public Mono<Void> send(List<EventRow> rows, byte[] body) {
		return Mono.defer(() -> this.webClient.post()
			.uri(this.apiUrl)
			.headers((headers) -> {
				if (this.apiToken != null) {
					headers.setBearerAuth(this.apiToken);
				}
			})
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchangeToMono(this::handle));
	}

	private Mono<Void> handle(ClientResponse response) {
		if (response.statusCode().is2xxSuccessful()) {
			return response.releaseBody();
		}
		int status = response.statusCode().value();
		Duration retryAfter = RetryAfter.parse(response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER),
				this.clock);
		return response.bodyToMono(String.class)
			.defaultIfEmpty("")
			.map(this::withoutToken)
			.flatMap((body) -> Mono.error(DatasetteWriteException.of(status, body, retryAfter)));
	}

	// A proxy's error page may echo the request, Authorization header included: what the
	// server says ends up in logs, the state and the health details.
	private String withoutToken(String text) {
		return (this.apiToken != null && !this.apiToken.isEmpty()) ? text.replace(this.apiToken, "******") : text;
	}

}
