package io.github.eventsforward;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Customizes the {@link WebClient.Builder} of the events forwarder only, after the
 * application's own {@code WebClientCustomizer}s and before the forwarder's connector is set:
 * for example to add a header or a filter that only the requests to Datasette need.
 */
@FunctionalInterface
public interface EventsForwardWebClientCustomizer {

	/**
	 * Customize the builder.
	 * @param webClientBuilder a builder of the forwarder's own, cloned from the application's
	 */
	void customize(WebClient.Builder webClientBuilder);

}
