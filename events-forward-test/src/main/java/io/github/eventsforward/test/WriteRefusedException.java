package io.github.eventsforward.test;

/**
 * A write the server refuses, with the status and message of Datasette's error answer; thrown
 * by a {@link DatasetteWriteApi.Tables} store.
 */
public class WriteRefusedException extends RuntimeException {

	private final int status;

	/**
	 * A refusal.
	 * @param status the status code
	 * @param message the message, as Datasette words it
	 */
	public WriteRefusedException(int status, String message) {
		super(message);
		this.status = status;
	}

	/**
	 * A 400 refusal.
	 * @param message the message, as Datasette words it
	 * @return the exception
	 */
	public static WriteRefusedException badRequest(String message) {
		return new WriteRefusedException(400, message);
	}

	/**
	 * Return the status code.
	 * @return the status
	 */
	public int status() {
		return this.status;
	}

	@Override
	public String getMessage() {
		String message = super.getMessage();
		return (message != null) ? message : "";
	}

}
