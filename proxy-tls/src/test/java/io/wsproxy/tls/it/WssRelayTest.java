package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.TestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class WssRelayTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(60)
    void aWssClientReachesAWsBackendThroughTheProxy() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            try {
                TestClient client = TlsFixtures.openWss(TlsFixtures.wssUri(proxy));
                client.send("hello over tls");
                assertEquals("hello over tls", client.nextText(DEADLINE));
                assertEquals("https", echo.nextHandshake(DEADLINE).header("X-Forwarded-Proto"));
                client.closeBlocking();
            } finally {
                proxy.close();
            }
        }
    }
}
