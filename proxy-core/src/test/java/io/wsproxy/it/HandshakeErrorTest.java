package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.TestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client upgrade requests the proxy must refuse with an HTTP status (DESIGN.md §4), without contacting an upstream,
 * without leaking internals in the body, and while still serving well-behaved clients afterwards.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 15, unit = SECONDS)
class HandshakeErrorTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Signs of a stack trace or a Java class name in a response body. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Exception|\\bat [a-z]+\\.|java\\.|javax\\.|io\\.wsproxy|sun\\.|\\.java:\\d+|NullPointer");

    private EchoBackend backend;
    private ProxyServer proxy;
    private boolean upstreamMayBeContacted;

    @BeforeEach
    void start() throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.start(backend.uri());
    }

    @AfterEach
    void proxyStillServesANormalClient() throws Exception {
        try {
            if (!upstreamMayBeContacted) {
                assertEquals(0, backend.openedCount(), "the upstream must get nothing for a refused handshake");
            }
            TestClient client = TestClient.open(Proxies.uri(proxy));
            client.send("still serving");
            assertEquals("still serving", client.nextText(WAIT));
            client.closeQuietly(Duration.ofSeconds(2));
        } finally {
            Proxies.closeQuietly(proxy);
            backend.close();
        }
    }

    /** Sends {@code request} on a fresh connection; returns the response head, having checked body and close. */
    private HttpHead refused(String request, int expectedStatus) throws IOException {
        try (RawClient client = RawClient.connect(proxy.address())) {
            client.send(request);
            return expectRefusal(client, expectedStatus);
        }
    }

    static HttpHead expectRefusal(RawClient client, int expectedStatus) throws IOException {
        HttpHead response = client.readHead();
        assertEquals(expectedStatus, response.status(), response::toString);
        assertTrue(response.startLine().startsWith("HTTP/1.1 "), response.startLine());
        byte[] body = client.readBody(response);
        String text = new String(body, StandardCharsets.UTF_8);
        assertFalse(INTERNALS.matcher(text).find(), () -> "response body leaks internals: " + text);
        client.awaitEof(WAIT);
        return response;
    }

    private String host() {
        return "Host: 127.0.0.1:" + proxy.address().getPort();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "GARBAGE",
        "GET",
        "GET /",
        "GET / HTTP/1.1 extra",
        "GET / HTTZ/1.1",
        "G\u0001T / HTTP/1.1",
    })
    void malformedRequestLineGets400(String requestLine) throws Exception {
        refused(requestLine + "\r\n" + host() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Host 127.0.0.1", "Bad Name: value", ": no name", "Upgrade : websocket"})
    void malformedHeaderLineGets400(String badLine) throws Exception {
        refused("GET / HTTP/1.1\r\n" + host() + "\r\n" + badLine + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400);
    }

    @Test
    void http10Gets400() throws Exception {
        refused("GET / HTTP/1.0\r\n" + host() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400);
    }

    @Test
    void missingHostGets400() throws Exception {
        refused("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400);
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @ValueSource(strings = {"tooshort", "not base64 at all!!!!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""})
    void badSecWebSocketKeyGets400(String key) throws Exception {
        refused("GET / HTTP/1.1\r\n" + host() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400);
    }

    @Test
    void missingSecWebSocketKeyGets400() throws Exception {
        refused("GET / HTTP/1.1\r\n" + host() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n", 400);
    }

    @Test
    void plainGetWithoutUpgradeGets426NamingWebsocket() throws Exception {
        HttpHead response = refused("GET /index.html HTTP/1.1\r\n" + host() + "\r\nAccept: */*\r\n\r\n", 426);
        assertTrue(response.headerHasToken("Upgrade", "websocket"), response::toString);
    }

    @Test
    void unsupportedWebSocketVersionGets426Naming13() throws Exception {
        HttpHead response = refused("GET / HTTP/1.1\r\n" + host() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 8\r\n\r\n", 426);
        assertEquals("13", response.header("Sec-WebSocket-Version"), response::toString);
    }

    @Test
    void headerBlockOver16KiBGets431() throws Exception {
        String big = "X-Big: " + "a".repeat(17 * 1024);
        refused("GET / HTTP/1.1\r\n" + host() + "\r\n" + big + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 431);
    }

    @Test
    void tooManyHeaderFieldsGet431() throws Exception {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            many.append("X-Field-").append(i).append(": ").append(i).append("\r\n");
        }
        refused("GET / HTTP/1.1\r\n" + host() + "\r\n" + many + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + HttpHead.newKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 431);
    }

    @Test
    void requestSentOneByteAtATimeSucceeds() throws Exception {
        upstreamMayBeContacted = true;
        try (RawClient client = RawClient.connect(proxy.address())) {
            String key = HttpHead.newKey();
            client.sendOneByteAtATime(client.upgradeRequest("/slow", key).getBytes(StandardCharsets.ISO_8859_1));
            HttpHead response = client.readHead();
            assertEquals(101, response.status(), response::toString);
            assertEquals(HttpHead.acceptFor(key), response.header("Sec-WebSocket-Accept"));
            assertEquals("/slow", backend.nextHandshake(WAIT).resource());
            client.sendOneByteAtATime(Frame.text("byte by byte", true));
            Frame echoed = client.readFrame();
            assertEquals("byte by byte", echoed.text());
        }
    }

    @Test
    void halfARequestGets408AfterTheHandshakeTimeout() throws Exception {
        Proxies.closeQuietly(proxy);
        proxy = Proxies.to(backend.uri()).handshakeTimeout(Duration.ofMillis(300)).build().start();
        try (RawClient client = RawClient.connect(proxy.address())) {
            long start = System.nanoTime();
            client.send("GET / HTTP/1.1\r\n" + host() + "\r\nUpgrade: webs");
            expectRefusal(client, 408);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMillis >= 250, "408 came after " + elapsedMillis + " ms, before the 300 ms timeout");
            assertTrue(elapsedMillis < 2_000, "408 came after " + elapsedMillis + " ms, long after the 300 ms timeout");
        }
    }

    @Test
    void idleConnectionWithoutAnyRequestGets408OrCloseAfterTheHandshakeTimeout() throws Exception {
        Proxies.closeQuietly(proxy);
        proxy = Proxies.to(backend.uri()).handshakeTimeout(Duration.ofMillis(300)).build().start();
        try (RawClient client = RawClient.connect(proxy.address())) {
            client.awaitEof(Duration.ofSeconds(2)); // a 408 may precede the close; the connection must end
        }
        Await.until("idle connection released", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void connectionLimitGets503WithRetryAfter() throws Exception {
        upstreamMayBeContacted = true;
        Proxies.closeQuietly(proxy);
        proxy = Proxies.to(backend.uri()).maxConnections(1).build().start();
        TestClient first = TestClient.open(Proxies.uri(proxy));
        try {
            Await.until("one relayed connection", WAIT, () -> proxy.openConnections() == 1);
            try (RawClient second = RawClient.connect(proxy.address())) {
                second.send(second.upgradeRequest("/", HttpHead.newKey()));
                HttpHead response = expectRefusal(second, 503);
                String retryAfter = response.header("Retry-After");
                assertNotNull(retryAfter, () -> "503 without Retry-After: " + response);
                assertTrue(retryAfter.matches("\\d+"), "Retry-After in seconds: " + retryAfter);
            }
            assertEquals(1, backend.openedCount(), "the refused client must not reach the upstream");
        } finally {
            first.closeQuietly(Duration.ofSeconds(2));
        }
        Await.until("the limit frees up", WAIT, () -> proxy.openConnections() == 0);
        // @AfterEach then checks that a new client is served again.
    }
}
