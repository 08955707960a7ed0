package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.KeyMaterial;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.TestPki;
import io.wsproxy.tls.TrustMaterial;
import io.wsproxy.tls.internal.TrustEverything;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.java_websocket.drafts.Draft_6455;

/** TLS settings, clients and proxies shared by the wss:// tests; certificates from {@link TestPki#shared()}. */
public final class TlsFixtures {
    /** Read timeout of the hand-driven TLS sockets, so that a test fails instead of hanging. */
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

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
        return context(clientKey == null ? null : new KeyManager[] {clientKey.keyManager()},
                new TrustManager[] {TrustMaterial.fromPem(pki().file(caFile)).trustManager()});
    }

    /**
     * A client context that accepts whatever certificate the server presents, for tests that look at which one that
     * is (the session's peer certificates) rather than whether it verifies.
     */
    public static SSLContext trustingEverythingContext() {
        return context(null, new TrustManager[] {TrustEverything.INSTANCE});
    }

    /** A server context presenting {@code chainFile} with {@code keyFile}: what a wss:// backend serves. */
    public static SSLContext serverContext(String chainFile, String keyFile) throws IOException {
        KeyMaterial material = KeyMaterial.fromPem(pki().file(chainFile), pki().file(keyFile));
        return context(new KeyManager[] {material.keyManager()}, null);
    }

    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
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

    /**
     * A JDK {@link SSLSocket} to {@code address} that sends {@code serverName} as SNI (none when null), handshake
     * done. Reads time out after 10 s.
     */
    public static SSLSocket connectTls(InetSocketAddress address, SSLContext context, String serverName)
            throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        try {
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            socket.setSSLParameters(parameters);
            socket.connect(address, SOCKET_TIMEOUT_MILLIS);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Writes a WebSocket upgrade request by hand on {@code socket} and reads the answer, which must be {@code 101}
     * with the right Accept; returns its head. Frames follow on the socket's streams.
     */
    public static HttpHead upgrade(Socket socket, String host) throws IOException {
        String key = HttpHead.newKey();
        OutputStream out = socket.getOutputStream();
        out.write(upgradeRequest(host, key).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        HttpHead response = HttpHead.read(socket.getInputStream());
        assertEquals(101, response.status(), () -> "Expected 101, got " + response);
        assertEquals(HttpHead.acceptFor(key), response.header("Sec-WebSocket-Accept"), "Sec-WebSocket-Accept");
        return response;
    }

    /** A valid upgrade request for {@code /} with {@code key}. */
    public static String upgradeRequest(String host, String key) {
        return "GET / HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
    }

    /** The server's chain as the client received it, leaf first. */
    public static List<X509Certificate> presentedChain(SSLSocket socket) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate certificate : socket.getSession().getPeerCertificates()) {
            chain.add((X509Certificate) certificate);
        }
        return chain;
    }

    /** Every certificate of a PEM file of the test PKI, in file order; parsed by the JDK, not by proxy-tls. */
    public static List<X509Certificate> certificates(String pemFile) throws IOException {
        try (InputStream in = Files.newInputStream(pki().file(pemFile))) {
            List<X509Certificate> result = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                result.add((X509Certificate) certificate);
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first certificate of a PEM file of the test PKI. */
    public static X509Certificate certificate(String pemFile) throws IOException {
        return certificates(pemFile).get(0);
    }

    /** SHA-256 of {@code bytes} in hex, to compare large messages with a short failure message. */
    public static String sha256(byte[] bytes) {
        try {
            return bytes.length + " bytes, sha256 "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
