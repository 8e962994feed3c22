package io.github.eventsforward.testsupport;

import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.http.client.reactive.ClientHttpConnector;

/**
 * The HTTP clients {@code WebClient} may run on in an application: Reactor Netty, which a
 * WebFlux application has, and the JDK's own {@code HttpClient}, which the forwarder uses
 * when there is no other. Tests that talk to a server run on each.
 */
public enum HttpConnector {

	/** Reactor Netty. */
	REACTOR_NETTY("reactor"),

	/** The JDK's {@code java.net.http.HttpClient}. */
	JDK("jdk");

	private final String name;

	HttpConnector(String name) {
		this.name = name;
	}

	/**
	 * Return the property with which an application picks this connector.
	 * @return {@code name=value}
	 */
	public String property() {
		return "spring.http.clients.reactive.connector=" + this.name;
	}

	/**
	 * Return a connector builder of this kind, as Spring Boot's property would choose it.
	 * @return the builder
	 */
	public ClientHttpConnectorBuilder<?> builder() {
		return (this == JDK) ? ClientHttpConnectorBuilder.jdk() : ClientHttpConnectorBuilder.reactor();
	}

	/**
	 * Return a connector of this kind with default settings.
	 * @return the connector
	 */
	public ClientHttpConnector build() {
		return builder().build();
	}

}
