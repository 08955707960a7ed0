package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.UpstreamTls;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TLS peer's end (close_notify, then the FIN) that arrives in the same read as its last record is noticed at once,
 * as a FIN is on plain TCP: a wss:// backend that closes right after sending its Close frame (as Java-WebSocket's
 * TLS server does) does not keep the connection open until the close timeout, and a wss:// client that leaves right
 * after its last message, without a Close frame, is reported to the backend with {@code 1001}. The peers write their
 * last records and close_notify in one TCP segment ({@link CoalescingSocket}), so the proxy reads them together
 * every time. Heartbeats are off and the close timeout is long, so only the end of stream can close the connections
 * within the deadline.
 */
class TlsEndOfStreamTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Longer than {@link #DEADLINE}: a connection closed within the deadline was not closed by this timeout. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(60)
    void aWssBackendThatClosesRightAfterItsCloseFrameIsDoneWithAtOnce() throws Exception {
        try (CoalescingSocket.Listener listener = new CoalescingSocket.Listener()) {
            CompletableFuture<Void> backend = CompletableFuture.runAsync(() -> closeRightAfterUpgrade(listener));
            ProxyServer proxy = Proxies.to("wss://localhost:" + listener.getLocalPort())
                    .upstreamTls(UpstreamTls.builder().trust(TlsFixtures.pki().file("ca.pem")).build())
                    .heartbeat(HeartbeatPolicy.disabled())
                    .closeTimeout(CLOSE_TIMEOUT)
                    .build().start();
            try (RawClient client = RawClient.open(proxy.address())) {
                Frame close = client.readFrame();
                assertEquals(4001, close.closeCode(), close::toString);
                backend.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                client.sendClose(4001, "later");
                client.awaitEof(DEADLINE);

                Await.until(() -> "the proxy to be done with the backend that closed: " + proxy.connections(),
                        DEADLINE, () -> proxy.openConnections() == 0);
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void aWssClientThatLeavesRightAfterItsLastMessageIsReportedToTheBackend() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            // No echo: a write to the departed client would reveal its departure another way.
            echo.echo(false);
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri())
                    .heartbeat(HeartbeatPolicy.disabled())
                    .closeTimeout(CLOSE_TIMEOUT)
                    .build().start();
            try (CoalescingSocket raw = CoalescingSocket.connect(proxy.address().getPort())) {
                SSLSocket client = raw.startTlsClient(TlsFixtures.clientContext("ca.pem", null), "localhost");
                TlsFixtures.upgrade(client, "localhost:" + proxy.address().getPort());
                echo.nextHandshake(DEADLINE);

                raw.hold();
                OutputStream out = client.getOutputStream();
                out.write(Frame.text("last words", true));
                out.flush();
                client.close(); // close_notify, then everything in one segment, then the FIN

                assertEquals("last words", echo.nextMessage(DEADLINE));
                CloseEvent close = echo.nextClose(DEADLINE);
                assertEquals(1001, close.code(), close::toString);
                Await.until("the proxy to close both sides", DEADLINE, () -> proxy.openConnections() == 0);
            } finally {
                proxy.close();
            }
        }
    }

    /** Accepts one connection over TLS, answers the upgrade, then sends Close 4001, close_notify and the FIN at once. */
    private static void closeRightAfterUpgrade(CoalescingSocket.Listener listener) {
        try (CoalescingSocket raw = listener.accept()) {
            SSLSocket socket = raw.startTlsServer(TlsFixtures.serverContext("localhost-chain.pem", "localhost.key"));
            HttpHead request = HttpHead.read(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + HttpHead.acceptFor(request.header("Sec-WebSocket-Key")) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            raw.hold();
            out.write(Frame.close(4001, "later", false));
            out.flush();
            // close_notify alone, as Java-WebSocket's TLS server sends it (SSLSocket.close() would add user_canceled,
            // after which the proxy's own writes fail and reveal the end another way); then the FIN.
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new IllegalStateException("The backend failed", e);
        }
    }
}
