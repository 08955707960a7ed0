package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upstreams that refuse, stall, answer wrongly or vanish (DESIGN.md §4).
 *
 * <p>Not covered: the <em>connect</em> timeout. On loopback a connect either succeeds at once or is refused; a
 * listening socket with a full backlog does not make Linux drop SYNs reliably (with tcp_syncookies it still
 * completes connections), and an unroutable address (e.g. 10.255.255.1) depends on the host's routing (in a
 * sandbox it usually fails at once with "network unreachable"). The upstream-handshake timeout is covered instead.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 15, unit = SECONDS)
class UpstreamFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private ProxyServer proxy;
    private RawUpstream upstream;
    private EchoBackend backend;

    @AfterEach
    void stop() throws Exception {
        Proxies.closeQuietly(proxy);
        if (upstream != null) {
            upstream.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private RawClient requestUpgrade() throws IOException {
        RawClient client = RawClient.connect(proxy.address());
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        return client;
    }

    @Test
    void refusedUpstreamGives502() throws Exception {
        proxy = Proxies.start("ws://127.0.0.1:" + closedPort());
        try (RawClient client = requestUpgrade()) {
            HandshakeErrorTest.expectRefusal(client, 502);
        }
        Await.until("connection released", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void allUpstreamsRefusingGives502() throws Exception {
        proxy = Proxies.start("ws://127.0.0.1:" + closedPort(), "ws://127.0.0.1:" + closedPort());
        try (RawClient client = requestUpgrade()) {
            HandshakeErrorTest.expectRefusal(client, 502);
        }
    }

    @Test
    void deadFirstUpstreamIsSkippedForTheNextOne() throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.start("ws://127.0.0.1:" + closedPort(), backend.uri());
        for (int i = 0; i < 4; i++) {
            TestClient client = TestClient.open(Proxies.uri(proxy));
            client.send("try " + i);
            assertEquals("try " + i, client.nextText(WAIT));
            client.closeQuietly(Duration.ofSeconds(2));
        }
        assertEquals(4, backend.openedCount(), "every client reached the live upstream");
    }

    @Test
    void aRefusingUpstreamIsMarkedDownSkippedAndTriedAgainAfterItsFailTimeout() throws Exception {
        backend = EchoBackend.start();
        int deadPort = closedPort();
        UpstreamPool pool = UpstreamPool.builder().add("ws://127.0.0.1:" + deadPort).add(backend.uri())
                .passiveHealth(1, Duration.ofMillis(500)).build();
        Upstream dead = pool.members().get(0);
        proxy = Proxies.to(backend.uri()).upstreams(pool).build().start();
        for (int i = 0; i < 6; i++) {
            TestClient client = TestClient.open(Proxies.uri(proxy));
            client.send("try " + i);
            assertEquals("try " + i, client.nextText(WAIT));
            client.closeQuietly(Duration.ofSeconds(2));
            if (i == 0) {
                assertTrue(dead.down(), "marked down after its first refusal");
            }
        }
        assertEquals(6, backend.openedCount(), "every client reached the live upstream");
        assertTrue(dead.consecutiveFailures() <= 2, "a down member is skipped, not retried by every connection: "
                + dead.consecutiveFailures() + " failures");

        // It listens again: once the fail timeout is over, a new connection is sent to it.
        try (ServerSocket revived = new ServerSocket(deadPort, 50, InetAddress.getLoopbackAddress())) {
            revived.setSoTimeout((int) WAIT.toMillis());
            Await.until("the fail timeout to pass", WAIT, () -> !dead.down());
            RawClient first = requestUpgrade();
            RawClient second = requestUpgrade();
            try (Socket accepted = revived.accept()) {
                assertTrue(accepted.isConnected(), "the revived upstream was tried again");
            } finally {
                first.close();
                second.close();
            }
        }
    }

    @Test
    void silentUpstreamGives504AfterTheUpstreamHandshakeTimeout() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.to(upstream.uri()).upstreamHandshakeTimeout(Duration.ofMillis(300)).build().start();
        long start = System.nanoTime();
        try (RawClient client = requestUpgrade()) {
            RawUpstream.Connection connection = upstream.accept(WAIT);
            connection.readRequest(); // and never answer
            HandshakeErrorTest.expectRefusal(client, 504);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMillis >= 250, "504 after " + elapsedMillis + " ms, before the 300 ms timeout");
            assertTrue(elapsedMillis < 2_500, "504 after " + elapsedMillis + " ms, long after the 300 ms timeout");
            connection.awaitEof(Duration.ofSeconds(2));
        }
    }

    @Test
    void theConnectBudgetCutsTheTriesShortWith504() throws Exception {
        // Two upstreams whose kernels accept the connection but that never answer the upgrade.
        try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket second = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            proxy = Proxies.to("ws://127.0.0.1:" + first.getLocalPort(), "ws://127.0.0.1:" + second.getLocalPort())
                    .upstreamHandshakeTimeout(Duration.ofSeconds(20)).maxUpstreamTries(2)
                    .connectBudget(Duration.ofMillis(400)).build().start();
            long start = System.nanoTime();
            try (RawClient client = requestUpgrade()) {
                HandshakeErrorTest.expectRefusal(client, 504);
                long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(elapsedMillis >= 350, "504 after " + elapsedMillis + " ms, before the 400 ms budget");
                assertTrue(elapsedMillis < 5_000, "504 after " + elapsedMillis + " ms: the 20 s handshake timeout ran");
            }
            assertThrows(IllegalArgumentException.class,
                    () -> Proxies.to("ws://127.0.0.1:1").connectBudget(Duration.ZERO).build());
        }
    }

    @Test
    void aClientThatLeavesDuringTheUpstreamHandshakeReleasesTheUpstreamConnection() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.to(upstream.uri()).upstreamHandshakeTimeout(Duration.ofSeconds(30)).build().start();
        RawClient client = requestUpgrade();
        RawUpstream.Connection connection = upstream.accept(WAIT);
        connection.readRequest(); // and never answer
        long start = System.nanoTime();
        client.close();
        connection.awaitEof(Duration.ofSeconds(5));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis < 5_000, "upstream released after " + elapsedMillis + " ms, not at the 30 s timeout");
        Await.until("the proxy holds no connection", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void non101AnswerIsRelayedWithBodyAndWithoutHopByHopHeaders() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = requestUpgrade()) {
            RawUpstream.Connection connection = upstream.accept(WAIT);
            connection.readRequest();
            String body = "{\"error\":\"forbidden\"}";
            connection.send("HTTP/1.1 403 Forbidden\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n"
                    + "X-Custom: kept\r\n"
                    + "Set-Cookie: a=b\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Connection: keep-alive, X-Hop\r\n"
                    + "X-Hop: dropped\r\n"
                    + "\r\n" + body);
            HttpHead response = client.readHead();
            assertEquals(403, response.status(), response::toString);
            assertEquals("kept", response.header("X-Custom"), response::toString);
            assertEquals("a=b", response.header("Set-Cookie"), response::toString);
            assertEquals("application/json", response.header("Content-Type"), response::toString);
            assertNull(response.header("Keep-Alive"), () -> "hop-by-hop Keep-Alive passed: " + response);
            assertNull(response.header("X-Hop"), () -> "header named in Connection passed: " + response);
            assertFalse(response.headerHasToken("Connection", "keep-alive"), response::toString);
            assertEquals(body, new String(client.readBody(response), StandardCharsets.UTF_8));
            client.awaitEof(WAIT);
        }
    }

    @Test
    void chunkedNon101AnswerIsRelayedWithTheSameBody() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = requestUpgrade()) {
            RawUpstream.Connection connection = upstream.accept(WAIT);
            connection.readRequest();
            connection.send("HTTP/1.1 401 Unauthorized\r\n"
                    + "WWW-Authenticate: Bearer\r\n"
                    + "Transfer-Encoding: chunked\r\n"
                    + "\r\n"
                    + "6\r\nlog in\r\n7\r\n first.\r\n0\r\n\r\n");
            HttpHead response = client.readHead();
            assertEquals(401, response.status(), response::toString);
            assertEquals("Bearer", response.header("WWW-Authenticate"));
            assertEquals("log in first.", new String(client.readBody(response), StandardCharsets.UTF_8));
            client.awaitEof(WAIT);
        }
    }

    @Test
    void upgradeWithWrongAcceptGives502() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = requestUpgrade()) {
            RawUpstream.Connection connection = upstream.accept(WAIT);
            connection.readRequest();
            connection.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + HttpHead.acceptFor(HttpHead.newKey()) + "\r\n\r\n");
            HandshakeErrorTest.expectRefusal(client, 502);
            connection.awaitEof(WAIT);
        }
    }

    @Test
    void upgradeWithoutUpgradeHeaderGives502() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = requestUpgrade()) {
            RawUpstream.Connection connection = upstream.accept(WAIT);
            HttpHead request = connection.readRequest();
            connection.send("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + HttpHead.acceptFor(request.header("Sec-WebSocket-Key")) + "\r\n\r\n");
            HandshakeErrorTest.expectRefusal(client, 502);
            connection.awaitEof(WAIT);
        }
    }

    /** Opens a relayed connection from a raw client to the raw upstream. */
    private RawUpstream.Connection relayed(RawClient client) throws Exception {
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        RawUpstream.Connection connection = upstream.acceptHandshake();
        HttpHead response = client.readHead();
        assertEquals(101, response.status(), response::toString);
        return connection;
    }

    @Test
    void upstreamDroppingTcpInsideAFrameEndsTheClientConnectionWithoutAClose() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = RawClient.connect(proxy.address())) {
            RawUpstream.Connection connection = relayed(client);
            byte[] frame = Frame.binary(new byte[100], false);
            byte[] half = Arrays.copyOf(frame, 2 + 40);
            connection.send(half);
            connection.close();
            byte[] received = readUntilEof(client, Duration.ofSeconds(3));
            assertArrayEquals(half, received,
                    "the client gets the partial frame and then TCP close; nothing can be injected inside a frame");
        }
        Await.until("connection released", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void upstreamClosingTcpBetweenFramesGivesTheClientClose1014() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = RawClient.connect(proxy.address())) {
            RawUpstream.Connection connection = relayed(client);
            connection.send(Frame.text("last words", false));
            connection.close();
            Frame data = client.readFrame();
            assertEquals("last words", data.text());
            Frame close = client.readFrame();
            assertTrue(close.isClose(), () -> "expected Close 1014, got " + close);
            assertEquals(1014, close.closeCode(), close::toString);
            assertFalse(close.masked(), "frames to the client are not masked");
            client.sendClose(1014, "");
            client.awaitEof(WAIT);
        }
        Await.until("connection released", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void upstreamResettingTcpGivesTheClientClose1014() throws Exception {
        upstream = RawUpstream.start();
        proxy = Proxies.start(upstream.uri());
        try (RawClient client = RawClient.connect(proxy.address())) {
            RawUpstream.Connection connection = relayed(client);
            connection.abort();
            Frame close = client.readFrame();
            assertTrue(close.isClose(), () -> "expected Close 1014, got " + close);
            assertEquals(1014, close.closeCode(), close::toString);
            client.sendClose(1014, "");
            client.awaitEof(WAIT);
        }
    }

    private static byte[] readUntilEof(RawClient client, Duration deadline) throws IOException {
        client.socket().setSoTimeout((int) deadline.toMillis());
        InputStream in = client.input();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                received.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // a reset ends the connection as well
        }
        return received.toByteArray();
    }
}
