package io.wsproxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.RawClient;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that speaks plain text where TLS is expected gets an answer that says so: a plain HTTP request on a wss://
 * listener is answered {@code 400} in plain text (as nginx does) and closed; a wss:// upstream that answers in plain text
 * (an HTTP server without TLS) fails like an unreachable one, so the client gets {@code 502}.
 */
class PlainTextPeerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(60)
    void aPlainHttpRequestOnTheTlsPortIsAnswered400() throws Exception {
        TestPki pki = TestPki.shared();
        try (EchoBackend echo = EchoBackend.start();
                ServerTls tls = ServerTls.builder()
                        .certificate(pki.file("localhost-chain.pem"), pki.file("localhost.key")).build()) {
            ProxyServer proxy = ProxyServer.builder().listen(new InetSocketAddress("127.0.0.1", 0), tls)
                    .upstreams(UpstreamPool.of(echo.uri())).eventLoops(1).build().start();
            try (RawClient client = RawClient.connect(proxy.address())) {
                client.send(client.upgradeRequest("/", HttpHead.newKey()));
                HttpHead head = client.readHead();
                assertEquals(400, head.status(), head.toString());
                String body = new String(client.readBody(head), StandardCharsets.US_ASCII);
                assertTrue(body.contains("TLS"), body);
                client.awaitEof(DEADLINE);
                Await.until("the connection to be closed", DEADLINE, () -> proxy.openConnections() == 0);
                assertEquals(0, echo.openedCount(), "nothing reached the upstream");
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void aWssUpstreamThatSpeaksPlainTextFailsWith502() throws Exception {
        // A plain HTTP server, as nginx is on a port without ssl: whatever arrives, it answers 400 in plain text.
        try (ServerSocket plain = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket socket = plain.accept()) {
                    socket.getInputStream().read(new byte[1024]);
                    socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // The test fails on the client's side.
                }
            }, "plain-http-upstream");
            server.start();
            ProxyServer proxy = ProxyServer.builder().listen("127.0.0.1", 0)
                    .upstreams(UpstreamPool.of("wss://127.0.0.1:" + plain.getLocalPort()))
                    .upstreamTls(UpstreamTls.builder().insecure().build())
                    .maxUpstreamTries(1).eventLoops(1).build().start();
            try (RawClient client = RawClient.connect(proxy.address())) {
                client.send(client.upgradeRequest("/", HttpHead.newKey()));
                HttpHead head = client.readHead();
                assertEquals(502, head.status(), head.toString());
            } finally {
                proxy.close();
                server.join(DEADLINE.toMillis());
            }
        }
    }
}
