package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.github.eventsforward.BatchSender;
import io.github.eventsforward.EventRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Delivers one batch until every row in it has an outcome, whatever the server does:
 * <ul>
 * <li>transient failures (connection errors, timeouts, 408, 429, 5xx) are retried with
 * exponential backoff and jitter, or after the server's {@code Retry-After}, until the batch
 * has kept failing for {@code give-up-after}; then its rows are dead-lettered;</li>
 * <li>401, 403, 404 and answers that show a misfit table pause sending: the batch is retried
 * with backoff until the server accepts it, and nothing is given up;</li>
 * <li>400 splits the batch in halves until the rejected rows are isolated and
 * dead-lettered, the others delivered; 413 and batches over {@code max-request-size} split
 * until they fit.</li>
 * </ul>
 * Every attempt waits for the rate gate. Several batches may be delivered at once, each
 * retried on its own. A {@code Retry-After} and a pause hold the gate closed for their wait,
 * so that they hold back the other batches in flight as well. While a batch waits out a
 * backoff, and while one is paused, {@link #holdsBackNewBatches()} says no other batch should
 * be started: batches already on their way go on. What becomes of the rows comes back as
 * {@link Outcome}s, one for each part of a split batch, as soon as that part has one.
 */
final class Delivery {

	private static final Log logger = LogFactory.getLog(Delivery.class);

	private final ForwarderSettings settings;

	private final RequestBodyWriter bodyWriter;

	private final BatchSender sender;

	private final RateGate gate;

	private final Scheduler scheduler;

	private final ForwarderStatus status;

	private final ForwarderObserver observer;

	// How many requests wait for their answers. Requests go out, and their answers are
	// read, on the forwarder's thread.
	private int awaitingAnswers;

	// Batches waiting out a backoff, and batches paused (from the answer that paused them
	// to their next other answer): while there are any, no new batch is started.
	private int backingOff;

	private int paused;

	private Runnable holdEnded = () -> {
	};

	// Set by finish: no request goes out from then on, and this runs, once, when none
	// waits for its answer.
	private volatile @Nullable Runnable finishing;

	Delivery(ForwarderSettings settings, RequestBodyWriter bodyWriter, BatchSender sender, RateGate gate,
			Scheduler scheduler, ForwarderStatus status, ForwarderObserver observer) {
		this.settings = settings;
		this.bodyWriter = bodyWriter;
		this.sender = sender;
		this.gate = gate;
		this.scheduler = scheduler;
		this.status = status;
		this.observer = observer;
	}

	/**
	 * Deliver a batch.
	 * @param rows the rows, in publish order
	 * @return the outcomes, on the forwarder's thread, which cover every row once the flux
	 * completes; never fails
	 */
	Flux<Outcome> deliver(List<EncodedRow> rows) {
		return Flux.defer(() -> {
			byte[] body = this.bodyWriter.write(rows);
			if (body.length <= this.settings.maxRequestSize()) {
				return send(rows, body);
			}
			if (rows.size() > 1) {
				return split(rows);
			}
			return Flux.just(Outcome.deadLettered(rows, ForwarderObserver.DeadLetterCause.TOO_LARGE, "its row is "
					+ body.length + " bytes of JSON, more than datasette.events-forward.max-request-size ("
					+ this.settings.maxRequestSize() + " bytes)", 0));
		});
	}

	private Flux<Outcome> split(List<EncodedRow> rows) {
		int half = rows.size() / 2;
		List<EncodedRow> first = List.copyOf(rows.subList(0, half));
		List<EncodedRow> second = List.copyOf(rows.subList(half, rows.size()));
		return deliver(first).concatWith(deliver(second));
	}

	private Flux<Outcome> send(List<EncodedRow> encoded, byte[] body) {
		List<EventRow> rows = Outcome.eventRows(encoded);
		Attempts attempts = new Attempts();
		return this.gate.permit()
			.then(Mono.defer(() -> request(rows, body)))
			// Back from the HTTP client's thread: outcomes, dead-letter handlers and retries run
			// on the forwarder's thread, never on an event loop.
			.publishOn(this.scheduler)
			.retryWhen(Retry.from((signals) -> signals.concatMap((signal) -> retryOrStop(signal.failure(), attempts))))
			.then(Mono.fromCallable(() -> {
				this.awaitingAnswers--;
				attempts.unpause();
				this.status.delivered();
				return Outcome.delivered(encoded);
			}))
			.flux()
			.onErrorResume(Stop.class, (stop) -> settle(encoded, stop.failure));
	}

	/**
	 * Make no more requests, and run a task once no request waits for its answer: at once
	 * when none does (between batches, in a backoff, or waiting for the rate limit), or
	 * when the last answer to those in flight arrives: at once if it is a failure, and
	 * through {@link #finishIfIdle()} once the caller has settled a delivered batch, so
	 * that its outcome is reported first. The task runs once. Called on the forwarder's
	 * thread.
	 * @param task the task
	 */
	void finish(Runnable task) {
		this.finishing = task;
		finishIfIdle();
	}

	/**
	 * Return whether a new batch should wait: a batch waits out a backoff, or is paused.
	 * Called on the forwarder's thread.
	 * @return whether new batches wait
	 */
	boolean holdsBackNewBatches() {
		return this.backingOff > 0 || this.paused > 0;
	}

	/**
	 * Set what runs, on the forwarder's thread, once {@link #holdsBackNewBatches()} no longer
	 * holds.
	 * @param task the task
	 */
	void onHoldEnded(Runnable task) {
		this.holdEnded = task;
	}

	private void holdMayHaveEnded() {
		if (!holdsBackNewBatches()) {
			this.holdEnded.run();
		}
	}

	/**
	 * Once {@link #finish(Runnable) finishing}, run its task if no request waits for its
	 * answer any more, and it has not run yet. Called on the forwarder's thread.
	 */
	void finishIfIdle() {
		if (this.awaitingAnswers == 0) {
			finished();
		}
	}

	private void finished() {
		Runnable task = this.finishing;
		if (task != null) {
			this.finishing = () -> {
			};
			task.run();
		}
	}

	private Mono<Void> request(List<EventRow> rows, byte[] body) {
		if (this.finishing != null) {
			// Stopping: what the request would carry is kept by the buffer.
			finished();
			return Mono.never();
		}
		this.awaitingAnswers++;
		long start = System.nanoTime();
		return this.sender.send(rows, body)
			.timeout(this.settings.requestTimeout(), this.scheduler)

			.doOnSuccess((done) -> this.observer.requestCompleted(System.nanoTime() - start, rows.size(), null))
			.doOnError((ex) -> this.observer.requestCompleted(System.nanoTime() - start, rows.size(), ex));
	}

	private Mono<Long> retryOrStop(Throwable ex, Attempts attempts) {
		this.awaitingAnswers--;
		finishIfIdle();
		Failure failure = Failure.of(ex, this.settings);
		switch (failure.kind()) {
			case REJECTED, TOO_LARGE -> {
				attempts.unpause();
				return Mono.error(new Stop(failure));
			}
			case PAUSE -> {
				this.status.failed(failure);
				// Nothing is given up while paused: transient failures after the pause get a
				// give-up-after of their own.
				attempts.firstFailure = null;
				attempts.pause();
				this.observer.retrying(true);
				Duration pause = attempts.nextPause();
				this.gate.holdFor(pause);
				return Mono.delay(pause, this.scheduler);
			}
			default -> {
				attempts.unpause();
				this.status.failed(failure);
				long now = this.scheduler.now(TimeUnit.NANOSECONDS);
				if (attempts.firstFailure == null) {
					attempts.firstFailure = now;
				}
				long giveUpAt = attempts.firstFailure + this.settings.retry().giveUpAfter().toNanos();
				if (now >= giveUpAt) {
					return Mono.error(new Stop(new Failure(failure.kind(), "still failing after"
							+ " datasette.events-forward.retry.give-up-after (" + this.settings.retry().giveUpAfter()
							+ "): " + failure.reason(), failure.status(), null)));
				}
				Duration wait = (failure.retryAfter() != null) ? min(failure.retryAfter(), this.settings.retry().maxBackoff())
						: attempts.nextBackoff();
				// The last attempt is made when the batch has failed for give-up-after, not later.
				wait = min(wait, Duration.ofNanos(giveUpAt - now));
				if (failure.retryAfter() != null) {
					// The server asks every request to wait, not this batch's alone.
					this.gate.holdFor(wait);
				}
				if (logger.isDebugEnabled()) {
					logger.debug("Retrying a batch of events in " + wait + " after: " + failure.reason());
				}
				this.observer.retrying(false);
				this.backingOff++;
				return Mono.delay(wait, this.scheduler).doOnNext((done) -> {
					this.backingOff--;
					holdMayHaveEnded();
				});
			}
		}
	}

	private Flux<Outcome> settle(List<EncodedRow> rows, Failure failure) {
		if (failure.kind() != Failure.Kind.TRANSIENT && rows.size() > 1) {
			if (logger.isDebugEnabled()) {
				logger.debug("Splitting a batch of " + rows.size() + " events to find what the server refused: "
						+ failure.reason());
			}
			return split(rows);
		}
		ForwarderObserver.DeadLetterCause cause = switch (failure.kind()) {
			case REJECTED -> ForwarderObserver.DeadLetterCause.REJECTED;
			case TOO_LARGE -> ForwarderObserver.DeadLetterCause.TOO_LARGE;
			default -> ForwarderObserver.DeadLetterCause.GAVE_UP;
		};
		return Flux.just(Outcome.deadLettered(rows, cause, failure.reason(), failure.status()));
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	/**
	 * The retries of one request: how many, and since when it fails.
	 */
	private final class Attempts {

		private int backoffs;

		private int pauses;

		private @Nullable Long firstFailure;

		private boolean paused;

		void pause() {
			if (!this.paused) {
				this.paused = true;
				Delivery.this.paused++;
			}
		}

		void unpause() {
			if (this.paused) {
				this.paused = false;
				Delivery.this.paused--;
				holdMayHaveEnded();
			}
		}

		Duration nextBackoff() {
			return jittered(exponential(this.backoffs++));
		}

		Duration nextPause() {
			return exponential(this.pauses++);
		}

		private Duration exponential(int step) {
			Duration max = Delivery.this.settings.retry().maxBackoff();
			Duration initial = Delivery.this.settings.retry().initialBackoff();
			if (step >= 62 || initial.toNanos() > (max.toNanos() >> Math.min(step, 62))) {
				return max;
			}
			return min(initial.multipliedBy(1L << step), max);
		}

		private Duration jittered(Duration backoff) {
			// Up to half of the backoff either way, so that many clients do not retry in step.
			double factor = 0.5 + ThreadLocalRandom.current().nextDouble();
			return min(Duration.ofNanos((long) (backoff.toNanos() * factor)), Delivery.this.settings.retry().maxBackoff());
		}

	}

	/**
	 * Ends the retries of a request, carrying the failure that ended them.
	 */
	private static final class Stop extends RuntimeException {

		private final Failure failure;

		Stop(Failure failure) {
			super(failure.reason(), null, false, false);
			this.failure = failure;
		}

	}

}
