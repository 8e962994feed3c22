package io.github.eventsforward.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts to a fake as the forwarder does, with one HTTP/1.1 client for all tests.
 */
final class WriteApiClient {

	static final JsonMapper json = JsonMapper.shared();

	private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private static final AtomicLong ids = new AtomicLong();

	private WriteApiClient() {
	}

	static Answer post(URI url, String body, @Nullable String authorization) {
		HttpRequest.Builder request = HttpRequest.newBuilder(url)
			.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		try {
			HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
			return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
					response.headers().firstValue("WWW-Authenticate").orElse(null),
					response.headers().firstValue("Retry-After").orElse(null), response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A row as the forwarder sends it; ids grow, as its ULIDs do. */
	static ObjectNode row() {
		ObjectNode row = json.createObjectNode();
		row.put("id", String.format("01JWTEST%018d", ids.incrementAndGet()));
		row.put("instance", "shop");
		row.put("event", "page-viewed");
		row.put("created", "2026-06-01T12:00:00.000000+00:00");
		row.putNull("actor_id");
		row.putNull("database_name");
		row.putNull("table_name");
		row.put("properties", "{\"path\":\"/catalog\"}");
		return row;
	}

	static ObjectNode createBody(String table, ObjectNode... rows) {
		ObjectNode body = json.createObjectNode();
		body.put("table", table);
		ArrayNode list = body.putArray("rows");
		for (ObjectNode row : rows) {
			list.add(row);
		}
		body.put("pk", "id");
		body.put("ignore", true);
		return body;
	}

	static ObjectNode insertBody(ObjectNode... rows) {
		ObjectNode body = json.createObjectNode();
		ArrayNode list = body.putArray("rows");
		for (ObjectNode row : rows) {
			list.add(row);
		}
		body.put("ignore", true);
		return body;
	}

	record Answer(int status, String contentType, @Nullable String wwwAuthenticate, @Nullable String retryAfter,
			String body) {

		JsonNode json() {
			return WriteApiClient.json.readTree(this.body);
		}

		String error() {
			return json().path("error").asString();
		}

	}

}
