package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.ProxyServer;
import io.wsproxy.TlsInfo;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.UpstreamTls;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Text, binary, 16 MiB messages and close codes cross the proxy intact whichever hop is TLS: a wss:// client to a
 * ws:// backend, a ws:// client to a wss:// backend, and wss:// on both hops, all on real TLS handshakes with
 * Java-WebSocket on both ends. Also, {@link ProxyServer#connections()} reports what a wss:// client's handshake
 * settled (TLS 1.3) and nothing for a ws:// client.
 */
class WssRelayTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** For 16 MiB through two TLS hops and Java-WebSocket's own TLS on a loaded machine. */
    private static final Duration LARGE_DEADLINE = Duration.ofSeconds(90);
    private static final int LARGE = 16 * 1024 * 1024;
    /**
     * Longer than {@link #DEADLINE}: a close handshake that ends within the deadline ended because both peers closed,
     * not because the proxy gave up waiting (Java-WebSocket's TLS server sends its close_notify and FIN right after
     * its Close frame, which the proxy must notice).
     */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    /** Which hops of the relay are TLS. */
    enum Hops {
        WSS_TO_WS(true, false),
        WS_TO_WSS(false, true),
        WSS_TO_WSS(true, true);

        final boolean client;
        final boolean upstream;

        Hops(boolean client, boolean upstream) {
            this.client = client;
            this.upstream = upstream;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hops.class)
    @Timeout(60)
    void textAndBinaryMessagesAreEchoed(Hops hops) throws Exception {
        try (Route route = Route.start(hops)) {
            TestClient client = route.open();
            try {
                client.send("hello over " + hops);
                assertEquals("hello over " + hops, client.nextText(DEADLINE));
                byte[] binary = {0, 1, 2, (byte) 0xfe, (byte) 0xff, 0x7f, (byte) 0x80};
                client.send(binary);
                assertArrayEquals(binary, client.nextBinary(DEADLINE));

                assertEquals("hello over " + hops, route.backend.nextMessage(DEADLINE));
                assertArrayEquals(binary, assertInstanceOf(byte[].class, route.backend.nextMessage(DEADLINE)));
                assertEquals(hops.client ? "https" : "http",
                        route.backend.nextHandshake(DEADLINE).header("X-Forwarded-Proto"));
                if (hops.upstream) {
                    assertEquals("TLSv1.3", route.backend.protocols.poll(), "the proxy's TLS to the backend");
                }
            } finally {
                client.closeQuietly(DEADLINE);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hops.class)
    @Timeout(180)
    void aSixteenMebibyteMessageCrossesIntactEachWay(Hops hops) throws Exception {
        byte[] large = new byte[LARGE];
        new Random(6455).nextBytes(large);
        try (Route route = Route.start(hops)) {
            TestClient client = route.open();
            try {
                client.send(large);

                byte[] atBackend = assertInstanceOf(byte[].class, route.backend.nextMessage(LARGE_DEADLINE));
                assertEquals(TlsFixtures.sha256(large), TlsFixtures.sha256(atBackend), "client to backend");
                // The echo is a new 16 MiB message from the backend: the other direction.
                byte[] atClient = client.nextBinary(LARGE_DEADLINE);
                assertEquals(TlsFixtures.sha256(large), TlsFixtures.sha256(atClient), "backend to client");
            } finally {
                client.closeQuietly(DEADLINE);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hops.class)
    @Timeout(60)
    void theClientsCloseCodeAndReasonReachTheBackend(Hops hops) throws Exception {
        try (Route route = Route.start(hops)) {
            TestClient client = route.open();
            client.close(4000, "bye");

            CloseEvent atBackend = route.backend.nextClose(DEADLINE);
            assertEquals(new CloseEvent(4000, "bye", true), atBackend);
            CloseEvent atClient = client.awaitClose(DEADLINE);
            assertEquals(4000, atClient.code(), () -> "the backend's reply, at the client: " + atClient);
            Await.until("the proxy to close both sides", DEADLINE, () -> route.proxy.openConnections() == 0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hops.class)
    @Timeout(60)
    void theBackendsCloseCodeAndReasonReachTheClient(Hops hops) throws Exception {
        try (Route route = Route.start(hops)) {
            TestClient client = route.open();
            route.backend.nextHandshake(DEADLINE);
            route.backend.closeAll(4001, "later");

            assertEquals(new CloseEvent(4001, "later", true), client.awaitClose(DEADLINE));
            CloseEvent atBackend = route.backend.nextClose(DEADLINE);
            assertEquals(4001, atBackend.code(), () -> "the client's reply, at the backend: " + atBackend);
            Await.until("the proxy to close both sides", DEADLINE, () -> route.proxy.openConnections() == 0);
        }
    }

    @Test
    @Timeout(60)
    void connectionsShowTheTlsSessionOfAWssClientAndNoneForAWsClient() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build().start();
            TestClient secure = null;
            TestClient plain = null;
            try {
                List<InetSocketAddress> listeners = proxy.addresses();
                secure = TlsFixtures.openWss(URI.create("wss://localhost:" + listeners.get(0).getPort() + "/"));
                plain = TestClient.open(TestClient.uriOf(listeners.get(1)));
                int securePort = secure.getLocalSocketAddress().getPort();
                int plainPort = plain.getLocalSocketAddress().getPort();

                Await.until(() -> "both connections relaying: " + proxy.connections(), DEADLINE,
                        () -> proxy.connections().stream()
                                .filter(c -> c.state() == ConnectionInfo.State.RELAYING).count() == 2);
                Map<Integer, ConnectionInfo> byClientPort = proxy.connections().stream()
                        .collect(Collectors.toMap(c -> c.client().getPort(), c -> c));
                TlsInfo info = byClientPort.get(securePort).tls();
                assertNotNull(info, () -> "TLS of the wss:// client: " + byClientPort);
                assertEquals("TLSv1.3", info.protocol());
                assertNotNull(info.cipherSuite());
                assertEquals(List.of(), info.peerCertificates(), "no client certificate was asked for");
                assertNull(byClientPort.get(plainPort).tls(), () -> "TLS of the ws:// client: " + byClientPort);
            } finally {
                if (secure != null) {
                    secure.closeQuietly(DEADLINE);
                }
                if (plain != null) {
                    plain.closeQuietly(DEADLINE);
                }
                proxy.close();
            }
        }
    }

    /**
     * A backend (wss:// with localhost-chain.pem, or ws://) and a proxy in front of it, with TLS on the hops that
     * {@link Hops} says; the proxy trusts ca.pem toward the backend.
     */
    private static final class Route implements AutoCloseable {
        final Hops hops;
        final TlsEchoBackend backend;
        final ServerTls tls;
        final ProxyServer proxy;

        private Route(Hops hops, TlsEchoBackend backend, ServerTls tls, ProxyServer proxy) {
            this.hops = hops;
            this.backend = backend;
            this.tls = tls;
            this.proxy = proxy;
        }

        static Route start(Hops hops) throws Exception {
            TlsEchoBackend backend = hops.upstream
                    ? TlsEchoBackend.start(TlsFixtures.serverContext("localhost-chain.pem", "localhost.key"))
                    : TlsEchoBackend.startPlain();
            ServerTls tls = null;
            try {
                tls = hops.client ? TlsFixtures.localhostTls() : null;
                ProxyServer.Builder builder = tls != null ? TlsFixtures.proxyTo(tls, backend.uri())
                        : Proxies.to(backend.uri());
                builder.closeTimeout(CLOSE_TIMEOUT);
                if (hops.upstream) {
                    builder.upstreamTls(UpstreamTls.builder().trust(TlsFixtures.pki().file("ca.pem")).build());
                }
                return new Route(hops, backend, tls, builder.build().start());
            } catch (Exception | Error e) {
                if (tls != null) {
                    tls.close();
                }
                backend.close();
                throw e;
            }
        }

        /** A Java-WebSocket client through the proxy, over TLS when the client hop is. */
        TestClient open() throws Exception {
            return hops.client ? TlsFixtures.openWss(TlsFixtures.wssUri(proxy)) : TestClient.open(Proxies.uri(proxy));
        }

        @Override
        public void close() {
            try {
                proxy.close();
            } finally {
                if (tls != null) {
                    tls.close();
                }
                backend.close();
            }
        }
    }
}
