package io.github.eventsforward.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * An application in a JVM of its own, on the tests' class path, for a test to kill: its
 * output is collected line by line as it comes.
 */
public final class ChildJvm {

	private final Process process;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private ChildJvm(Process process) {
		this.process = process;
		Thread reader = new Thread(this::read, "child-jvm-output");
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Start a main class with arguments, its output and errors as one stream.
	 * @param mainClass the class whose {@code main} runs
	 * @param arguments the arguments
	 * @return the running application
	 * @throws IOException when the JVM cannot be started
	 */
	public static ChildJvm start(Class<?> mainClass, List<String> arguments) throws IOException {
		List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
				"-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
				mainClass.getName()));
		command.addAll(arguments);
		return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
	}

	private void read() {
		try (BufferedReader lines = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				this.output.add(line);
			}
		}
		catch (IOException ex) {
			// The process is gone.
		}
	}

	/**
	 * Kill the application with SIGKILL, as {@code kill -9} does, and wait until it is gone.
	 * @throws InterruptedException when interrupted while waiting
	 */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
	}

	/**
	 * Return the largest number that a line of the output tells, such as a count it prints
	 * as it goes.
	 * @param number the number a line tells, or a negative one for a line that tells none
	 * @return the largest, or 0 when no line told one
	 */
	public long largest(ToLongFunction<String> number) {
		long largest = 0;
		for (String line : this.output) {
			largest = Math.max(largest, number.applyAsLong(line));
		}
		return largest;
	}

}
