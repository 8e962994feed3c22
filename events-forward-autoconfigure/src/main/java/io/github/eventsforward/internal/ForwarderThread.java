package io.github.eventsforward.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The forwarder's thread, {@code datasette-events-forward-N}: a daemon, on which blocking
 * calls fail as on Reactor's own.
 */
final class ForwarderThread extends Thread implements NonBlocking {

	private static final String NAME = "datasette-events-forward";

	private static final Duration END_TIMEOUT = Duration.ofSeconds(1);

	private static final AtomicLong THREADS = new AtomicLong();

	private ForwarderThread(Runnable task) {
		super(task, NAME + "-" + THREADS.incrementAndGet());
		setDaemon(true);
	}

	/**
	 * A scheduler on a forwarder thread of its own, which ends when it is disposed.
	 */
	static final class Own {

		private final Scheduler scheduler;

		private volatile @Nullable Thread thread;

		Own() {
			this.scheduler = Schedulers.newSingle((task) -> {
				Thread thread = new ForwarderThread(task);
				this.thread = thread;
				return thread;
			});
		}

		Scheduler scheduler() {
			return this.scheduler;
		}

		/**
		 * Dispose of the scheduler, and wait until its thread has ended: dispose only
		 * interrupts it, and no thread of the forwarder may outlive the context (servlet
		 * containers report those as leaks).
		 */
		void dispose() {
			this.scheduler.dispose();
			Thread thread = this.thread;
			if (thread == null || thread == Thread.currentThread()) {
				return;
			}
			try {
				thread.join(END_TIMEOUT.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
