package io.wsproxy.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket echo backend on Java-WebSocket, independent of wsproxy: sends every text and binary message back to
 * its sender, optionally after a greeting on connect (the demo uses it to show which backend a client reached).
 * The runner's {@code --demo} starts two; operators can run one by itself to try a proxy:
 * {@code java -cp wsproxy.jar io.wsproxy.examples.EchoServer 127.0.0.1:9001}.
 *
 * <p>Thread-safe: Java-WebSocket runs the server on its own threads; {@link #start} returns once it is listening.
 */
public final class EchoServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EchoServer.class);
    private static final long START_TIMEOUT_SECONDS = 10;

    private final Backend backend;

    private EchoServer(Backend backend) {
        this.backend = backend;
    }

    /**
     * Starts an echo server on {@code address} (port 0 for a free port) and waits until it listens.
     *
     * @param greeting text sent to each client when it connects, or null for a plain echo server
     * @throws IOException if the address cannot be bound (the message names it), or the server does not start
     */
    public static EchoServer start(InetSocketAddress address, String greeting) throws IOException {
        Backend backend = new Backend(address, greeting);
        backend.start();
        try {
            backend.started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            backend.stopQuietly();
            throw new IOException("Echo server cannot listen on " + Addresses.format(address) + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            backend.stopQuietly();
            throw new IOException("Echo server on " + Addresses.format(address) + " did not start within "
                    + START_TIMEOUT_SECONDS + "s");
        } catch (InterruptedException e) {
            backend.stopQuietly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting the echo server", e);
        }
        return new EchoServer(backend);
    }

    /** The bound address, with the actual port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(backend.getAddress().getAddress(), backend.getPort());
    }

    /** {@code ws://host:port} of this server. */
    public URI uri() {
        return URI.create("ws://" + Addresses.format(address()));
    }

    /** Closes every connection (Close 1001) and stops listening; waits up to a second. Idempotent. */
    @Override
    public void close() {
        backend.stopQuietly();
    }

    /** Runs an echo server on the address given as {@code HOST:PORT} (default 127.0.0.1:9001) until killed. */
    public static void main(String[] args) throws IOException {
        EchoServer server = start(Addresses.parse(args.length > 0 ? args[0] : "127.0.0.1:9001"), null);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "echo-server-shutdown"));
        System.out.println("echo server listening on " + server.uri());
    }

    /**
     * The Java-WebSocket server; its callbacks run on Java-WebSocket's threads.
     *
     * <p>Java-WebSocket 1.6.0 can lose a write demand: its selector thread, having written a connection's queue
     * empty, sets the key's interest back to read only, and a message a worker thread queued in between (a greeting
     * sent from {@code onOpen} right after the handshake answer, or an echo right after the previous one) then
     * waits for the connection's next write. So every send is followed by a few checks that repeat the write demand
     * while the connection still holds queued bytes.
     */
    private static final class Backend extends WebSocketServer {
        /** Delays of the write checks after a send, milliseconds. */
        private static final long[] WRITE_CHECK_DELAYS = {10, 50, 200, 1000};

        /** Completed when the server listens, or exceptionally when it cannot. */
        private final CompletableFuture<Void> started = new CompletableFuture<>();
        private final String greeting;
        private final ScheduledExecutorService writeChecks = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "echo-server-write-check");
            thread.setDaemon(true);
            return thread;
        });

        Backend(InetSocketAddress address, String greeting) {
            super(address);
            this.greeting = greeting;
            setReuseAddr(true);
        }

        @Override
        public void onStart() {
            started.complete(null);
        }

        @Override
        public void onOpen(WebSocket connection, ClientHandshake handshake) {
            log.debug("echo {}: client {} connected", getPort(), connection.getRemoteSocketAddress());
            if (greeting != null) {
                connection.send(greeting);
                checkWritten(connection, 0);
            }
        }

        @Override
        public void onMessage(WebSocket connection, String message) {
            connection.send(message);
            checkWritten(connection, 0);
        }

        @Override
        public void onMessage(WebSocket connection, ByteBuffer message) {
            connection.send(message);
            checkWritten(connection, 0);
        }

        /** Repeats the write demand while {@code connection} still holds queued bytes (see the class comment). */
        private void checkWritten(WebSocket connection, int attempt) {
            if (attempt >= WRITE_CHECK_DELAYS.length) {
                return;
            }
            try {
                writeChecks.schedule(() -> {
                    if (connection.isOpen() && connection.hasBufferedData()) {
                        onWriteDemand(connection);
                        checkWritten(connection, attempt + 1);
                    }
                }, WRITE_CHECK_DELAYS[attempt], TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // Stopping: nothing left to write for.
            }
        }

        @Override
        public void onClose(WebSocket connection, int code, String reason, boolean remote) {
            log.debug("echo {}: client {} closed with {} {}", getPort(), connection.getRemoteSocketAddress(), code,
                    reason);
        }

        @Override
        public void onError(WebSocket connection, Exception error) {
            if (connection == null) {
                started.completeExceptionally(error);
                log.debug("echo server error", error);
            } else {
                // Java-WebSocket reports here what a callback threw too (a send on a connection that is not open,
                // say): visible at WARN, without the stack trace unless debug is on.
                log.warn("echo {}: client {}: {}", getPort(), connection.getRemoteSocketAddress(), error.toString());
                log.debug("echo {}: client {} failed", getPort(), connection.getRemoteSocketAddress(), error);
            }
        }

        void stopQuietly() {
            try {
                stop(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                writeChecks.shutdownNow();
            }
        }
    }
}
