package io.github.eventsforward.benchmarks;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for Datasette's write API: a Reactor Netty server on 127.0.0.1 and an
 * ephemeral port that counts the rows of each request body and answers
 * {@code 201 {"ok": true}}. It runs on event loops of its own (daemon threads), so that it
 * does not share threads with the client under test.
 * <p>
 * Created with an answer delay, it stands in for a remote Datasette: each answer is sent
 * that long after its request's body has arrived, on a timer, so that the event loop goes
 * on reading other requests meanwhile. It also keeps the most requests it has had waiting
 * for their answers at once.
 */
final class Receiver implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.shared();

	private final LoopResources loops = LoopResources.create("bench-receiver", 1, true);

	private final DisposableServer server;

	private final AtomicLong requests = new AtomicLong();

	private final AtomicLong rows = new AtomicLong();

	private final AtomicLong firstRequest = new AtomicLong();

	private final AtomicInteger waiting = new AtomicInteger();

	private final AtomicInteger mostWaiting = new AtomicInteger();

	/**
	 * Start a receiver that answers each request at once.
	 */
	Receiver() {
		this(Duration.ZERO);
	}

	/**
	 * Start a receiver that answers each request the given time after its body arrived.
	 * @param answerDelay how long each answer waits, {@link Duration#ZERO} for none
	 */
	Receiver(Duration answerDelay) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.runOn(this.loops)
			.handle((request, response) -> request.receive().aggregate().asByteArray().flatMap((body) -> {
				this.firstRequest.compareAndSet(0, System.nanoTime());
				this.mostWaiting.accumulateAndGet(this.waiting.incrementAndGet(), Math::max);
				if (answerDelay.isZero()) {
					return answer(response, body);
				}
				// On Reactor's timer, so that the event loop goes on with other requests.
				return Mono.delay(answerDelay).then(Mono.defer(() -> answer(response, body)));
			}))
			.bindNow(Duration.ofSeconds(10));
	}

	// Counted as the answer goes, so that a row counted is one the client will see
	// acknowledged.
	private Mono<Void> answer(HttpServerResponse response, byte[] body) {
		this.rows.addAndGet(countRows(body));
		this.requests.incrementAndGet();
		this.waiting.decrementAndGet();
		return response.status(201)
			.header("Content-Type", "application/json")
			.sendString(Mono.just("{\"ok\": true}"))
			.then();
	}

	/**
	 * Return the write API URL the forwarder posts to.
	 * @return {@code http://127.0.0.1:<port>/bench/-/create}
	 */
	String apiUrl() {
		return "http://127.0.0.1:" + this.server.port() + "/bench/-/create";
	}

	int port() {
		return this.server.port();
	}

	long rows() {
		return this.rows.get();
	}

	long requests() {
		return this.requests.get();
	}

	/**
	 * Return the most requests that have waited for their answers at once: how many the
	 * client had in flight, at most.
	 * @return the count, {@code 0} before the first request
	 */
	int mostWaiting() {
		return this.mostWaiting.get();
	}

	/**
	 * Return when the first request arrived.
	 * @return its {@link System#nanoTime()}, {@code 0} before it
	 */
	long firstRequestNanos() {
		return this.firstRequest.get();
	}

	// The objects directly inside the top-level "rows" array; the properties column is a
	// string, so rows hold no nested objects.
	static long countRows(byte[] body) {
		long count = 0;
		int depth = 0;
		boolean inRows = false;
		try (JsonParser parser = JSON.createParser(body)) {
			JsonToken token;
			while ((token = parser.nextToken()) != null) {
				switch (token) {
					case START_OBJECT, START_ARRAY -> {
						if (token == JsonToken.START_ARRAY && depth == 1 && "rows".equals(parser.currentName())) {
							inRows = true;
						}
						else if (token == JsonToken.START_OBJECT && inRows && depth == 2) {
							count++;
						}
						depth++;
					}
					case END_OBJECT, END_ARRAY -> {
						depth--;
						if (depth == 1) {
							inRows = false;
						}
					}
					default -> {
					}
				}
			}
		}
		return count;
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
		this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(5));
	}

}
