package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.TestClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.java_websocket.protocols.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Messages relayed end to end between a Java-WebSocket client and a Java-WebSocket backend, through the proxy. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 20, unit = SECONDS)
class RelayTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private EchoBackend backend;
    private ProxyServer proxy;
    private final List<TestClient> clients = new CopyOnWriteArrayList<>();
    private final List<EchoBackend> moreBackends = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.start(backend.uri());
    }

    @AfterEach
    void stop() throws Exception {
        clients.parallelStream().forEach(client -> client.closeQuietly(Duration.ofSeconds(2)));
        Proxies.closeQuietly(proxy);
        backend.close();
        for (EchoBackend other : moreBackends) {
            other.close();
        }
    }

    private TestClient open() throws InterruptedException {
        TestClient client = TestClient.open(Proxies.uri(proxy));
        clients.add(client);
        return client;
    }

    @Test
    void textAndBinaryMessagesAreEchoed() throws Exception {
        TestClient client = open();
        client.send("hello, upstream");
        assertEquals("hello, upstream", backend.nextMessage(WAIT));
        assertEquals("hello, upstream", client.nextText(WAIT));

        byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0x80, 127};
        client.send(binary);
        assertArrayEquals(binary, assertInstanceOf(byte[].class, backend.nextMessage(WAIT)));
        assertArrayEquals(binary, client.nextBinary(WAIT));

        String unicode = "grüße, 世界, 🙂";
        client.send(unicode);
        assertEquals(unicode, client.nextText(WAIT));
    }

    @Test
    void emptyMessagesAreEchoed() throws Exception {
        TestClient client = open();
        client.send("");
        assertEquals("", client.nextText(WAIT));
        client.send(new byte[0]);
        assertArrayEquals(new byte[0], client.nextBinary(WAIT));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 125, 126, 127, 65535, 65536, 65537, 1 << 20})
    void binaryMessagesAtLengthBoundariesArriveIntact(int size) throws Exception {
        TestClient client = open();
        byte[] payload = randomBytes(size, size);
        client.send(payload);
        assertArrayEquals(payload, client.nextBinary(WAIT));
        assertArrayEquals(payload, assertInstanceOf(byte[].class, backend.nextMessage(WAIT)));
    }

    @Test
    @Timeout(value = 40, unit = SECONDS)
    void sixteenMebibyteMessageArrivesIntact() throws Exception {
        backend.record(false);
        TestClient client = open();
        byte[] payload = randomBytes(16 << 20, 16);
        client.send(payload);
        byte[] echoed = client.nextBinary(Duration.ofSeconds(30));
        assertEquals(payload.length, echoed.length, "length of the echoed message");
        assertArrayEquals(payload, echoed);
    }

    @Test
    void fragmentedMessageWithPingsBetweenFragmentsArrivesWhole() throws Exception {
        TestClient client = open();
        client.sendFragmentedFrame(Opcode.TEXT, utf8("first "), false);
        client.sendPing();
        client.sendFragmentedFrame(Opcode.TEXT, utf8("second "), false); // Java-WebSocket sends it as a continuation
        client.sendPing();
        client.sendFragmentedFrame(Opcode.TEXT, utf8("third"), true);

        assertEquals("first second third", backend.nextMessage(WAIT));
        assertEquals("first second third", client.nextText(WAIT));
        Await.until("the backend saw both pings", WAIT, () -> backend.pings.size() == 2);
        Await.until(() -> "the client got both pongs, got " + client.pongs.get(), WAIT, () -> client.pongs.get() == 2);
    }

    @Test
    void subprotocolIsNegotiatedEndToEnd() throws Exception {
        Draft_6455 draft = new Draft_6455(Collections.emptyList(), List.of(new Protocol("chat")));
        TestClient client = TestClient.open(Proxies.uri(proxy), draft, Map.of());
        clients.add(client);
        assertEquals("chat", client.getProtocol().getProvidedProtocol(), "client's negotiated subprotocol");
        EchoBackend.Handshake handshake = backend.nextHandshake(WAIT);
        assertEquals("chat", handshake.protocol(), "backend's negotiated subprotocol");
        assertEquals("chat", client.opened.get(1, SECONDS).getFieldValue("Sec-WebSocket-Protocol"));
        client.send("in chat");
        assertEquals("in chat", client.nextText(WAIT));
    }

    @Test
    void noSubprotocolWhenTheClientAsksForNone() throws Exception {
        open();
        EchoBackend.Handshake handshake = backend.nextHandshake(WAIT);
        assertEquals("", handshake.protocol());
        assertNull(handshake.header("Sec-WebSocket-Protocol"));
    }

    @Test
    void permessageDeflateIsNegotiatedEndToEnd() throws Exception {
        Draft_6455 draft = new Draft_6455(new PerMessageDeflateExtension());
        TestClient client = TestClient.open(Proxies.uri(proxy), draft, Map.of());
        clients.add(client);
        Draft_6455 negotiated = (Draft_6455) client.getConnection().getDraft();
        assertInstanceOf(PerMessageDeflateExtension.class, negotiated.getExtension(), "client's negotiated extension");
        assertTrue(backend.nextHandshake(WAIT).deflate(), "backend negotiated permessage-deflate");
        String header = client.opened.get(1, SECONDS).getFieldValue("Sec-WebSocket-Extensions");
        assertTrue(header.contains("permessage-deflate"), "101 carries the backend's extension choice: " + header);

        String compressible = "All work and no play makes Jack a dull boy. ".repeat(30_000);
        client.send(compressible);
        assertEquals(compressible, backend.nextMessage(WAIT));
        assertEquals(compressible, client.nextText(WAIT));
        client.send("short");
        assertEquals("short", client.nextText(WAIT));
    }

    @Test
    void messagesPushedByTheBackendReachTheClient() throws Exception {
        TestClient client = open();
        Await.until("backend has the connection", WAIT, () -> backend.openCount() == 1);
        backend.push("news 1");
        backend.push("news 2");
        assertEquals("news 1", client.nextText(WAIT));
        assertEquals("news 2", client.nextText(WAIT));
    }

    @Test
    void clientCloseCodeAndReasonReachTheBackendAndItsReplyComesBack() throws Exception {
        TestClient client = open();
        client.close(4001, "bye");
        CloseEvent atBackend = backend.nextClose(WAIT);
        assertEquals(4001, atBackend.code(), () -> "backend saw " + atBackend);
        assertEquals("bye", atBackend.reason());
        assertTrue(atBackend.remote(), "the client initiated the close");
        CloseEvent atClient = client.awaitClose(WAIT);
        assertEquals(4001, atClient.code(), () -> "client saw " + atClient + " (expected the backend's echoed Close)");
        assertEquals("bye", atClient.reason());
        Await.until(() -> "proxy connections drop to 0, now " + proxy.openConnections(), WAIT,
                () -> proxy.openConnections() == 0);
    }

    @Test
    void backendCloseCodeAndReasonReachTheClient() throws Exception {
        TestClient client = open();
        Await.until("backend has the connection", WAIT, () -> backend.openCount() == 1);
        backend.closeAll(4002, "server bye");
        CloseEvent atClient = client.awaitClose(WAIT);
        assertEquals(4002, atClient.code(), () -> "client saw " + atClient);
        assertEquals("server bye", atClient.reason());
        assertTrue(atClient.remote(), "the backend initiated the close");
        CloseEvent atBackend = backend.nextClose(WAIT);
        assertEquals(4002, atBackend.code(), () -> "backend got the client's reply " + atBackend);
        Await.until(() -> "proxy connections drop to 0, now " + proxy.openConnections(), WAIT,
                () -> proxy.openConnections() == 0);
    }

    @Test
    void gracefulShutdownSends1001ToBothSidesAndReleasesEverything() throws Exception {
        TestClient client = open();
        client.send("before shutdown");
        assertEquals("before shutdown", client.nextText(WAIT));
        long start = System.nanoTime();
        proxy.close(Duration.ofSeconds(3));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        CloseEvent atClient = client.awaitClose(WAIT);
        assertEquals(1001, atClient.code(), () -> "client saw " + atClient);
        CloseEvent atBackend = backend.nextClose(WAIT);
        assertEquals(1001, atBackend.code(), () -> "backend saw " + atBackend);
        assertTrue(elapsedMillis < 2_500, "shutdown with cooperative peers took " + elapsedMillis + " ms");
        assertEquals(0, proxy.openConnections());
        Await.until(() -> "event loops stopped: " + LeakCheck.proxyThreads(), WAIT,
                () -> LeakCheck.proxyThreads().isEmpty());
    }

    @Test
    @Timeout(value = 120, unit = SECONDS)
    void concurrentConnectionsKeepTheirMessagesInOrder() throws Exception {
        int connections = 200;
        int messages = 50;
        backend.record(false);
        List<TestClient> batch = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            TestClient client = new TestClient(Proxies.uri(proxy), new Draft_6455(), Map.of());
            batch.add(client);
            clients.add(client);
            client.connect();
        }
        for (TestClient client : batch) {
            client.opened.get(15, SECONDS);
        }
        assertEquals(connections, proxy.openConnections(), "open connections at the proxy");
        for (int m = 0; m < messages; m++) {
            for (int c = 0; c < connections; c++) {
                batch.get(c).send("connection " + c + " message " + m);
            }
        }
        for (int c = 0; c < connections; c++) {
            TestClient client = batch.get(c);
            for (int m = 0; m < messages; m++) {
                String expected = "connection " + c + " message " + m;
                Object got = client.messages.poll(30, SECONDS);
                assertEquals(expected, got, "on connection " + c + " of " + connections + "; proxy connections: "
                        + proxy.connections().size() + ", open at the backend: " + backend.openCount());
            }
            assertNull(client.messages.poll(), "no extra message on connection " + c);
        }
    }

    @Test
    void forwardedHeadersReachTheBackend() throws Exception {
        try (RawClient client = RawClient.connect(proxy.address())) {
            String key = HttpHead.newKey();
            client.send("GET /chat/room?id=7&x=%20y HTTP/1.1\r\n"
                    + "Host: " + client.hostHeader() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: keep-alive, Upgrade, X-Hop\r\n"
                    + "X-Hop: must not pass\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Origin: http://example.test\r\n"
                    + "Cookie: session=abc; theme=dark\r\n"
                    + "Authorization: Bearer t0k3n\r\n"
                    + "User-Agent: wsproxy-it\r\n"
                    + "X-Custom-Header: custom value\r\n"
                    + "X-Forwarded-For: 203.0.113.9\r\n"
                    + "\r\n");
            HttpHead response = client.readHead();
            assertEquals(101, response.status(), response::toString);
            assertEquals(HttpHead.acceptFor(key), response.header("Sec-WebSocket-Accept"));

            EchoBackend.Handshake handshake = backend.nextHandshake(WAIT);
            assertEquals("/chat/room?id=7&x=%20y", handshake.resource(), "request target unchanged");
            assertEquals(client.hostHeader(), handshake.header("Host"), "Host preserved");
            assertEquals(key, handshake.header("Sec-WebSocket-Key"), "client's key forwarded");
            assertEquals("203.0.113.9, 127.0.0.1", handshake.header("X-Forwarded-For"), "client address appended");
            assertEquals("127.0.0.1", handshake.header("X-Real-IP"));
            assertEquals("http", handshake.header("X-Forwarded-Proto"));
            assertEquals(client.hostHeader(), handshake.header("X-Forwarded-Host"));
            assertEquals("http://example.test", handshake.header("Origin"));
            assertEquals("session=abc; theme=dark", handshake.header("Cookie"));
            assertEquals("Bearer t0k3n", handshake.header("Authorization"));
            assertEquals("wsproxy-it", handshake.header("User-Agent"));
            assertEquals("custom value", handshake.header("X-Custom-Header"));
            assertNull(handshake.header("X-Hop"), "header named in Connection is hop-by-hop");
            assertNull(handshake.header("Keep-Alive"), "Keep-Alive is hop-by-hop");
            assertEquals("websocket", handshake.header("Upgrade").toLowerCase());
            assertTrue(handshake.header("Connection").toLowerCase().contains("upgrade"), handshake.header("Connection"));

            client.sendText("through");
            Frame echoed = client.readFrame();
            assertEquals("through", echoed.text());
            assertEquals(false, echoed.masked(), "frames to the client are not masked");
        }
    }

    @Test
    void xForwardedForIsTheClientAddressWhenTheClientSentNone() throws Exception {
        open();
        EchoBackend.Handshake handshake = backend.nextHandshake(WAIT);
        assertEquals("127.0.0.1", handshake.header("X-Forwarded-For"));
        assertEquals("127.0.0.1", handshake.header("X-Real-IP"));
    }

    @Test
    void roundRobinAlternatesBetweenTwoBackends() throws Exception {
        EchoBackend first = EchoBackend.start("first");
        EchoBackend second = EchoBackend.start("second");
        moreBackends.add(first);
        moreBackends.add(second);
        Proxies.closeQuietly(proxy);
        proxy = Proxies.start(first.uri(), second.uri());
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int before = first.openedCount() + second.openedCount();
            int firstBefore = first.openedCount();
            TestClient client = open();
            client.send("ping " + i);
            assertEquals("ping " + i, client.nextText(WAIT));
            assertEquals(before + 1, first.openedCount() + second.openedCount());
            chosen.add(first.openedCount() > firstBefore ? "first" : "second");
        }
        for (int i = 1; i < chosen.size(); i++) {
            assertTrue(!chosen.get(i).equals(chosen.get(i - 1)), "round robin alternates: " + chosen);
        }
    }

    private static ByteBuffer utf8(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

}
