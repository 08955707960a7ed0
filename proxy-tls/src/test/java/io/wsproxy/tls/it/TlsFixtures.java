package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.KeyMaterial;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.TestPki;
import io.wsproxy.tls.TrustMaterial;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.java_websocket.drafts.Draft_6455;

/** TLS settings, clients and proxies shared by the wss:// tests; certificates from {@link TestPki#shared()}. */
public final class TlsFixtures {
    private TlsFixtures() {
    }

    public static TestPki pki() throws IOException {
        return TestPki.shared();
    }

    /** A listener serving localhost-chain.pem (localhost, 127.0.0.1; issued by the intermediate of ca.pem). */
    public static ServerTls localhostTls() throws IOException {
        return ServerTls.builder().certificate(pki().file("localhost-chain.pem"), pki().file("localhost.key")).build();
    }

    /** A proxy builder with test-friendly timeouts and one wss:// listener on an ephemeral port. */
    public static ProxyServer.Builder proxyTo(ServerTls tls, String... upstreamUris) {
        return ProxyServer.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0), tls)
                .upstreams(UpstreamPool.of(upstreamUris))
                .eventLoops(2)
                .connectTimeout(Duration.ofSeconds(2))
                .handshakeTimeout(Duration.ofSeconds(5))
                .upstreamHandshakeTimeout(Duration.ofSeconds(5))
                .closeTimeout(Duration.ofSeconds(2))
                .shutdownTimeout(Duration.ofSeconds(2));
    }

    public static URI wssUri(ProxyServer proxy) {
        InetSocketAddress address = proxy.address();
        return URI.create("wss://localhost:" + address.getPort() + "/");
    }

    /** A client context trusting the CAs of {@code caFile} (PEM), presenting {@code clientKey} when not null. */
    public static SSLContext clientContext(String caFile, KeyMaterial clientKey) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(clientKey == null ? null : new KeyManager[] {clientKey.keyManager()},
                    new TrustManager[] {TrustMaterial.fromPem(pki().file(caFile)).trustManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Java-WebSocket client over TLS trusting ca.pem, connected and upgraded through {@code uri}. */
    public static TestClient openWss(URI uri) throws Exception {
        return openWss(uri, clientContext("ca.pem", null));
    }

    public static TestClient openWss(URI uri, SSLContext context) throws Exception {
        TestClient client = new TestClient(uri, new Draft_6455(), Map.of());
        client.setSocketFactory(context.getSocketFactory());
        assertTrue(client.connectBlocking(10, TimeUnit.SECONDS),
                () -> "wss handshake through the proxy failed: " + client.closed.getNow(null) + " " + client.errors);
        return client;
    }
}
