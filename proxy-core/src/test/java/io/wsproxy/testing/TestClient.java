package io.wsproxy.testing;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ServerHandshake;

/**
 * A Java-WebSocket client (an implementation independent of the proxy) whose callbacks feed blocking queues and
 * futures, so a test can wait for messages and the close with deadlines.
 */
public final class TestClient extends WebSocketClient {
    public final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    public final CompletableFuture<ServerHandshake> opened = new CompletableFuture<>();
    public final CompletableFuture<CloseEvent> closed = new CompletableFuture<>();
    public final List<Exception> errors = new CopyOnWriteArrayList<>();
    public final java.util.concurrent.atomic.AtomicInteger pongs = new java.util.concurrent.atomic.AtomicInteger();
    /** Payloads of the pongs received, in order (counted in {@link #pongs} too). */
    public final BlockingQueue<byte[]> pongPayloads = new LinkedBlockingQueue<>();
    /** Payloads of the pings received; Java-WebSocket answers each with a pong. */
    public final BlockingQueue<byte[]> pings = new LinkedBlockingQueue<>();

    public TestClient(URI uri, Draft draft, Map<String, String> headers) {
        super(uri, draft, headers, 5_000);
        setConnectionLostTimeout(0); // no pings of its own
        setTcpNoDelay(true);
    }

    /** Connects with a plain RFC 6455 draft and waits for the handshake; fails if it does not complete in 5 s. */
    public static TestClient open(URI uri) throws InterruptedException {
        return open(uri, new Draft_6455(), Map.of());
    }

    public static TestClient open(URI uri, Draft draft, Map<String, String> headers) throws InterruptedException {
        TestClient client = new TestClient(uri, draft, headers);
        assertTrue(client.connectBlocking(5, TimeUnit.SECONDS),
                () -> "Handshake through the proxy failed: " + client.closed.getNow(null) + " " + client.errors);
        return client;
    }

    public static URI uriOf(java.net.InetSocketAddress address) {
        return URI.create("ws://" + address.getHostString() + ":" + address.getPort() + "/");
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
        opened.complete(handshake);
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
        closed.complete(new CloseEvent(code, reason, remote));
    }

    @Override
    public void onWebsocketPong(org.java_websocket.WebSocket connection, org.java_websocket.framing.Framedata frame) {
        pongPayloads.add(payloadOf(frame));
        pongs.incrementAndGet();
    }

    @Override
    public void onWebsocketPing(org.java_websocket.WebSocket connection, org.java_websocket.framing.Framedata frame) {
        pings.add(payloadOf(frame));
        super.onWebsocketPing(connection, frame); // answers with the pong
    }

    private static byte[] payloadOf(org.java_websocket.framing.Framedata frame) {
        ByteBuffer data = frame.getPayloadData();
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return bytes;
    }

    /** Starts the close handshake and waits up to {@code deadline} for it, ignoring failures; for cleanup. */
    public void closeQuietly(Duration deadline) {
        try {
            close();
            closed.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            closeConnection(1006, "test cleanup");
        }
    }

    @Override
    public void onError(Exception error) {
        errors.add(error);
    }

    public Object nextMessage(Duration deadline) throws InterruptedException {
        Object message = messages.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError("No message within " + deadline.toMillis() + " ms; closed: "
                    + closed.getNow(null) + ", errors: " + errors);
        }
        return message;
    }

    public String nextText(Duration deadline) throws InterruptedException {
        return assertInstanceOf(String.class, nextMessage(deadline));
    }

    public byte[] nextBinary(Duration deadline) throws InterruptedException {
        return assertInstanceOf(byte[].class, nextMessage(deadline));
    }

    public CloseEvent awaitClose(Duration deadline) throws InterruptedException {
        try {
            return closed.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("The client was not closed within " + deadline.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }
}
