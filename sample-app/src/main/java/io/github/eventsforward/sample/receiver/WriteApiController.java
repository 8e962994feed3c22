package io.github.eventsforward.sample.receiver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.context.annotation.Conditional;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A stand-in for a Datasette server's JSON write API, for local runs of the sample: the two
 * calls the starter makes, {@code POST /<db>/-/create} and {@code POST /<db>/<table>/-/insert},
 * answered with Datasette's status codes and error bodies. A real deployment points the
 * starter at a real Datasette instead.
 */
@RestController
@Conditional(OnLocalReceiverCondition.class)
class WriteApiController {

	private static final Log logger = LogFactory.getLog(WriteApiController.class);

	private static final Set<String> CREATE_KEYS = Set.of("table", "rows", "row", "columns", "pk", "pks", "ignore",
			"replace", "alter");

	private static final Set<String> INSERT_KEYS = Set.of("rows", "row", "ignore", "replace", "alter", "return");

	private final EventStore store;

	private final ReceiverProperties properties;

	private final JsonMapper jsonMapper;

	WriteApiController(EventStore store, ReceiverProperties properties, JsonMapper jsonMapper) {
		this.store = store;
		this.properties = properties;
		this.jsonMapper = jsonMapper;
	}

	@PostMapping("/{database}/-/create")
	Mono<ResponseEntity<String>> create(@PathVariable String database,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) @Nullable String authorization,
			ServerHttpRequest request) {
		// The raw body, not a @RequestBody: Datasette reads JSON whatever the Content-Type.
		return handle(database, authorization, request.getBody(), (data) -> {
			checkKeys(data, CREATE_KEYS);
			String table = data.path("table").asString("");
			if (table.isEmpty()) {
				throw WriteApiException.badRequest("Table is required");
			}
			List<ObjectNode> rows = rows(data);
			if (rows.isEmpty()) {
				throw WriteApiException.badRequest("columns, rows or row is required");
			}
			EventStore.Conflict conflict = conflict(data);
			String pk = data.path("pk").asString("");
			if (conflict != EventStore.Conflict.FAIL && pk.isEmpty()) {
				throw WriteApiException.badRequest("ignore and replace require pk or pks");
			}
			EventStore.Outcome outcome = this.store.create(table, pk.isEmpty() ? "rowid" : pk, rows, conflict,
					data.path("alter").asBoolean(false));
			logBatch(table, rows, outcome.inserted());
			ObjectNode answer = this.jsonMapper.createObjectNode();
			answer.put("ok", true);
			answer.put("database", database);
			answer.put("table", table);
			answer.put("table_url", "/" + database + "/" + table);
			answer.put("table_api_url", "/" + database + "/" + table + ".json");
			answer.put("schema", outcome.schema());
			answer.put("row_count", rows.size());
			return answer;
		});
	}

	@PostMapping("/{database}/{table}/-/insert")
	Mono<ResponseEntity<String>> insert(@PathVariable String database, @PathVariable String table,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) @Nullable String authorization,
			ServerHttpRequest request) {
		// The raw body, not a @RequestBody: Datasette reads JSON whatever the Content-Type.
		return handle(database, authorization, request.getBody(), (data) -> {
			checkKeys(data, INSERT_KEYS);
			if (!data.has("rows") && !data.has("row")) {
				throw WriteApiException.badRequest("JSON must have one or other of \"row\" or \"rows\"");
			}
			List<ObjectNode> rows = rows(data);
			if (rows.size() > this.properties.maxInsertRows()) {
				throw WriteApiException
					.badRequest("Too many rows, maximum allowed is " + this.properties.maxInsertRows());
			}
			int inserted = this.store.insert(table, rows, conflict(data), data.path("alter").asBoolean(false));
			logBatch(table, rows, inserted);
			ObjectNode answer = this.jsonMapper.createObjectNode();
			answer.put("ok", true);
			return answer;
		});
	}

	private Mono<ResponseEntity<String>> handle(String database, @Nullable String authorization,
			@Nullable Flux<DataBuffer> body, Write write) {
		if (!this.properties.databaseName().equals(database)) {
			return Mono.just(htmlNotFound(database));
		}
		if (authorization == null || !authorization.startsWith("Bearer dstok_")) {
			return Mono.just(error(403, "Permission denied"));
		}
		if (!authorization.substring("Bearer ".length()).equals(this.properties.token())) {
			return Mono.just(ResponseEntity.status(HttpStatus.UNAUTHORIZED)
				.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
				.contentType(MediaType.APPLICATION_JSON)
				.body(errorBody(401, "Invalid token signature")));
		}
		int limit = (int) Math.min(Integer.MAX_VALUE, this.properties.maxPostBodyBytes());
		return DataBufferUtils.join((body != null) ? body : Flux.empty(), limit)
			.map((buffer) -> {
				try {
					return buffer.toString(StandardCharsets.UTF_8);
				}
				finally {
					DataBufferUtils.release(buffer);
				}
			})
			.defaultIfEmpty("")
			.publishOn(Schedulers.boundedElastic())
			.map((text) -> {
				ObjectNode data = parse(text);
				return ResponseEntity.status(HttpStatus.CREATED)
					.contentType(MediaType.APPLICATION_JSON)
					.body(write.apply(data).toString());
			})
			// A WriteApiException's constructor always sets its message.
			.onErrorResume(WriteApiException.class,
					(ex) -> Mono.just(error(ex.status(), Objects.requireNonNull(ex.getMessage()))))
			.onErrorResume(DataBufferLimitException.class, (ex) -> Mono.just(error(413,
					"Request body exceeded maximum size of " + this.properties.maxPostBodyBytes() + " bytes")));
	}

	private ObjectNode parse(String text) {
		JsonNode data;
		try {
			data = this.jsonMapper.readTree(text);
		}
		catch (JacksonException ex) {
			throw WriteApiException.badRequest("Invalid JSON: " + ex.getOriginalMessage());
		}
		if (!(data instanceof ObjectNode object)) {
			throw WriteApiException.badRequest("JSON must be a dictionary");
		}
		return object;
	}

	private static void checkKeys(ObjectNode data, Set<String> allowed) {
		for (String key : data.propertyNames()) {
			if (!allowed.contains(key)) {
				throw WriteApiException.badRequest("Invalid parameter: \"" + key + "\"");
			}
		}
	}

	private static List<ObjectNode> rows(ObjectNode data) {
		if (data.has("row")) {
			if (!(data.get("row") instanceof ObjectNode row)) {
				throw WriteApiException.badRequest("\"row\" must be a dictionary");
			}
			return List.of(row);
		}
		JsonNode rows = data.path("rows");
		if (!rows.isArray()) {
			throw WriteApiException.badRequest("\"rows\" must be a list of dictionaries");
		}
		List<ObjectNode> result = new ArrayList<>();
		for (JsonNode row : rows) {
			if (!(row instanceof ObjectNode object)) {
				throw WriteApiException.badRequest("\"rows\" must be a list of dictionaries");
			}
			result.add(object);
		}
		return result;
	}

	private static EventStore.Conflict conflict(ObjectNode data) {
		boolean ignore = data.path("ignore").asBoolean(false);
		boolean replace = data.path("replace").asBoolean(false);
		if (ignore && replace) {
			throw WriteApiException.badRequest("ignore and replace are mutually exclusive");
		}
		return ignore ? EventStore.Conflict.IGNORE
				: replace ? EventStore.Conflict.REPLACE : EventStore.Conflict.FAIL;
	}

	private void logBatch(String table, List<ObjectNode> rows, int inserted) {
		Map<String, Integer> names = new TreeMap<>();
		for (ObjectNode row : rows) {
			names.merge(row.path("event").asString("?"), 1, Integer::sum);
		}
		List<String> summary = new ArrayList<>();
		names.forEach((name, count) -> summary.add(name + " x" + count));
		logger.info("Received " + rows.size() + " events into " + this.properties.databaseName() + "/" + table
				+ " (" + inserted + " new, " + this.store.count(table) + " in all): " + String.join(", ", summary));
	}

	private ResponseEntity<String> error(int status, String message) {
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(errorBody(status, message));
	}

	private String errorBody(int status, String message) {
		ObjectNode body = this.jsonMapper.createObjectNode();
		body.put("ok", false);
		body.put("error", message);
		body.putArray("errors").add(message);
		body.put("status", status);
		return body.toString();
	}

	private static ResponseEntity<String> htmlNotFound(String database) {
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.contentType(MediaType.TEXT_HTML)
			.body("<!DOCTYPE html>\n<html><head><title>Database not found</title></head>"
					+ "<body><h1>Error 404</h1><p>Database not found: " + database + "</p></body></html>");
	}

	@FunctionalInterface
	private interface Write {

		ObjectNode apply(ObjectNode data);

	}

}
