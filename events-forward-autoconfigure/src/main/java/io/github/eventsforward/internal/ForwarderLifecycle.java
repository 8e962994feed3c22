package io.github.eventsforward.internal;

import org.springframework.context.SmartLifecycle;

/**
 * Starts the forwarder with the context and stops it late in the shutdown: after the web
 * server has drained its requests (whose handlers may still publish events), and before the
 * HTTP client's resources are released.
 */
public final class ForwarderLifecycle implements SmartLifecycle {

	/**
	 * The phase: below the web server's ({@code DEFAULT_PHASE - 2048}), so the forwarder
	 * stops after it.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private final ForwardingPipeline pipeline;

	/**
	 * Create the lifecycle of a pipeline.
	 * @param pipeline the pipeline
	 */
	public ForwarderLifecycle(ForwardingPipeline pipeline) {
		this.pipeline = pipeline;
	}

	@Override
	public void start() {
		this.pipeline.start();
	}

	@Override
	public void stop() {
		this.pipeline.stop();
	}

	@Override
	public boolean isRunning() {
		return this.pipeline.isRunning();
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
