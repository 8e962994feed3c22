package io.github.eventsforward.sample.receiver;

/**
 * A write API request the receiver refuses, with the status and message Datasette gives.
 */
class WriteApiException extends RuntimeException {

	private final int status;

	WriteApiException(int status, String message) {
		super(message);
		this.status = status;
	}

	int status() {
		return this.status;
	}

	static WriteApiException badRequest(String message) {
		return new WriteApiException(400, message);
	}

}
