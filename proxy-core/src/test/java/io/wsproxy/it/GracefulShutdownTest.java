package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ProxyServer#close(Duration)} with many busy connections: every client gets the shutdown Close with a
 * reason, no relayed message is lost or reordered before it, and close returns before its deadline.
 *
 * <p>The clients are plain non-blocking sockets on one selector thread of the test (not a Java-WebSocket client
 * with two threads each), so a thousand of them stay cheap: about 4,000 descriptors in all with the proxy's two
 * sockets and the backend's one per connection.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = SECONDS)
class GracefulShutdownTest {
    /** Messages each client keeps in flight (sent and not yet echoed). */
    private static final int WINDOW = 3;
    /** Echoes every client must have received before the shutdown starts. */
    private static final int WARM_UP_ECHOES = 3;

    private EchoBackend backend;
    private ProxyServer proxy;
    private Clients clients;

    @AfterEach
    void stop() throws Exception {
        if (clients != null) {
            clients.close();
        }
        Proxies.closeQuietly(proxy);
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void thousandBusyConnectionsGet1001WithoutLosingAnEchoedMessage() throws Exception {
        shutdownWhileBusy(1_000, 1001, false, true);
    }

    @Test
    void shutdownCloseCode1012ReachesTheClientsAndTheUpstreamGets1001() throws Exception {
        // Delivery of in-flight echoes is the other test's subject; this one is about the codes.
        shutdownWhileBusy(50, 1012, true, false);
    }

    /**
     * Opens {@code count} clients through the proxy, keeps {@link #WINDOW} sequence-numbered messages in flight on
     * each, and shuts the proxy down with a 10 s deadline once every client has had a few echoes. Checks the close
     * codes ({@code clientCode} at the clients, 1001 at the backend), that every client's echoes are a gap-free
     * prefix of what it sent, and with {@code everyEchoDelivered} that no echo the backend sent before its Close
     * reply was dropped.
     */
    private void shutdownWhileBusy(int count, int clientCode, boolean setCode, boolean everyEchoDelivered)
            throws Exception {
        backend = EchoBackend.start();
        ProxyServer.Builder builder = Proxies.to(backend.uri()).heartbeat(HeartbeatPolicy.disabled());
        if (setCode) {
            builder.shutdownCloseCode(clientCode);
        }
        proxy = builder.build().start();
        clients = new Clients(proxy.address(), count);
        Await.until(() -> "every client's handshake; " + clients.opened.get() + " of " + count, Duration.ofSeconds(30),
                () -> clients.opened.get() == count || clients.failure.get() != null);
        assertEquals(null, clients.failure.get());
        Await.until(() -> "the backend has every connection; " + backend.openCount(), Duration.ofSeconds(10),
                () -> backend.openCount() == count);

        clients.execute(clients::startSending);
        Await.until(() -> "every client got " + WARM_UP_ECHOES + " echoes; " + clients.warm.get() + " of " + count,
                Duration.ofSeconds(20), () -> clients.warm.get() == count || clients.failure.get() != null);
        assertEquals(null, clients.failure.get());

        // Messages are in flight on every connection now (each echo triggers the next message).
        Duration deadline = Duration.ofSeconds(10);
        long start = System.nanoTime();
        proxy.close(deadline);
        long closeMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("close(%d s) with %d busy connections returned after %d ms%n", deadline.toSeconds(), count,
                closeMillis);
        assertTrue(closeMillis < deadline.toMillis(), () -> "close took " + closeMillis + " ms, beyond its deadline");
        assertEquals(0, proxy.openConnections(), "open connections after close");

        Await.until(() -> "every client's connection ended; " + clients.ended.get() + " of " + count,
                Duration.ofSeconds(10), () -> clients.ended.get() == count);
        List<Conn> conns = clients.stopAndGet();
        assertEquals(null, clients.failure.get());

        // What the backend echoed, per client: every message it recorded it echoed before its Close reply.
        Map<Integer, Integer> echoedByBackend = new HashMap<>();
        for (Object message : backend.recordedMessages()) {
            String[] parts = ((String) message).split(" ");
            echoedByBackend.merge(Integer.parseInt(parts[0].substring(1)), Integer.parseInt(parts[1]) + 1, Math::max);
        }

        List<String> problems = new ArrayList<>();
        List<String> lostEchoes = new ArrayList<>();
        int totalReceived = 0;
        for (Conn conn : conns) {
            problems.addAll(conn.problems);
            totalReceived += conn.received;
            if (conn.closeCode != clientCode) {
                problems.add("client " + conn.id + ": Close " + conn.closeCode + " '" + conn.closeReason + "'");
            } else if (conn.closeReason == null || conn.closeReason.isEmpty()) {
                problems.add("client " + conn.id + ": Close without a reason");
            }
            int echoed = echoedByBackend.getOrDefault(conn.id, 0);
            if (conn.received < WARM_UP_ECHOES) {
                problems.add("client " + conn.id + ": only " + conn.received + " echoes");
            }
            if (conn.received > echoed) {
                problems.add("client " + conn.id + ": " + conn.received + " echoes, but the backend echoed " + echoed);
            } else if (conn.received < echoed) {
                lostEchoes.add("client " + conn.id + ": backend echoed 0.." + (echoed - 1) + ", client got 0.."
                        + (conn.received - 1));
            }
        }
        System.out.printf("%d echoes relayed; %d clients lost echoes the backend had sent%n", totalReceived,
                lostEchoes.size());
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, e.g. "
                + problems.stream().limit(10).collect(Collectors.joining("; ")));

        // Every upstream connection got 1001 from the proxy (DESIGN.md §4, graceful shutdown row).
        Await.until(() -> "the backend saw every close; " + backend.closes.size(), Duration.ofSeconds(10),
                () -> backend.closes.size() == count);
        Map<Integer, Long> backendCodes = backend.closes.stream()
                .collect(Collectors.groupingBy(CloseEvent::code, Collectors.counting()));
        assertEquals(Map.of(1001, (long) count), backendCodes, () -> "close codes at the backend, e.g. "
                + backend.closes.peek());
        assertTrue(backend.closes.stream().allMatch(close -> close.remote() && !close.reason().isEmpty()),
                () -> "the proxy closes the upstreams, with a reason: " + backend.closes.peek());

        // The messages the backend had echoed before its Close reached the client, all of them.
        assertTrue(!everyEchoDelivered || lostEchoes.isEmpty(), () -> lostEchoes.size() + " of " + count + " clients did not get every "
                + "message the backend echoed before its Close, e.g. "
                + lostEchoes.stream().limit(5).collect(Collectors.joining("; ")));
    }

    /** One client connection, touched only by the selector thread (read by the test after it stopped). */
    private static final class Conn {
        final int id;
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        final List<String> problems = new ArrayList<>();
        int sent;
        /** Echoes received in order; the next expected sequence number. */
        int received;
        int closeCode = -1;
        String closeReason;
        boolean ended;

        Conn(int id, SocketChannel channel) {
            this.id = id;
            this.channel = channel;
        }
    }

    /**
     * {@code count} raw WebSocket clients on one selector thread: each completes its handshake (blocking, in
     * sequence), then, once told, keeps {@link #WINDOW} messages "c<id> <seq>" in flight, checks the echoes come
     * back in order, answers a Close with a Close, and closes its socket at the proxy's end of stream.
     */
    private static final class Clients implements AutoCloseable {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger warm = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicReference<String> failure = new AtomicReference<>();
        private final List<Conn> conns = new ArrayList<>();
        private final Selector selector;
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile boolean running = true;
        private boolean sending;

        Clients(InetSocketAddress proxy, int count) throws IOException {
            selector = Selector.open();
            thread = new Thread(() -> run(proxy, count), "shutdown-test-clients");
            thread.setDaemon(true);
            thread.start();
        }

        void execute(Runnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        private void run(InetSocketAddress proxy, int count) {
            try {
                for (int i = 0; i < count; i++) {
                    conns.add(handshake(i, proxy));
                    opened.incrementAndGet();
                }
                while (running) {
                    selector.select(100);
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        read((Conn) key.attachment(), key);
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, "client thread failed: " + e);
            }
        }

        private Conn handshake(int id, InetSocketAddress proxy) throws IOException {
            SocketChannel channel = SocketChannel.open(proxy);
            channel.socket().setTcpNoDelay(true);
            String key = HttpHead.newKey();
            writeFully(channel, ("GET /c" + id + " HTTP/1.1\r\nHost: " + proxy.getHostString() + ":" + proxy.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            Conn conn = new Conn(id, channel);
            // Read the response head byte by byte, so no frame byte after it is consumed here.
            StringBuilder head = new StringBuilder();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!head.toString().endsWith("\r\n\r\n")) {
                one.clear();
                if (channel.read(one) < 0) {
                    throw new IOException("client " + id + ": the proxy closed during the handshake: " + head);
                }
                head.append((char) one.get(0));
            }
            if (!head.toString().startsWith("HTTP/1.1 101")) {
                throw new IOException("client " + id + ": no 101: " + head);
            }
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, conn);
            return conn;
        }

        private void startSending() {
            sending = true;
            for (Conn conn : conns) {
                for (int i = 0; i < WINDOW; i++) {
                    sendNext(conn);
                }
            }
        }

        private void sendNext(Conn conn) {
            if (!sending || conn.closeCode >= 0 || conn.ended) {
                return;
            }
            try {
                writeFully(conn.channel, Frame.text("c" + conn.id + " " + conn.sent++, true));
            } catch (IOException e) {
                // The proxy may already have closed this connection; its Close is still to be read.
            }
        }

        private void read(Conn conn, SelectionKey key) {
            int n;
            try {
                n = conn.channel.read(conn.in);
            } catch (IOException e) {
                conn.problems.add("client " + conn.id + ": read failed (reset?): " + e);
                n = -1;
            }
            if (n < 0) {
                end(conn, key);
                return;
            }
            conn.in.flip();
            while (true) {
                int start = conn.in.position();
                Frame frame = parse(conn.in);
                if (frame == null) {
                    conn.in.position(start);
                    break;
                }
                handle(conn, frame);
            }
            conn.in.compact();
        }

        private void handle(Conn conn, Frame frame) {
            if (frame.masked()) {
                conn.problems.add("client " + conn.id + ": masked frame from the proxy " + frame);
            }
            if (conn.closeCode >= 0) {
                conn.problems.add("client " + conn.id + ": frame after the Close: " + frame);
                return;
            }
            switch (frame.opcode()) {
                case Frame.TEXT -> {
                    String expected = "c" + conn.id + " " + conn.received;
                    if (!expected.equals(frame.text())) {
                        conn.problems.add("client " + conn.id + ": expected '" + expected + "', got '" + frame.text()
                                + "'");
                    }
                    conn.received++;
                    if (conn.received == WARM_UP_ECHOES) {
                        warm.incrementAndGet();
                    }
                    sendNext(conn);
                }
                case Frame.CLOSE -> {
                    conn.closeCode = frame.closeCode();
                    conn.closeReason = frame.closeReason();
                    try {
                        writeFully(conn.channel, Frame.close(conn.closeCode, "", true));
                    } catch (IOException e) {
                        conn.problems.add("client " + conn.id + ": could not answer the Close: " + e);
                    }
                }
                default -> conn.problems.add("client " + conn.id + ": unexpected frame " + frame);
            }
        }

        private void end(Conn conn, SelectionKey key) {
            key.cancel();
            try {
                conn.channel.close();
            } catch (IOException e) {
                // closing
            }
            if (!conn.ended) {
                conn.ended = true;
                ended.incrementAndGet();
            }
        }

        /** One unmasked or masked frame from {@code buf} (read mode), or null if it is not complete yet. */
        private static Frame parse(ByteBuffer buf) {
            if (buf.remaining() < 2) {
                return null;
            }
            int b0 = buf.get() & 0xff;
            int b1 = buf.get() & 0xff;
            long length = b1 & 0x7f;
            if (length == 126) {
                if (buf.remaining() < 2) {
                    return null;
                }
                length = buf.getShort() & 0xffff;
            } else if (length == 127) {
                if (buf.remaining() < 8) {
                    return null;
                }
                length = buf.getLong();
            }
            boolean masked = (b1 & 0x80) != 0;
            if (buf.remaining() < (masked ? 4 : 0) + length) {
                return null;
            }
            byte[] key = new byte[4];
            if (masked) {
                buf.get(key);
            }
            byte[] payload = new byte[(int) length];
            buf.get(payload);
            if (masked) {
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= key[i & 3];
                }
            }
            return new Frame((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0xf, masked, payload);
        }

        private static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long end = System.nanoTime() + 5_000_000_000L;
            while (buffer.hasRemaining()) {
                channel.write(buffer);
                if (buffer.hasRemaining() && System.nanoTime() > end) {
                    fail("a client could not write " + bytes.length + " bytes within 5 s");
                }
            }
        }

        /** Stops the selector thread and returns the connections, now safe to read from the test thread. */
        List<Conn> stopAndGet() throws InterruptedException {
            running = false;
            selector.wakeup();
            thread.join(5_000);
            return conns;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            stopAndGet();
            for (Conn conn : conns) {
                conn.channel.close();
            }
            selector.close();
        }
    }
}
