package io.github.eventsforward.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ServerSocketFactory;

import mockwebserver3.MockWebServer;

/**
 * Makes MockWebServer send its answers at once, as Datasette (uvicorn on asyncio, which
 * sets {@code TCP_NODELAY}) does. Without it, Nagle's algorithm holds back the body of an
 * answer until the client acknowledges its headers, which a delayed ACK puts off by up to
 * 40 ms: a few hundred requests would take seconds longer.
 */
public final class NoDelayServerSocketFactory extends ServerSocketFactory {

	/**
	 * Return a new, not yet started, MockWebServer that answers at once.
	 * @return the server
	 */
	public static MockWebServer mockWebServer() {
		MockWebServer server = new MockWebServer();
		server.setServerSocketFactory(new NoDelayServerSocketFactory());
		return server;
	}

	@Override
	public ServerSocket createServerSocket() throws IOException {
		return new ServerSocket() {

			@Override
			public Socket accept() throws IOException {
				Socket socket = super.accept();
				socket.setTcpNoDelay(true);
				return socket;
			}

		};
	}

	@Override
	public ServerSocket createServerSocket(int port) {
		throw new UnsupportedOperationException();
	}

	@Override
	public ServerSocket createServerSocket(int port, int backlog) {
		throw new UnsupportedOperationException();
	}

	@Override
	public ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
		throw new UnsupportedOperationException();
	}

}
