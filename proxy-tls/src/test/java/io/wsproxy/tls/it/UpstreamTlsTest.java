package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.UpstreamTls;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.TestClient;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS toward wss:// upstreams is verified like nginx's {@code proxy_ssl_verify on}: a backend whose certificate
 * names another host than the URI, or chains to a CA the proxy does not trust (the JDK's CAs, by default), fails
 * like an unreachable upstream and the ws:// client gets {@code 502}; {@code insecure()} accepts it. The URI's host
 * is what the backend receives as SNI, and an IP address is checked against the certificate but not sent as SNI
 * (RFC 6066 §3). The backends are Java-WebSocket servers with their own TLS.
 */
@Timeout(60)
class UpstreamTlsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    void aBackendWhoseCertificateNamesAnotherHostIsRefusedWith502() throws Exception {
        try (TlsEchoBackend backend = TlsEchoBackend.start(elsewhere())) {
            ProxyServer proxy = Proxies.to(backend.uri()).upstreamTls(trustingCa()).maxUpstreamTries(1)
                    .build().start();
            try {
                assertEquals(502, upgradeStatus(proxy), "elsewhere.example.test's certificate for localhost");
                assertEquals(0, backend.openedCount(), "no WebSocket reached the backend");
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void insecureAcceptsABackendWhoseCertificateNamesAnotherHost() throws Exception {
        try (TlsEchoBackend backend = TlsEchoBackend.start(elsewhere())) {
            ProxyServer proxy = Proxies.to(backend.uri()).upstreamTls(UpstreamTls.builder().insecure().build())
                    .build().start();
            try {
                echoes(proxy);
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void theDefaultTrustRefusesABackendIssuedByTheTestCaWith502() throws Exception {
        try (TlsEchoBackend backend = TlsEchoBackend.start(localhost())) {
            // No upstreamTls: the default found on the class path, the JDK's trusted CAs.
            ProxyServer proxy = Proxies.to(backend.uri()).maxUpstreamTries(1).build().start();
            try {
                assertEquals(502, upgradeStatus(proxy), "a certificate of the test CA, with the JDK's CAs");
                assertEquals(0, backend.openedCount(), "no WebSocket reached the backend");
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void theUriHostIsVerifiedAndSentAsSni() throws Exception {
        try (TlsEchoBackend backend = TlsEchoBackend.start(localhost())) {
            ProxyServer proxy = Proxies.to(backend.uri()).upstreamTls(trustingCa()).build().start();
            try {
                echoes(proxy);
                assertEquals("localhost", backend.nextServerName(DEADLINE), "SNI from the proxy");
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void anIpAddressInTheUriIsVerifiedButNotSentAsSni() throws Exception {
        try (TlsEchoBackend backend = TlsEchoBackend.start(localhost())) {
            // localhost.pem names IP:127.0.0.1 too.
            ProxyServer proxy = Proxies.to("wss://127.0.0.1:" + backend.port()).upstreamTls(trustingCa())
                    .build().start();
            try {
                echoes(proxy);
                assertEquals(TlsEchoBackend.NO_SERVER_NAME, backend.nextServerName(DEADLINE));
            } finally {
                proxy.close();
            }
        }
    }

    private static SSLContext elsewhere() throws Exception {
        return TlsFixtures.serverContext("elsewhere-chain.pem", "elsewhere.key");
    }

    private static SSLContext localhost() throws Exception {
        return TlsFixtures.serverContext("localhost-chain.pem", "localhost.key");
    }

    private static UpstreamTls trustingCa() throws Exception {
        return UpstreamTls.builder().trust(TlsFixtures.pki().file("ca.pem")).build();
    }

    /** The status of the proxy's answer to a ws:// upgrade request. */
    private static int upgradeStatus(ProxyServer proxy) throws Exception {
        try (RawClient client = RawClient.connect(proxy.address())) {
            client.send(client.upgradeRequest("/", HttpHead.newKey()));
            HttpHead head = client.readHead();
            client.readBody(head);
            return head.status();
        }
    }

    /** A ws:// client through the proxy echoes a message. */
    private static void echoes(ProxyServer proxy) throws Exception {
        TestClient client = TestClient.open(Proxies.uri(proxy));
        try {
            client.send("over verified tls");
            assertEquals("over verified tls", client.nextText(DEADLINE));
        } finally {
            client.closeQuietly(DEADLINE);
        }
    }
}
