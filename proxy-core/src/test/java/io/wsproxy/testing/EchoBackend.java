package io.wsproxy.testing;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.protocols.Protocol;
import org.java_websocket.server.WebSocketServer;

/**
 * A WebSocket server (Java-WebSocket, an independent implementation) on 127.0.0.1 and an ephemeral port that
 * echoes every message and records what it saw: messages, pings, pongs, each handshake's headers and negotiated
 * subprotocol/extension, and each close. It offers subprotocol {@code chat} and permessage-deflate to clients that
 * ask for them, can push messages and can close connections with a code.
 */
public final class EchoBackend implements AutoCloseable {
    /** What the backend saw of one upgrade request, and what was negotiated. */
    public record Handshake(String resource, Map<String, String> headers, String protocol, boolean deflate) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final Server server;
    private final String name;
    public final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    public final BlockingQueue<byte[]> pings = new LinkedBlockingQueue<>();
    /** Payloads of the pong frames received (solicited or not), in order. */
    public final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
    public final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
    public final BlockingQueue<CloseEvent> closes = new LinkedBlockingQueue<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<WebSocket> connections = new CopyOnWriteArrayList<>();
    private volatile boolean echo = true;
    private volatile boolean record = true;

    private EchoBackend(String name, InetSocketAddress bind) {
        this.name = name;
        Draft draft = new Draft_6455(List.of(new PerMessageDeflateExtension()),
                List.of(new Protocol("chat"), new Protocol("")));
        this.server = new Server(bind, List.of(draft));
    }

    /** Starts a backend and returns once it is listening. */
    public static EchoBackend start() throws InterruptedException {
        return start("echo");
    }

    public static EchoBackend start(String name) throws InterruptedException {
        return start(name, new InetSocketAddress("127.0.0.1", 0));
    }

    /** Starts a backend listening on {@code bind} (e.g. another loopback address, 127.0.0.2). */
    public static EchoBackend start(String name, InetSocketAddress bind) throws InterruptedException {
        EchoBackend backend = new EchoBackend(name, bind);
        backend.server.setReuseAddr(true);
        backend.server.setConnectionLostTimeout(0); // no pings of its own: tests count pings
        backend.server.setTcpNoDelay(true);
        backend.server.start();
        if (!backend.server.started.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Echo backend did not start: " + backend.server.startError.get());
        }
        if (backend.server.startError.get() != null) {
            throw new IllegalStateException("Echo backend did not start", backend.server.startError.get());
        }
        return backend;
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getPort();
    }

    public String uri() {
        return "ws://127.0.0.1:" + port();
    }

    /** Whether received messages are echoed back (default true). */
    public void echo(boolean enabled) {
        this.echo = enabled;
    }

    /** Whether received messages are kept in {@link #messages} (default true; off for bulk tests). */
    public void record(boolean enabled) {
        this.record = enabled;
    }

    /** Connections whose handshake completed so far. */
    public int openedCount() {
        return opened.get();
    }

    /** Connections open now. */
    public int openCount() {
        return open.get();
    }

    /** Sends a text message on every open connection. */
    public void push(String text) {
        for (WebSocket connection : connections) {
            connection.send(text);
            server.checkWritten(connection, 0);
        }
    }

    /** Starts the close handshake on every open connection. */
    public void closeAll(int code, String reason) {
        for (WebSocket connection : connections) {
            connection.close(code, reason);
        }
    }

    public Handshake nextHandshake(Duration deadline) throws InterruptedException {
        Handshake handshake = handshakes.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        if (handshake == null) {
            throw new AssertionError(name + " saw no handshake within " + deadline.toMillis() + " ms");
        }
        return handshake;
    }

    public CloseEvent nextClose(Duration deadline) throws InterruptedException {
        CloseEvent close = closes.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        if (close == null) {
            throw new AssertionError(name + " saw no close within " + deadline.toMillis() + " ms");
        }
        return close;
    }

    public Object nextMessage(Duration deadline) throws InterruptedException {
        Object message = messages.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError(name + " received no message within " + deadline.toMillis() + " ms");
        }
        return message;
    }

    /** Stops the server (Close 1001 to whatever is still open); restores the interrupt flag if interrupted. */
    @Override
    public void close() {
        try {
            server.stop(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.stopWriteChecks();
        }
    }

    @Override
    public String toString() {
        return name + "@" + uri();
    }

    /**
     * The Java-WebSocket server. Java-WebSocket 1.6.0 can lose a write demand: its selector thread, having written a
     * connection's queue empty, sets the key's interest back to read only, and a frame a worker thread queued in
     * between (an echo, or the pong to a ping) then waits for the connection's next write, which in a test may never
     * come. So every send is followed by a few checks that repeat the write demand while the connection still holds
     * queued bytes, as the examples' echo server does.
     */
    private final class Server extends WebSocketServer {
        /** Delays of the write checks after a send, milliseconds. */
        private static final long[] WRITE_CHECK_DELAYS = {10, 50, 200, 1000};

        final CountDownLatch started = new CountDownLatch(1);
        final AtomicReference<Exception> startError = new AtomicReference<>();
        private final ScheduledExecutorService writeChecks = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "echo-backend-write-check");
            thread.setDaemon(true);
            return thread;
        });

        Server(InetSocketAddress address, List<Draft> drafts) {
            super(address, drafts);
        }

        @Override
        public void onStart() {
            started.countDown();
        }

        @Override
        public void onOpen(WebSocket connection, ClientHandshake request) {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (Iterator<String> names = request.iterateHttpFields(); names.hasNext(); ) {
                String header = names.next();
                headers.put(header, request.getFieldValue(header));
            }
            Draft_6455 draft = (Draft_6455) connection.getDraft();
            String protocol = draft.getProtocol() == null ? "" : draft.getProtocol().getProvidedProtocol();
            boolean deflate = draft.getExtension() instanceof PerMessageDeflateExtension;
            connections.add(connection);
            opened.incrementAndGet();
            open.incrementAndGet();
            handshakes.add(new Handshake(request.getResourceDescriptor(), Collections.unmodifiableMap(headers),
                    protocol, deflate));
        }

        @Override
        public void onClose(WebSocket connection, int code, String reason, boolean remote) {
            if (connections.remove(connection)) {
                open.decrementAndGet();
            }
            closes.add(new CloseEvent(code, reason, remote));
        }

        @Override
        public void onMessage(WebSocket connection, String message) {
            if (record) {
                messages.add(message);
            }
            if (echo) {
                connection.send(message);
                checkWritten(connection, 0);
            }
        }

        @Override
        public void onMessage(WebSocket connection, ByteBuffer message) {
            byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            if (record) {
                messages.add(bytes);
            }
            if (echo) {
                connection.send(bytes);
                checkWritten(connection, 0);
            }
        }

        /** Repeats the write demand while {@code connection} still holds queued bytes (see the class comment). */
        void checkWritten(WebSocket connection, int attempt) {
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

        void stopWriteChecks() {
            writeChecks.shutdownNow();
        }

        @Override
        public void onWebsocketPing(WebSocket connection, Framedata frame) {
            ByteBuffer data = frame.getPayloadData();
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            pings.add(bytes);
            super.onWebsocketPing(connection, frame);
            checkWritten(connection, 0);
        }

        @Override
        public void onWebsocketPong(WebSocket connection, Framedata frame) {
            ByteBuffer data = frame.getPayloadData();
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            pongs.add(bytes);
        }

        @Override
        public void onError(WebSocket connection, Exception error) {
            if (connection == null) {
                startError.set(error);
                started.countDown();
            }
        }
    }

    /** Lists what is recorded, for failure messages. */
    public List<Object> recordedMessages() {
        return new ArrayList<>(messages);
    }
}
