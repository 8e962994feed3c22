package io.github.eventsforward.sample.receiver;

import io.github.eventsforward.test.DatasetteWriteApi;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.annotation.Conditional;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A stand-in for a Datasette server's JSON write API, for local runs of the sample: the two
 * calls the starter makes, {@code POST /<db>/-/create} and {@code POST /<db>/<table>/-/insert},
 * answered by the fake Datasette's {@link DatasetteWriteApi} with Datasette's status codes and
 * error bodies, and stored in SQLite by the {@link EventStore}. A real deployment points the
 * starter at a real Datasette instead.
 */
@RestController
@Conditional(OnLocalReceiverCondition.class)
class WriteApiController {

	// Stands for a body larger than the limit, which is not read to its end.
	private static final byte[] TOO_LARGE = new byte[0];

	private final DatasetteWriteApi api;

	WriteApiController(DatasetteWriteApi api) {
		this.api = api;
	}

	@PostMapping({ "/{database}/-/create", "/{database}/{table}/-/insert" })
	Mono<ResponseEntity<String>> write(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		String path = request.getPath().pathWithinApplication().value();
		int limit = (int) Math.min(Integer.MAX_VALUE - 1, this.api.maxBodySize());
		// The raw body, not a @RequestBody: Datasette reads JSON whatever the Content-Type.
		Flux<DataBuffer> body = request.getBody();
		return DataBufferUtils.join(body, limit + 1)
			.map(WriteApiController::bytes)
			.defaultIfEmpty(new byte[0])
			.onErrorResume(DataBufferLimitException.class, (ex) -> Mono.just(TOO_LARGE))
			.publishOn(Schedulers.boundedElastic())
			.map((bytes) -> answer(this.api.handle(new DatasetteWriteApi.Request("POST", path,
					headers.getFirst(HttpHeaders.AUTHORIZATION), headers.getFirst(HttpHeaders.UPGRADE),
					(bytes == TOO_LARGE) ? null : bytes))));
	}

	private static byte[] bytes(DataBuffer buffer) {
		try {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			return bytes;
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}

	private static ResponseEntity<String> answer(DatasetteWriteApi.Answer answer) {
		ResponseEntity.BodyBuilder response = ResponseEntity.status(answer.status())
			.contentType(MediaType.parseMediaType(answer.contentType()));
		answer.headers().forEach((name, value) -> response.header(name, value));
		return response.body(answer.body());
	}


}
