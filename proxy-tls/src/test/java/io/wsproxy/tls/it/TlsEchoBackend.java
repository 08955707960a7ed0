package io.wsproxy.tls.it;

import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.WebSocketServer;

/**
 * An echo backend on Java-WebSocket (independent of the proxy) that serves wss:// with a given {@link SSLContext},
 * or ws:// without one, so that one test can run the same steps over every combination of hops. Like
 * {@link EchoBackend} (which is ws:// only) it echoes and records every message, handshake and close; over TLS it
 * also records what each client's TLS session settled: the SNI name it sent and the protocol.
 *
 * <p>Listens on 127.0.0.1 and an ephemeral port; {@link #uri()} names it {@code localhost} for wss://, the name its
 * test certificates are issued for.
 */
public final class TlsEchoBackend implements AutoCloseable {
    /** Stands for "the client sent no SNI" in {@link #serverNames}, where a queue cannot hold null. */
    public static final String NO_SERVER_NAME = "(none)";

    public final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    public final BlockingQueue<EchoBackend.Handshake> handshakes = new LinkedBlockingQueue<>();
    public final BlockingQueue<CloseEvent> closes = new LinkedBlockingQueue<>();
    /** Per opened wss:// connection: the SNI host name its client sent, or {@link #NO_SERVER_NAME}. */
    public final BlockingQueue<String> serverNames = new LinkedBlockingQueue<>();
    /** Per opened wss:// connection: the TLS protocol of its session. */
    public final BlockingQueue<String> protocols = new LinkedBlockingQueue<>();

    private final Server server;
    private final boolean secure;
    private final AtomicInteger opened = new AtomicInteger();
    private final List<WebSocket> connections = new CopyOnWriteArrayList<>();

    private TlsEchoBackend(SSLContext context) {
        this.secure = context != null;
        this.server = new Server(new InetSocketAddress("127.0.0.1", 0));
        if (context != null) {
            server.setWebSocketFactory(new DefaultSSLWebSocketServerFactory(context));
        }
    }

    /** A wss:// backend serving the key material of {@code context}; returns once it is listening. */
    public static TlsEchoBackend start(SSLContext context) throws InterruptedException {
        return begin(new TlsEchoBackend(context));
    }

    /** A ws:// backend. */
    public static TlsEchoBackend startPlain() throws InterruptedException {
        return begin(new TlsEchoBackend(null));
    }

    private static TlsEchoBackend begin(TlsEchoBackend backend) throws InterruptedException {
        backend.server.setReuseAddr(true);
        backend.server.setConnectionLostTimeout(0);
        backend.server.setTcpNoDelay(true);
        backend.server.start();
        if (!backend.server.started.await(10, TimeUnit.SECONDS) || backend.server.startError.get() != null) {
            backend.close();
            throw new IllegalStateException("The backend did not start", backend.server.startError.get());
        }
        return backend;
    }

    public int port() {
        return server.getPort();
    }

    /** {@code wss://localhost:PORT} or {@code ws://127.0.0.1:PORT}. */
    public String uri() {
        return secure ? "wss://localhost:" + port() : "ws://127.0.0.1:" + port();
    }

    /** Connections whose WebSocket handshake completed so far. */
    public int openedCount() {
        return opened.get();
    }

    /** Starts the close handshake on every open connection. */
    public void closeAll(int code, String reason) {
        for (WebSocket connection : connections) {
            connection.close(code, reason);
        }
    }

    public Object nextMessage(Duration deadline) throws InterruptedException {
        return next(messages, "message", deadline);
    }

    public EchoBackend.Handshake nextHandshake(Duration deadline) throws InterruptedException {
        return next(handshakes, "handshake", deadline);
    }

    public CloseEvent nextClose(Duration deadline) throws InterruptedException {
        return next(closes, "close", deadline);
    }

    public String nextServerName(Duration deadline) throws InterruptedException {
        return next(serverNames, "TLS session", deadline);
    }

    private <T> T next(BlockingQueue<T> queue, String what, Duration deadline) throws InterruptedException {
        T item = queue.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        if (item == null) {
            throw new AssertionError(this + " saw no " + what + " within " + deadline.toMillis() + " ms");
        }
        return item;
    }

    /** Stops the server (Close 1001 to whatever is still open); restores the interrupt flag if interrupted. */
    @Override
    public void close() {
        try {
            server.stop(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TlsEchoBackend@" + uri();
    }

    private static String requestedServerName(SSLSession session) {
        if (session instanceof ExtendedSSLSession) {
            for (SNIServerName name : ((ExtendedSSLSession) session).getRequestedServerNames()) {
                if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                    return ((SNIHostName) name).getAsciiName();
                }
            }
        }
        return NO_SERVER_NAME;
    }

    private final class Server extends WebSocketServer {
        final CountDownLatch started = new CountDownLatch(1);
        final AtomicReference<Exception> startError = new AtomicReference<>();

        Server(InetSocketAddress address) {
            super(address);
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
            if (connection.hasSSLSupport()) {
                SSLSession session = connection.getSSLSession();
                serverNames.add(requestedServerName(session));
                protocols.add(session.getProtocol());
            }
            connections.add(connection);
            opened.incrementAndGet();
            handshakes.add(new EchoBackend.Handshake(request.getResourceDescriptor(),
                    Collections.unmodifiableMap(headers), "", false));
        }

        @Override
        public void onClose(WebSocket connection, int code, String reason, boolean remote) {
            connections.remove(connection);
            closes.add(new CloseEvent(code, reason, remote));
        }

        @Override
        public void onMessage(WebSocket connection, String message) {
            messages.add(message);
            connection.send(message);
        }

        @Override
        public void onMessage(WebSocket connection, ByteBuffer message) {
            byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            messages.add(bytes);
            connection.send(bytes);
        }

        @Override
        public void onError(WebSocket connection, Exception error) {
            if (connection == null) {
                startError.set(error);
                started.countDown();
            }
        }
    }
}
