package io.github.eventsforward.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.eventsforward.EventsForwarder;
import io.github.eventsforward.sample.receiver.EventStore;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Shows what the forwarder did and, with the stand-in receiver, the rows that arrived, newest
 * first.
 */
@RestController
class ReceivedEventsController {

	private final ObjectProvider<EventsForwarder> forwarder;

	private final ObjectProvider<EventStore> store;

	private final Environment environment;

	ReceivedEventsController(ObjectProvider<EventsForwarder> forwarder, ObjectProvider<EventStore> store,
			Environment environment) {
		this.forwarder = forwarder;
		this.store = store;
		this.environment = environment;
	}

	@GetMapping("/events/received")
	Mono<Map<String, Object>> received(@RequestParam(defaultValue = "20") int limit) {
		return Mono.fromCallable(() -> {
			Map<String, Object> answer = new LinkedHashMap<>();
			answer.put("forwardingTo", this.environment.getProperty("datasette.events-forward.api-url"));
			EventsForwarder forwarder = this.forwarder.getIfAvailable();
			answer.put("counts", (forwarder != null) ? forwarder.counts() : "forwarding is off");
			if (forwarder != null) {
				answer.put("state", forwarder.state());
			}
			EventStore store = this.store.getIfAvailable();
			if (store != null) {
				String table = this.environment.getProperty("datasette.events-forward.table", "datasette_events");
				answer.put("rowsStored", store.count(table));
				answer.put("newest", store.newest(table, Math.max(1, Math.min(limit, 1000))));
			}
			else {
				answer.put("newest", "rows are stored by the Datasette server the events are forwarded to");
			}
			return answer;
		}).subscribeOn(Schedulers.boundedElastic());
	}

}
