package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.HeartbeatStats;
import io.wsproxy.ProxyServer;
import io.wsproxy.RoundTripSummary;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import io.wsproxy.testing.TestClient;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.framing.PongFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The proxy's heartbeat ({@link HeartbeatPolicy}): pings on silent hops, pongs consumed, silent peers closed with
 * the codes of DESIGN.md §4, pings only at frame boundaries, and the endpoints' own pings and pongs untouched.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = SECONDS)
class HeartbeatTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** A heartbeat timer may fire up to one wheel tick early relative to the test's clock. */
    private static final long TICK_TOLERANCE_MILLIS = 30;
    /** Generous slack for a loaded 2-core machine on top of a timer's nominal time. */
    private static final long MARGIN_MILLIS = 3_000;

    private ProxyServer proxy;
    private EchoBackend backend;
    private RawUpstream upstream;
    private final List<TestClient> clients = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (TestClient client : clients) {
            client.closeQuietly(Duration.ofSeconds(2));
        }
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        Proxies.closeQuietly(proxy);
        if (backend != null) {
            backend.close();
        }
        for (Thread thread : threads) {
            thread.join(5_000);
        }
    }

    private static HeartbeatPolicy.Builder heartbeat(Duration interval, Duration timeout) {
        return HeartbeatPolicy.builder().interval(interval).timeout(timeout);
    }

    private void startWithBackend(HeartbeatPolicy policy) throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.to(backend.uri()).heartbeat(policy).build().start();
    }

    private TestClient openClient() throws InterruptedException {
        TestClient client = TestClient.open(Proxies.uri(proxy));
        clients.add(client);
        return client;
    }

    private RawClient openRawClient() throws IOException {
        RawClient client = RawClient.open(proxy.address());
        closeables.add(client);
        return client;
    }

    // ---- pings on idle connections -------------------------------------------------------------------------

    @Test
    void idleConnectionSurvivesAndTheProxysPongsAreConsumed() throws Exception {
        startWithBackend(heartbeat(INTERVAL, Duration.ofSeconds(2)).build());
        TestClient client = openClient();
        Await.until("the backend has the connection", WAIT, () -> backend.openCount() == 1);

        // Each hop is pinged after every interval of silence: five pings on each prove five intervals passed.
        Await.until(() -> "five pings at each end; client " + client.pings.size() + ", backend " + backend.pings.size()
                        + "; " + proxy.heartbeatStats() + " " + proxy.connections() + " client closed: "
                        + client.closed.getNow(null) + ", backend open: " + backend.openCount(),
                Duration.ofMillis(5 * INTERVAL.toMillis() + 2 * MARGIN_MILLIS),
                () -> client.pings.size() >= 5 && backend.pings.size() >= 5);

        assertTrue(client.isOpen(), () -> "the client was closed: " + client.closed.getNow(null));
        assertEquals(1, backend.openCount(), "the backend's connection stays open");
        assertEquals(0, client.pongs.get(), "the backend's answers to the proxy's pings must not reach the client");
        assertTrue(backend.pongs.isEmpty(), () -> "the client's answers to the proxy's pings must not reach the "
                + "backend; it got " + backend.pongs.size() + " pongs");
        for (byte[] ping : client.pings) {
            assertEquals(8, ping.length, "payload of the proxy's ping to the client");
        }
        for (byte[] ping : backend.pings) {
            assertEquals(8, ping.length, "payload of the proxy's ping to the backend");
        }
        assertTrue(client.messages.isEmpty() && backend.messages.isEmpty(), "no data was relayed");

        // Between two pings every ping has been answered; each ping seen by an end was counted as sent.
        AtomicReference<HeartbeatStats> last = new AtomicReference<>();
        Await.until(() -> "pings sent == pongs received == pings seen by the ends, last " + last.get() + " client "
                        + client.pings.size() + " backend " + backend.pings.size(), WAIT, () -> {
                    int seenBefore = client.pings.size() + backend.pings.size();
                    HeartbeatStats stats = proxy.heartbeatStats();
                    int seenAfter = client.pings.size() + backend.pings.size();
                    last.set(stats);
                    return seenBefore == seenAfter && stats.pingsSent() == stats.pongsReceived()
                            && stats.pingsSent() == seenAfter;
                });
        HeartbeatStats stats = last.get();
        assertTrue(stats.pingsSent() >= 10, () -> "pings sent: " + stats);
        assertEquals(0, stats.timeouts(), "timeouts");
        assertSummary("client", stats.client());
        assertSummary("upstream", stats.upstream());
        assertEquals(stats.pongsReceived(), stats.client().samples() + stats.upstream().samples(),
                "one round-trip sample per pong");

        List<ConnectionInfo> connections = proxy.connections();
        assertEquals(1, connections.size(), connections::toString);
        ConnectionInfo info = connections.get(0);
        assertEquals(ConnectionInfo.State.RELAYING, info.state());
        assertNotNull(info.clientRoundTrip(), () -> "client round trip of " + info);
        assertNotNull(info.upstreamRoundTrip(), () -> "upstream round trip of " + info);
        assertTrue(info.clientRoundTrip().toNanos() > 0 && info.clientRoundTrip().compareTo(Duration.ofSeconds(2)) < 0,
                info::toString);
        assertTrue(info.upstreamRoundTrip().toNanos() > 0
                && info.upstreamRoundTrip().compareTo(Duration.ofSeconds(2)) < 0, info::toString);

        // The connection still relays after all that.
        client.send("still here");
        assertEquals("still here", client.nextText(WAIT));
    }

    private static void assertSummary(String hop, RoundTripSummary summary) {
        assertTrue(summary.samples() >= 4, () -> hop + " round trips: " + summary);
        assertTrue(summary.min().toNanos() > 0, () -> hop + " min: " + summary);
        assertTrue(summary.min().compareTo(summary.median()) <= 0, () -> hop + " min <= median: " + summary);
        assertTrue(summary.median().compareTo(summary.p99()) <= 0, () -> hop + " median <= p99: " + summary);
        assertTrue(summary.p99().compareTo(summary.max()) <= 0, () -> hop + " p99 <= max: " + summary);
        assertTrue(summary.max().compareTo(Duration.ofSeconds(2)) < 0, () -> hop + " max under the timeout: " + summary);
    }

    @Test
    void onlyTheUpstreamIsPingedWithSidesUpstream() throws Exception {
        // A long ping timeout: what is tested is which hop is pinged, and a pong delayed by a loaded machine must not
        // close the hop and stop the pings being counted.
        startWithBackend(heartbeat(INTERVAL, Duration.ofSeconds(5)).sides(HeartbeatPolicy.Sides.UPSTREAM).build());
        TestClient client = openClient();
        Await.until(() -> "five pings at the backend, got " + backend.pings.size(),
                Duration.ofMillis(5 * INTERVAL.toMillis() + 2 * MARGIN_MILLIS), () -> backend.pings.size() >= 5);
        assertEquals(0, client.pings.size(), "pings at the client");
        assertTrue(client.isOpen());
        Await.until("pings answered", WAIT,
                () -> proxy.heartbeatStats().upstream().samples() >= 5);
        assertEquals(0, proxy.heartbeatStats().client().samples(), "client round trips");
        assertEquals(0, client.pongs.get());
        assertTrue(backend.pongs.isEmpty());
    }

    @Test
    void onlyTheClientIsPingedWithSidesClient() throws Exception {
        // A long ping timeout: what is tested is which hop is pinged, and a pong delayed by a loaded machine must not
        // close the hop and stop the pings being counted.
        startWithBackend(heartbeat(INTERVAL, Duration.ofSeconds(5)).sides(HeartbeatPolicy.Sides.CLIENT).build());
        TestClient client = openClient();
        Await.until(() -> "five pings at the client, got " + client.pings.size(),
                Duration.ofMillis(5 * INTERVAL.toMillis() + 2 * MARGIN_MILLIS), () -> client.pings.size() >= 5);
        assertEquals(0, backend.pings.size(), "pings at the backend");
        assertTrue(client.isOpen());
        Await.until("pings answered", WAIT, () -> proxy.heartbeatStats().client().samples() >= 5);
        assertEquals(0, proxy.heartbeatStats().upstream().samples(), "upstream round trips");
        assertEquals(0, client.pongs.get());
        assertTrue(backend.pongs.isEmpty());
    }

    // ---- silent peers ---------------------------------------------------------------------------------------

    @Test
    void clientThatAnswersNoPingIsClosedAndTheBackendGets1001() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        startWithBackend(heartbeat(INTERVAL, timeout).build());
        long start = System.nanoTime();
        RawClient client = openRawClient(); // reads nothing, answers nothing
        Await.until("the backend has the connection", WAIT, () -> backend.openCount() == 1);

        CloseEvent atBackend = backend.nextClose(Duration.ofMillis(INTERVAL.plus(timeout).toMillis() + MARGIN_MILLIS));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1001, atBackend.code(), () -> "the backend saw " + atBackend);
        assertTrue(atBackend.remote(), "the proxy started the close");
        assertFalse(atBackend.reason().isEmpty(), "the Close carries a reason");
        assertTrue(elapsedMillis >= INTERVAL.plus(timeout).toMillis() - TICK_TOLERANCE_MILLIS,
                () -> "closed after " + elapsedMillis + " ms, before interval + timeout");
        Await.until("the backend's connection is closed", WAIT, () -> backend.openCount() == 0);

        // The silent client: pings, then Close 1001, then end of stream.
        List<Frame> frames = readUntilEnd(client.input(), client.socket(), WAIT);
        Frame close = frames.stream().filter(Frame::isClose).findFirst().orElse(null);
        assertNotNull(close, () -> "no Close reached the silent client before its TCP close: " + frames);
        assertEquals(1001, close.closeCode(), close::toString);
        assertFalse(close.closeReason().isEmpty(), "reason of the Close");
        assertEquals(frames.get(frames.size() - 1), close, () -> "the Close is the last frame: " + frames);
        for (Frame frame : frames.subList(0, frames.size() - 1)) {
            assertEquals(Frame.PING, frame.opcode(), () -> "only pings before the Close: " + frames);
            assertEquals(8, frame.payload().length, frame::toString);
            assertFalse(frame.masked(), "frames to a client are not masked");
        }
        assertTrue(frames.size() >= 2, () -> "at least one ping before the Close: " + frames);

        Await.until(() -> "one timeout in the stats: " + proxy.heartbeatStats(), WAIT,
                () -> proxy.heartbeatStats().timeouts() == 1);
        Await.until("the proxy has no connection left", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void upstreamThatAnswersNoPingIsClosedAndTheClientGets1014() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        upstream = RawUpstream.start();
        proxy = Proxies.to(upstream.uri()).heartbeat(heartbeat(INTERVAL, timeout).build()).build().start();
        long start = System.nanoTime();
        TestClient client = new TestClient(Proxies.uri(proxy), new org.java_websocket.drafts.Draft_6455(),
                java.util.Map.of());
        clients.add(client);
        client.connect();
        RawUpstream.Connection connection = upstream.acceptHandshake(); // then reads nothing, answers nothing
        client.opened.get(5, SECONDS);

        CloseEvent atClient = client.awaitClose(Duration.ofMillis(INTERVAL.plus(timeout).toMillis() + MARGIN_MILLIS));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1014, atClient.code(), () -> "the client saw " + atClient);
        assertTrue(atClient.remote(), "the proxy started the close");
        assertFalse(atClient.reason().isEmpty(), "the Close carries a reason");
        assertTrue(elapsedMillis >= INTERVAL.plus(timeout).toMillis() - TICK_TOLERANCE_MILLIS,
                () -> "closed after " + elapsedMillis + " ms, before interval + timeout");

        List<Frame> frames = readUntilEnd(connection.input(), connection.socket(), WAIT);
        Frame close = frames.stream().filter(Frame::isClose).findFirst().orElse(null);
        assertNotNull(close, () -> "no Close reached the silent upstream before its TCP close: " + frames);
        assertEquals(1001, close.closeCode(), close::toString);
        assertTrue(close.masked(), "frames to an upstream are masked");
        for (Frame frame : frames.subList(0, frames.indexOf(close))) {
            assertEquals(Frame.PING, frame.opcode(), () -> "only pings before the Close: " + frames);
            assertEquals(8, frame.payload().length, frame::toString);
            assertTrue(frame.masked(), "frames to an upstream are masked");
        }
        assertEquals(0, client.pongs.get());
        Await.until(() -> "one timeout in the stats: " + proxy.heartbeatStats(), WAIT,
                () -> proxy.heartbeatStats().timeouts() == 1);
    }

    @Test
    void withoutTrafficAsLivenessAClientThatSendsDataButAnswersNoPingIsClosed() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        startWithBackend(heartbeat(INTERVAL, timeout).trafficCountsAsLiveness(false).build());
        backend.echo(false);
        long start = System.nanoTime();
        RawClient client = openRawClient();
        Await.until("the backend has the connection", WAIT, () -> backend.openCount() == 1);

        // Data every interval / 4, never a pong; stop once the backend sees the close (or the proxy drops us).
        long deadline = System.nanoTime() + Duration.ofMillis(INTERVAL.plus(timeout).toMillis() + MARGIN_MILLIS).toNanos();
        int sent = 0;
        while (backend.closes.isEmpty() && System.nanoTime() < deadline) {
            try {
                client.sendText("data " + sent++);
            } catch (IOException e) {
                break; // the proxy closed the connection
            }
            pace(INTERVAL.dividedBy(4));
        }
        CloseEvent atBackend = backend.nextClose(WAIT);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1001, atBackend.code(), () -> "the backend saw " + atBackend);
        assertTrue(elapsedMillis >= INTERVAL.plus(timeout).toMillis() - TICK_TOLERANCE_MILLIS,
                () -> "closed after " + elapsedMillis + " ms, before interval + timeout");
        assertTrue(backend.messages.size() >= 2, () -> "data was relayed meanwhile: " + backend.messages.size());
        Await.until(() -> "one timeout in the stats: " + proxy.heartbeatStats(), WAIT,
                () -> proxy.heartbeatStats().timeouts() == 1);
        client.awaitEof(WAIT);
    }

    @Test
    void byDefaultDataFromAClientCountsAsLivenessEvenWithoutPongs() throws Exception {
        // A long timeout keeps a stalled sender thread on a loaded machine from looking dead; the loop below spans
        // more than twice interval + timeout, so a proxy that required pongs would have closed the connection.
        Duration timeout = Duration.ofMillis(1000);
        startWithBackend(heartbeat(INTERVAL, timeout).build());
        backend.echo(false);
        RawClient client = openRawClient();
        Await.until("the backend has the connection", WAIT, () -> backend.openCount() == 1);

        // A data frame every interval / 2, never a pong; each is awaited at the backend, which also proves the
        // connection is up.
        long start = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            long sentAt = System.nanoTime();
            client.sendText("data " + i);
            assertEquals("data " + i, backend.nextMessage(WAIT), "message " + i + " at the backend");
            assertTrue(backend.closes.isEmpty(), () -> "closed at message: " + backend.closes);
            pace(INTERVAL.dividedBy(2).minusNanos(System.nanoTime() - sentAt));
        }
        assertTrue(System.nanoTime() - start >= 2 * INTERVAL.plus(timeout).toNanos(), "twice interval + timeout passed");
        assertEquals(0, proxy.heartbeatStats().timeouts(), "timeouts");
        assertEquals(1, backend.openCount(), "the backend's connection is open");
        assertEquals(ConnectionInfo.State.RELAYING, proxy.connections().get(0).state());
        // Whatever reached the client meanwhile can only be pings (the backend echoes nothing).
        client.socket().setSoTimeout(1);
        while (client.input().available() > 0) {
            Frame frame = client.readFrame();
            assertEquals(Frame.PING, frame.opcode(), frame::toString);
        }
    }

    // ---- pings only at frame boundaries -------------------------------------------------------------------

    /**
     * A 50 MiB binary message streams through the proxy in slow, odd-sized writes while the proxy pings the
     * receiving (silent) side every 50 ms. The receiver parses every frame: the only frames besides the message's
     * are the proxy's 8-byte pings, so none landed inside a frame, and the message arrives intact.
     */
    @ParameterizedTest(name = "{0}, {1} fragments")
    @CsvSource({"client to upstream, 1", "client to upstream, 23", "upstream to client, 1", "upstream to client, 23"})
    @Timeout(value = 60, unit = SECONDS)
    void pingsNeverLandInsideAFrame(String direction, int fragments) throws Exception {
        boolean toUpstream = direction.startsWith("client");
        upstream = RawUpstream.start();
        proxy = Proxies.to(upstream.uri())
                .heartbeat(heartbeat(Duration.ofMillis(50), Duration.ofSeconds(5)).build())
                .build().start();
        RawClient client = RawClient.connect(proxy.address());
        closeables.add(client);
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        RawUpstream.Connection connection = upstream.acceptHandshake();
        assertEquals(101, client.readHead().status());
        client.socket().setSoTimeout(20_000);
        connection.socket().setSoTimeout(20_000);

        // Both ends answer the proxy's pings as correct peers; the receiver also checks every frame.
        Peer clientPeer = new Peer("client", client.input(), client.output(), true);
        Peer upstreamPeer = new Peer("upstream", connection.input(), connection.output(), false);
        Peer sender = toUpstream ? clientPeer : upstreamPeer;
        Peer receiver = toUpstream ? upstreamPeer : clientPeer;
        startReader(clientPeer);
        startReader(upstreamPeer);
        Await.until("the receiver is pinged before the message", WAIT, () -> receiver.pings.get() >= 2);

        int size = 50 << 20;
        long checksum = sender.streamMessage(size, fragments, 7_919, new Random(size + fragments));
        Await.until(() -> "the whole message at the receiver; " + receiver.describe(), Duration.ofSeconds(40),
                () -> receiver.dataBytes.get() == size && receiver.messageDone || receiver.failure.get() != null);
        assertEquals(null, receiver.failure.get(), receiver::describe);
        assertEquals(checksum, receiver.checksum.getValue(), "checksum of the message at the receiver");
        assertEquals(fragments, receiver.dataFrames.get(), "data frames at the receiver");
        // The transfer spanned many intervals; pings kept coming at frame boundaries, and after the message.
        int pingsAfterMessage = receiver.pings.get();
        Await.until("more pings after the message", WAIT, () -> receiver.pings.get() >= pingsAfterMessage + 2);
        assertEquals(null, receiver.failure.get(), receiver::describe);
        assertEquals(null, sender.failure.get(), sender::describe);
        assertEquals(0, proxy.heartbeatStats().timeouts(), "timeouts");
        assertEquals(1, proxy.openConnections(), "the connection is still open");
        if (fragments > 1) {
            assertTrue(receiver.pingsBetweenFragments.get() >= 1,
                    () -> "pings between the fragments of the slow message: " + receiver.describe());
        }
    }

    private void startReader(Peer peer) {
        Thread thread = new Thread(peer::readLoop, "heartbeat-test-" + peer.name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    /**
     * One raw end of the relay: reads frames strictly (no frame may be masked wrongly, no unexpected opcode),
     * answers each ping with its pong, and accumulates the data frames' payloads into a checksum.
     */
    private static final class Peer {
        final String name;
        final InputStream in;
        final OutputStream out;
        /** This end is the client: it masks what it sends and must receive unmasked frames. */
        final boolean isClient;
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger pingsBetweenFragments = new AtomicInteger();
        final AtomicInteger dataFrames = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong dataBytes = new java.util.concurrent.atomic.AtomicLong();
        final CRC32 checksum = new CRC32();
        final AtomicReference<String> failure = new AtomicReference<>();
        final List<String> log = new CopyOnWriteArrayList<>();
        volatile boolean messageDone;
        private boolean inMessage;
        /** This end is writing a frame (guarded by {@code out}): pongs wait for its end. */
        private boolean writingFrame;
        /** Pongs owed while a frame was being written (guarded by {@code out}). */
        private final List<byte[]> owedPongs = new ArrayList<>();

        Peer(String name, InputStream in, OutputStream out, boolean isClient) {
            this.name = name;
            this.in = in;
            this.out = out;
            this.isClient = isClient;
        }

        void readLoop() {
            try {
                while (true) {
                    Frame frame = Frame.read(in);
                    if (log.size() < 50) {
                        log.add(frame.toString());
                    }
                    if (frame.masked() == isClient) {
                        failure.compareAndSet(null, name + " got a frame masked wrongly: " + frame);
                    }
                    if (frame.rsv() != 0) {
                        failure.compareAndSet(null, name + " got RSV bits: " + frame);
                    }
                    switch (frame.opcode()) {
                        case Frame.PING -> {
                            if (frame.payload().length != 8 || !frame.fin()) {
                                failure.compareAndSet(null, name + " got a ping that is not the proxy's: " + frame);
                            }
                            if (inMessage) {
                                pingsBetweenFragments.incrementAndGet();
                            }
                            synchronized (out) {
                                if (writingFrame) {
                                    owedPongs.add(frame.payload()); // a pong may not go inside our own frame
                                } else {
                                    out.write(Frame.encode(true, 0, Frame.PONG, frame.payload(), isClient));
                                    out.flush();
                                }
                            }
                            pings.incrementAndGet();
                        }
                        case Frame.BINARY, Frame.CONTINUATION -> {
                            if ((frame.opcode() == Frame.BINARY) == inMessage || messageDone) {
                                failure.compareAndSet(null, name + " got an out-of-sequence data frame " + frame
                                        + " (in message: " + inMessage + ")");
                            }
                            checksum.update(frame.payload());
                            dataBytes.addAndGet(frame.payload().length);
                            dataFrames.incrementAndGet();
                            inMessage = !frame.fin();
                            if (frame.fin()) {
                                messageDone = true;
                            }
                        }
                        default -> failure.compareAndSet(null, name + " got an unexpected frame: " + frame);
                    }
                }
            } catch (SocketException | EOFException | SocketTimeoutException e) {
                // closed at the end of the test (or the proxy closed us; the assertions say so)
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, name + " failed to read: " + e);
            }
        }

        /**
         * Sends one binary message of {@code size} pseudo-random bytes as {@code fragments} frames, all bytes in
         * writes of {@code chunk} bytes with a short pause between them. Returns the CRC-32 of the payload.
         */
        long streamMessage(int size, int fragments, int chunk, Random random) throws IOException {
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[chunk];
            byte[] plain = new byte[chunk];
            int fragmentSize = size / fragments;
            int writes = 0;
            for (int f = 0; f < fragments; f++) {
                int length = f == fragments - 1 ? size - f * fragmentSize : fragmentSize;
                byte[] maskKey = isClient ? Frame.randomMask() : null;
                byte[] header = header(f == fragments - 1, f == 0 ? Frame.BINARY : Frame.CONTINUATION, length, maskKey);
                int sent = 0;
                synchronized (out) {
                    writingFrame = true;
                }
                // The header and the payload go in the same stream of odd-sized writes.
                int headerSent = 0;
                while (sent < length || headerSent < header.length) {
                    int n = 0;
                    while (headerSent < header.length && n < chunk) {
                        buffer[n++] = header[headerSent++];
                    }
                    int payloadPart = Math.min(chunk - n, length - sent);
                    random.nextBytes(plain);
                    crc.update(plain, 0, payloadPart);
                    for (int i = 0; i < payloadPart; i++) {
                        byte b = plain[i];
                        if (maskKey != null) {
                            b ^= maskKey[(sent + i) & 3];
                        }
                        buffer[n + i] = b;
                    }
                    n += payloadPart;
                    sent += payloadPart;
                    synchronized (out) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                    if (++writes % 4 == 0) {
                        LockSupport.parkNanos(1_000_000); // slow, so the transfer spans many intervals
                    }
                }
                synchronized (out) {
                    writingFrame = false;
                    for (byte[] payload : owedPongs) {
                        out.write(Frame.encode(true, 0, Frame.PONG, payload, isClient));
                    }
                    owedPongs.clear();
                    out.flush();
                }
            }
            return crc.getValue();
        }

        String describe() {
            return name + ": pings " + pings + ", data frames " + dataFrames + ", data bytes " + dataBytes
                    + ", failure " + failure.get() + ", first frames " + log;
        }
    }

    private static byte[] header(boolean fin, int opcode, long length, byte[] maskKey) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(14);
        out.write((fin ? 0x80 : 0) | opcode);
        int maskBit = maskKey != null ? 0x80 : 0;
        if (length <= 125) {
            out.write(maskBit | (int) length);
        } else if (length <= 0xffff) {
            out.write(maskBit | 126);
            out.write((int) (length >>> 8));
            out.write((int) length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (length >>> shift));
            }
        }
        if (maskKey != null) {
            out.write(maskKey, 0, 4);
        }
        return out.toByteArray();
    }

    // ---- the endpoints' own pings and pongs ---------------------------------------------------------------

    @Test
    void endpointPingsAndPongsPassThrough() throws Exception {
        startWithBackend(heartbeat(INTERVAL, Duration.ofSeconds(2)).build());
        TestClient client = openClient();
        Await.until("the backend has the connection", WAIT, () -> backend.openCount() == 1);

        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        PingFrame ping = new PingFrame();
        ping.setPayload(ByteBuffer.wrap(abc));
        client.sendFrame(ping);
        Await.until("the backend got the client's ping", WAIT,
                () -> backend.pings.stream().anyMatch(p -> java.util.Arrays.equals(p, abc)));
        byte[] pong = client.pongPayloads.poll(5, SECONDS);
        assertNotNull(pong, "the client got no pong for its ping");
        assertArrayEquals(abc, pong, "payload of the backend's pong");

        // An 8-byte ping, like the proxy's own: its pong is the client's, not consumed by the proxy.
        byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        PingFrame ping8 = new PingFrame();
        ping8.setPayload(ByteBuffer.wrap(eight));
        client.sendFrame(ping8);
        byte[] pong8 = client.pongPayloads.poll(5, SECONDS);
        assertNotNull(pong8, "the client got no pong for its 8-byte ping");
        assertArrayEquals(eight, pong8, "payload of the backend's pong to the 8-byte ping");

        // An unsolicited pong reaches the backend unchanged.
        PongFrame unsolicited = new PongFrame();
        unsolicited.setPayload(ByteBuffer.wrap("xyz".getBytes(StandardCharsets.US_ASCII)));
        client.sendFrame(unsolicited);
        byte[] atBackend = backend.pongs.poll(5, SECONDS);
        assertNotNull(atBackend, "the backend got no pong");
        assertEquals("xyz", new String(atBackend, StandardCharsets.US_ASCII));

        // Meanwhile the proxy's pings went on and their pongs stayed with the proxy.
        Await.until("proxy pings at both ends", WAIT, () -> client.pings.size() >= 2 && backend.pings.size() >= 4);
        assertEquals(2, client.pongs.get(), "pongs at the client: only the answers to its own pings");
        assertTrue(backend.pongs.isEmpty(), "pongs at the backend: only the unsolicited one");
    }

    @Test
    void rawEndpointPingsAndPongsPassThroughUnchangedInBothDirections() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.to(upstream.uri()).heartbeat(heartbeat(INTERVAL, Duration.ofSeconds(2)).build())
                .build().start();
        RawClient client = RawClient.connect(proxy.address());
        closeables.add(client);
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        RawUpstream.Connection connection = upstream.acceptHandshake();
        assertEquals(101, client.readHead().status());

        client.send(Frame.encode(true, 0, Frame.PONG, "unsolicited".getBytes(StandardCharsets.US_ASCII), true));
        client.send(Frame.encode(true, 0, Frame.PING, "from client".getBytes(StandardCharsets.US_ASCII), true));
        connection.send(Frame.encode(true, 0, Frame.PING, "from upstream".getBytes(StandardCharsets.US_ASCII), false));
        connection.send(Frame.encode(true, 0, Frame.PONG, new byte[0], false));

        Frame[] atUpstream = nextNonProxyFrames(connection.input(), true, 2);
        assertEquals(Frame.PONG, atUpstream[0].opcode(), atUpstream[0]::toString);
        assertEquals("unsolicited", atUpstream[0].text());
        assertEquals(Frame.PING, atUpstream[1].opcode(), atUpstream[1]::toString);
        assertEquals("from client", atUpstream[1].text());
        Frame[] atClient = nextNonProxyFrames(client.input(), false, 2);
        assertEquals(Frame.PING, atClient[0].opcode(), atClient[0]::toString);
        assertEquals("from upstream", atClient[0].text());
        assertEquals(Frame.PONG, atClient[1].opcode(), atClient[1]::toString);
        assertEquals(0, atClient[1].payload().length);
        assertEquals(1, proxy.openConnections());
    }

    /**
     * Reads frames until {@code count} frames that are not the proxy's pings arrived; answers the proxy's pings
     * (8-byte payload) meanwhile, so the connection stays up. Checks the masking of every frame.
     */
    private static Frame[] nextNonProxyFrames(InputStream in, boolean atUpstream, int count) throws IOException {
        Frame[] result = new Frame[count];
        int found = 0;
        while (found < count) {
            Frame frame = Frame.read(in);
            assertEquals(atUpstream, frame.masked(), () -> "masking of " + frame);
            if (frame.opcode() == Frame.PING && frame.payload().length == 8) {
                continue; // the proxy's ping; its timeout (2 s) is far beyond this test's reads
            }
            result[found++] = frame;
        }
        return result;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Reads frames until end of stream or reset; fails if the stream does not end within {@code deadline}. */
    private static List<Frame> readUntilEnd(InputStream in, java.net.Socket socket, Duration deadline)
            throws IOException {
        List<Frame> frames = new ArrayList<>();
        long end = System.nanoTime() + deadline.toNanos();
        socket.setSoTimeout((int) deadline.toMillis());
        while (true) {
            if (System.nanoTime() - end > 0) {
                fail("The stream did not end within " + deadline.toMillis() + " ms; frames: " + frames);
            }
            try {
                frames.add(Frame.read(in));
            } catch (EOFException | SocketException e) {
                return frames;
            } catch (SocketTimeoutException e) {
                fail("The stream did not end within " + deadline.toMillis() + " ms; frames: " + frames);
            }
        }
    }

    /** Paces a sender: waits at least {@code duration} (not a synchronization; the tests await conditions). */
    private static void pace(Duration duration) throws InterruptedException {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
        }
    }
}
