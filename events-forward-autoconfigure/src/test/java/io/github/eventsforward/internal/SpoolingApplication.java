package io.github.eventsforward.internal;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.example.shop.OrderPlaced;
import io.github.eventsforward.autoconfigure.EventsForwardAutoConfiguration;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * An application that publishes orders {@code o-0}, {@code o-1}, ... at a steady rate into
 * a spool, for a test to kill. Started in a JVM of its own with the forwarder's properties
 * as arguments, and the rate as the first; every 20 ms it prints
 * {@code published <count> at <epoch millis>}, so the test knows what was published when.
 */
public final class SpoolingApplication {

	private SpoolingApplication() {
	}

	public static void main(String[] args) {
		int perSecond = Integer.parseInt(args[0]);
		String[] properties = java.util.Arrays.copyOfRange(args, 1, args.length);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.run(properties);
		long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
		long start = System.nanoTime();
		long lastReport = 0;
		for (long published = 0;; published++) {
			long due = start + published * interval;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			context.publishEvent(new OrderPlaced("o-" + published, "alice", 1, BigDecimal.ONE));
			long now = System.nanoTime();
			if (now - lastReport >= TimeUnit.MILLISECONDS.toNanos(20)) {
				lastReport = now;
				// After the event: every order below the count was published by then.
				System.out.println("published " + (published + 1) + " at " + System.currentTimeMillis());
				System.out.flush();
			}
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ JacksonAutoConfiguration.class, HttpClientAutoConfiguration.class,
			ReactiveHttpClientAutoConfiguration.class, WebClientAutoConfiguration.class,
			EventsForwardAutoConfiguration.class })
	static class Application {

	}

}
