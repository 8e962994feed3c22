package io.github.eventsforward.internal;

import java.util.ArrayList;
import java.util.EventObject;
import java.util.List;

import com.example.audit.Event;
import com.example.shop.OrderPlaced;
import com.example.shop.Orders;
import com.example.shop.UserSignedUpEvent;
import com.example.shopping.BasketFilled;
import com.example.web.HTTPRequestReceivedEvent;
import io.github.eventsforward.ForwardCounts;
import io.github.eventsforward.autoconfigure.EventsForwardProperties;
import io.github.eventsforward.testsupport.LogRecorder;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.ContextRefreshedEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EventFilter}: which event types {@code include} and {@code exclude}
 * forward.
 */
class EventFilterTests {

	@Test
	void withoutIncludeForwardsTheApplicationsEventsButNotSpringsNorTheForwardersOwn() {
		EventFilter filter = filter(List.of(), List.of());
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(UserSignedUpEvent.class)).as("an ApplicationEvent of the application's").isTrue();
		assertThat(filter.accepts(String.class)).as("a payload of publishEvent(Object)").isTrue();
		assertThat(filter.accepts(ContextRefreshedEvent.class)).isFalse();
		assertThat(filter.accepts(PayloadApplicationEvent.class)).isFalse();
		assertThat(filter.accepts(ApplicationReadyEvent.class)).as("in a package below org.springframework")
			.isFalse();
		assertThat(filter.accepts(ForwardCounts.class)).isFalse();
		assertThat(filter.accepts(EventsForwardProperties.class)).isFalse();
		assertThat(filter.accepts(ForwarderSettings.class)).isFalse();
		// A package below the forwarder's is an application's, as the sample application's is.
		assertThat(filter.accepts(LogRecorder.class)).isTrue();
	}

	@Test
	void withIncludeForwardsOnlyWhatItNames() {
		EventFilter filter = filter(List.of("com.example.shop.OrderPlaced", "com.example.web"), List.of());
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(HTTPRequestReceivedEvent.class)).isTrue();
		assertThat(filter.accepts(UserSignedUpEvent.class)).isFalse();
		assertThat(filter.accepts(Event.class)).isFalse();
		assertThat(filter.accepts(String.class)).isFalse();
	}

	@Test
	void includesSpringsEventsWhenNamed() {
		assertThat(filter(List.of("org.springframework.context.event.ContextRefreshedEvent"), List.of())
			.accepts(ContextRefreshedEvent.class)).isTrue();
		assertThat(filter(List.of("org.springframework.context"), List.of()).accepts(ContextRefreshedEvent.class))
			.isTrue();
	}

	@Test
	void aTypeMatchesItsSubtypesThroughSuperclassesAndInterfaces() {
		assertThat(filter(List.of(ApplicationEvent.class.getName()), List.of()).accepts(UserSignedUpEvent.class))
			.isTrue();
		assertThat(filter(List.of(EventObject.class.getName()), List.of()).accepts(UserSignedUpEvent.class))
			.as("through two superclasses")
			.isTrue();
		EventFilter auditable = filter(List.of(Auditable.class.getName()), List.of());
		assertThat(auditable.accepts(AccountLocked.class)).isTrue();
		assertThat(auditable.accepts(PasswordChanged.class)).as("through a superclass and an interface's interface")
			.isTrue();
		assertThat(auditable.accepts(OrderPlaced.class)).isFalse();
		assertThat(filter(List.of(PasswordChanged.class.getName()), List.of()).accepts(AccountEvent.class))
			.as("a supertype of the named type")
			.isFalse();
	}

	@Test
	void aPackageMatchesItsSubPackagesButNotAPackageThatOnlySharesItsPrefix() {
		EventFilter filter = filter(List.of("com.example.shop"), List.of());
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(BasketFilled.class)).as("com.example.shopping").isFalse();
		assertThat(filter(List.of("com.example"), List.of()).accepts(BasketFilled.class)).isTrue();
		assertThat(filter(List.of("com.example.sho"), List.of()).accepts(OrderPlaced.class)).isFalse();
	}

	@Test
	void exclusionWinsOverInclusion() {
		EventFilter filter = filter(List.of("com.example.shop"), List.of("com.example.shop.UserSignedUpEvent"));
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(UserSignedUpEvent.class)).isFalse();
		assertThat(filter(List.of("com.example.shop.OrderPlaced"), List.of("com.example.shop"))
			.accepts(OrderPlaced.class)).isFalse();
		assertThat(filter(List.of("org.springframework.context.event.ContextRefreshedEvent"),
				List.of("org.springframework")).accepts(ContextRefreshedEvent.class)).isFalse();
	}

	@Test
	void excludesFromEverythingWithoutInclude() {
		EventFilter filter = filter(List.of(), List.of("com.example.web", ApplicationEvent.class.getName()));
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(HTTPRequestReceivedEvent.class)).isFalse();
		assertThat(filter.accepts(UserSignedUpEvent.class)).as("a subtype of an excluded type").isFalse();
	}

	@Test
	void matchesNestedClassesByTheirCanonicalAndTheirBinaryNames() {
		assertThat(filter(List.of("com.example.shop.Orders.ItemShipped"), List.of()).accepts(Orders.ItemShipped.class))
			.isTrue();
		assertThat(filter(List.of("com.example.shop.Orders$ItemShipped"), List.of()).accepts(Orders.ItemShipped.class))
			.isTrue();
		assertThat(filter(List.of("com.example.shop.Orders.Refunds.RefundIssuedEvent"), List.of())
			.accepts(Orders.Refunds.RefundIssuedEvent.class)).isTrue();
		assertThat(filter(List.of(), List.of("com.example.shop.Orders.Refunds.RefundIssuedEvent"))
			.accepts(Orders.Refunds.RefundIssuedEvent.class)).isFalse();
	}

	@Test
	void ignoresBlankEntriesAndTheSpaceAroundEntries() {
		EventFilter blankInclude = filter(List.of("", "  "), List.of(" "));
		assertThat(blankInclude.accepts(OrderPlaced.class)).as("as without include").isTrue();
		assertThat(blankInclude.accepts(ContextRefreshedEvent.class)).isFalse();
		EventFilter spaced = filter(List.of(" com.example.shop "), List.of("\tcom.example.shop.UserSignedUpEvent "));
		assertThat(spaced.accepts(OrderPlaced.class)).isTrue();
		assertThat(spaced.accepts(UserSignedUpEvent.class)).isFalse();
	}

	@Test
	void keepsToItsFirstDecisionForEachType() {
		List<String> include = new ArrayList<>(List.of("com.example.shop"));
		EventFilter filter = new EventFilter(include, List.of());
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(Event.class)).isFalse();
		include.clear();
		include.add("com.example.audit");
		assertThat(filter.accepts(OrderPlaced.class)).isTrue();
		assertThat(filter.accepts(Event.class)).isFalse();
	}

	private static EventFilter filter(List<String> include, List<String> exclude) {
		return new EventFilter(include, exclude);
	}

	interface Auditable {

	}

	interface SecurityEvent extends Auditable {

	}

	record AccountLocked(String user) implements Auditable {

	}

	static class AccountEvent implements SecurityEvent {

	}

	static final class PasswordChanged extends AccountEvent {

	}

}
