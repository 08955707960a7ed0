package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.ProxyServer;
import io.wsproxy.TlsInfo;
import io.wsproxy.tls.ClientAuth;
import io.wsproxy.tls.KeyMaterial;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.TestPki;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.ClientRequest;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Client certificates (mutual TLS) on a wss:// listener. With {@link ClientAuth#REQUIRED} a client without a
 * certificate is refused in the TLS handshake, before any HTTP, and nothing reaches the upstream; a client with
 * client.pem (issued by ca.pem) gets through, and its verified certificate is what a {@link BalancingStrategy} sees
 * in {@link ClientRequest#tls()} and what {@link ProxyServer#connections()} reports. With {@link ClientAuth#OPTIONAL}
 * a client without a certificate gets through with none.
 */
@Timeout(60)
class ClientAuthTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String CLIENT_SUBJECT = "CN=Test Client";

    @Test
    void requiredRefusesAClientWithoutACertificateInTheHandshake() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = clientAuthTls(ClientAuth.REQUIRED)) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            try {
                SSLHandshakeException refused = refusal(proxy);
                assertTrue(refused.getMessage().contains("alert"), refused::toString);
                Await.until("the refused connection to be closed", DEADLINE, () -> proxy.openConnections() == 0);
                assertEquals(0, echo.openedCount(), "nothing reached the upstream");
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void requiredLetsAClientWithACertificateInAndShowsItToTheStrategyAndInConnections() throws Exception {
        RecordingStrategy strategy = new RecordingStrategy();
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = clientAuthTls(ClientAuth.REQUIRED)) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri())
                    .upstreams(UpstreamPool.builder().add(echo.uri()).strategy(strategy).build())
                    .build().start();
            TestClient client = null;
            try {
                TestPki pki = TlsFixtures.pki();
                KeyMaterial clientKey = KeyMaterial.fromPem(pki.file("client.pem"), pki.file("client.key"));
                client = TlsFixtures.openWss(TlsFixtures.wssUri(proxy), TlsFixtures.clientContext("ca.pem", clientKey));
                client.send("with a certificate");
                assertEquals("with a certificate", client.nextText(DEADLINE));

                ClientRequest request = strategy.next();
                TlsInfo seen = request.tls();
                assertNotNull(seen, "the strategy sees the TLS session of a wss:// client");
                assertNotNull(seen.peerCertificate(), () -> "the strategy sees the client certificate: " + seen);
                assertEquals(CLIENT_SUBJECT, seen.peerCertificate().getSubjectX500Principal().getName());
                assertEquals(TlsFixtures.certificate("client.pem"), seen.peerCertificate());

                List<ConnectionInfo> connections = proxy.connections();
                assertEquals(1, connections.size(), connections::toString);
                TlsInfo reported = connections.get(0).tls();
                assertNotNull(reported, connections::toString);
                assertEquals(CLIENT_SUBJECT, reported.peerCertificate().getSubjectX500Principal().getName());
            } finally {
                if (client != null) {
                    client.closeQuietly(DEADLINE);
                }
                proxy.close();
            }
        }
    }

    @Test
    void optionalLetsAClientWithoutACertificateInWithNone() throws Exception {
        RecordingStrategy strategy = new RecordingStrategy();
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = clientAuthTls(ClientAuth.OPTIONAL)) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri())
                    .upstreams(UpstreamPool.builder().add(echo.uri()).strategy(strategy).build())
                    .build().start();
            TestClient client = null;
            try {
                client = TlsFixtures.openWss(TlsFixtures.wssUri(proxy), TlsFixtures.clientContext("ca.pem", null));
                client.send("without a certificate");
                assertEquals("without a certificate", client.nextText(DEADLINE));

                TlsInfo seen = strategy.next().tls();
                assertNotNull(seen, "the strategy sees the TLS session of a wss:// client");
                assertEquals(List.of(), seen.peerCertificates());
                assertEquals(List.of(), proxy.connections().get(0).tls().peerCertificates());
            } finally {
                if (client != null) {
                    client.closeQuietly(DEADLINE);
                }
                proxy.close();
            }
        }
    }

    private static ServerTls clientAuthTls(ClientAuth mode) throws IOException {
        TestPki pki = TlsFixtures.pki();
        return ServerTls.builder()
                .certificate(pki.file("localhost-chain.pem"), pki.file("localhost.key"))
                .clientAuth(mode, pki.file("ca.pem"))
                .build();
    }

    /**
     * Connects without a client certificate and returns how the server refused it: in the handshake, with a fatal
     * alert. With TLS 1.3 the client finishes its side before the server checks its certificate, so the alert
     * arrives with the client's first read, before it could send any HTTP.
     */
    private static SSLHandshakeException refusal(ProxyServer proxy) throws IOException {
        try (SSLSocket socket = (SSLSocket) TlsFixtures.clientContext("ca.pem", null).getSocketFactory()
                .createSocket("localhost", proxy.address().getPort())) {
            socket.setSoTimeout((int) DEADLINE.toMillis());
            return assertThrows(SSLHandshakeException.class, () -> {
                socket.startHandshake();
                int first = socket.getInputStream().read();
                fail("The client without a certificate could read: " + first);
            });
        }
    }

    /** Round-robin, remembering every request it is asked about. */
    private static final class RecordingStrategy implements BalancingStrategy {
        private final BalancingStrategy delegate = BalancingStrategy.roundRobin();
        private final BlockingQueue<ClientRequest> requests = new LinkedBlockingQueue<>();

        @Override
        public Upstream choose(List<Upstream> candidates, ClientRequest request) {
            requests.add(request);
            return delegate.choose(candidates, request);
        }

        @Override
        public void connectionOpened(Upstream upstream) {
            delegate.connectionOpened(upstream);
        }

        @Override
        public void connectionClosed(Upstream upstream) {
            delegate.connectionClosed(upstream);
        }

        ClientRequest next() throws InterruptedException {
            ClientRequest request = requests.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            if (request == null) {
                fail("The strategy was asked about no connection within " + DEADLINE.toMillis() + " ms");
            }
            return request;
        }
    }
}
