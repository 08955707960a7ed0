package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.TestPki;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One wss:// listener with three certificates (localhost-chain.pem, the default, first; rsa-chain.pem for
 * rsa.example.test and *.rsa.example.test; the self-signed ec.pem for ec.example.test) presents the one the client
 * names in SNI, whole chain included, and the default to a client that names an unknown host or none. Each case is
 * a JDK TLS client that accepts any certificate and looks at the chain presented, then completes a WebSocket upgrade
 * by hand on the same connection, echoes a frame, and finds its SNI name in {@link ProxyServer#connections()}.
 */
@Timeout(60)
class SniTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static EchoBackend echo;
    private static ServerTls tls;
    private static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = TlsFixtures.pki();
        echo = EchoBackend.start();
        echo.record(false);
        tls = ServerTls.builder()
                .certificate(pki.file("localhost-chain.pem"), pki.file("localhost.key"))
                .certificate(pki.file("rsa-chain.pem"), pki.file("rsa.key"))
                .certificate(pki.file("ec.pem"), pki.file("ec.key"))
                .build();
        proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
    }

    @AfterAll
    static void stop() {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            if (tls != null) {
                tls.close();
            }
            if (echo != null) {
                echo.close();
            }
        }
    }

    @ParameterizedTest(name = "SNI {0} -> {1}")
    @CsvSource(nullValues = "none", value = {
            "rsa.example.test,     rsa-chain.pem",
            "a.rsa.example.test,   rsa-chain.pem",
            "ec.example.test,      ec.pem",
            "unknown.example.test, localhost-chain.pem",
            "none,                 localhost-chain.pem",
    })
    void theCertificateForTheRequestedNameIsPresented(String serverName, String expectedChain) throws Exception {
        try (SSLSocket socket = TlsFixtures.connectTls(proxy.address(), TlsFixtures.trustingEverythingContext(),
                serverName)) {
            assertEquals(TlsFixtures.certificates(expectedChain), TlsFixtures.presentedChain(socket),
                    "the chain presented for SNI " + serverName);

            TlsFixtures.upgrade(socket, serverName == null ? "127.0.0.1" : serverName);
            echoes(socket, "through " + serverName);
            Await.until(() -> "a connection with SNI " + serverName + ": " + proxy.connections(), DEADLINE,
                    () -> proxy.connections().stream().anyMatch(c -> c.state() == ConnectionInfo.State.RELAYING
                            && c.tls() != null && Objects.equals(serverName, c.tls().serverName())));
        }
    }

    /** Sends a masked text frame and expects it back unmasked: the relay works on this connection. */
    private static void echoes(SSLSocket socket, String text) throws IOException {
        socket.getOutputStream().write(Frame.text(text, true));
        socket.getOutputStream().flush();
        Frame echoed = Frame.read(socket.getInputStream());
        assertEquals(Frame.TEXT, echoed.opcode(), echoed::toString);
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), echoed.payload());
        assertFalse(echoed.masked(), "frames to a client are not masked");
    }
}
