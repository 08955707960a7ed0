package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ServerHandshake;

/**
 * A Java-WebSocket client that records what it receives, so tests wait for messages and the close with deadlines.
 * Text messages are recorded as {@code String}, binary ones as {@code byte[]}; pings received (answered with a pong
 * as usual) by their payload.
 */
final class RecordingClient extends WebSocketClient {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    /** The payloads of the pings received, in order. */
    final BlockingQueue<byte[]> pings = new LinkedBlockingQueue<>();
    /** Completed with the close code when the connection ends. */
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private RecordingClient(URI uri) {
        super(uri);
    }

    /** Connects and waits for the handshake to complete. */
    static RecordingClient connect(URI uri) throws InterruptedException {
        RecordingClient client = new RecordingClient(uri);
        assertTrue(client.connectBlocking(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "could not connect to " + uri);
        return client;
    }

    /** Connects over TLS to a wss:// {@code uri}, trusting what {@code tls} trusts, and waits for the upgrade. */
    static RecordingClient connect(URI uri, SSLContext tls) throws InterruptedException {
        RecordingClient client = new RecordingClient(uri);
        client.setSocketFactory(tls.getSocketFactory());
        assertTrue(client.connectBlocking(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                () -> "could not connect to " + uri + ": " + client.closed);
        return client;
    }

    /**
     * Whether a connection to {@code uri} (over {@code tls} when not null) completes its TLS handshake and upgrade
     * within {@link #TIMEOUT}; closed either way.
     */
    static boolean upgrades(URI uri, SSLContext tls) throws InterruptedException {
        RecordingClient client = new RecordingClient(uri);
        if (tls != null) {
            client.setSocketFactory(tls.getSocketFactory());
        }
        boolean open = client.connectBlocking(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (open) {
            client.closeBlocking();
        } else {
            client.close();
        }
        return open;
    }

    /** The next message received, waiting up to {@link #TIMEOUT}. */
    Object nextMessage() throws InterruptedException {
        Object message = messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(message, "no message within " + TIMEOUT);
        return message;
    }

    /** The payload of the next ping received, waiting up to {@link #TIMEOUT}. */
    byte[] nextPing() throws InterruptedException {
        byte[] payload = pings.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(payload, "no ping within " + TIMEOUT);
        return payload;
    }

    @Override
    public void onWebsocketPing(WebSocket connection, Framedata ping) {
        ByteBuffer data = ping.getPayloadData();
        byte[] payload = new byte[data.remaining()];
        data.duplicate().get(payload);
        super.onWebsocketPing(connection, ping);
        pings.add(payload);
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
    }

    @Override
    public void onMessage(String message) {
        messages.add(message);
    }

    @Override
    public void onMessage(ByteBuffer message) {
        byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        messages.add(bytes);
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
        closed.complete(code);
    }

    @Override
    public void onError(Exception error) {
        closed.completeExceptionally(error);
    }
}
