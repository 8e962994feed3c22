package io.github.eventsforward.internal;

import java.net.URI;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

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

	private final RequestBodyWriter bodyWriter;

	/**
	 * Create a client.
	 * @param webClient the client to send with
	 * @param apiUrl the write API URL, ending in {@code /-/create} or {@code /-/insert}
	 * @param endpoint which of the two it is
	 * @param table the table named in a {@code /-/create} body
	 * @param apiToken the Bearer token, or {@code null} to send none
	 */
	public DatasetteWriteClient(WebClient webClient, URI apiUrl, WriteEndpoint endpoint, String table,
			@Nullable String apiToken) {
		this.webClient = webClient;
		this.apiUrl = apiUrl;
		this.apiToken = apiToken;
		this.bodyWriter = new RequestBodyWriter(endpoint, table);
	}

	@Override
	public Mono<Void> send(List<EventRow> rows) {
		return Mono.defer(() -> this.webClient.post()
			.uri(this.apiUrl)
			.headers((headers) -> {
				if (this.apiToken != null) {
					headers.setBearerAuth(this.apiToken);
				}
			})
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.APPLICATION_JSON)
			.bodyValue(this.bodyWriter.write(rows))
			.exchangeToMono(DatasetteWriteClient::handle));
	}

	private static Mono<Void> handle(ClientResponse response) {
		if (response.statusCode().is2xxSuccessful()) {
			return response.releaseBody();
		}
		int status = response.statusCode().value();
		return response.bodyToMono(String.class)
			.defaultIfEmpty("")
			.flatMap((body) -> Mono.error(DatasetteWriteException.of(status, body)));
	}

}
