package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A wss:// listener turns away what is not a TLS 1.2+ client, at the TLS layer and without bothering the upstream:
 * a ClientHello that offers only TLS 1.1 gets a fatal protocol_version alert and the connection is closed; bytes
 * that are not TLS at all (plain HTTP, noise) are closed at once rather than at the handshake timeout; and a client
 * that stalls halfway through its ClientHello is closed at the handshake timeout, with no HTTP answer (none could be
 * read without TLS). In every case the proxy's connection count returns to zero, a relayed connection opened before
 * is unaffected, and, once the class is done, no socket, pipe or selector remains open.
 *
 * <p>The leak check is done here rather than with the {@link LeakCheck} extension, whose thread check would also
 * count the certificate file watch's shared thread ({@code wsproxy-tls-watch}), which other classes of this module
 * start and which outlives them.
 */
@Timeout(60)
class TlsRefusalTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Open descriptors allowed above the baseline after the class, as {@link LeakCheck} allows. */
    private static final int DESCRIPTOR_SLACK = 4;
    /** TLS record content types (RFC 8446 §5.1) and the alert of RFC 8446 §6. */
    private static final int ALERT = 21;
    private static final int FATAL = 2;
    private static final int PROTOCOL_VERSION = 70;

    private static int descriptorsBefore;

    @BeforeAll
    static void countDescriptors() throws IOException {
        TlsFixtures.pki(); // made once per JVM; not counted as this class's
        descriptorsBefore = LeakCheck.openNetworkDescriptors();
    }

    @AfterAll
    static void nothingLeftOpen() {
        Await.until(() -> "open sockets, pipes and selectors back to " + descriptorsBefore + " (+" + DESCRIPTOR_SLACK
                        + "), now " + LeakCheck.openNetworkDescriptors(), DEADLINE,
                () -> LeakCheck.openNetworkDescriptors() <= descriptorsBefore + DESCRIPTOR_SLACK);
        Await.until(() -> "no event-loop thread left: " + LeakCheck.proxyThreads(), DEADLINE,
                () -> LeakCheck.proxyThreads().stream().allMatch(name -> name.equals("wsproxy-tls-watch")));
    }

    @Test
    void aClientHelloOfferingOnlyTls11GetsAProtocolVersionAlert() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).handshakeTimeout(Duration.ofSeconds(60))
                    .build().start();
            try (Socket socket = connect(proxy.address())) {
                socket.getOutputStream().write(tls11ClientHello());

                byte[] answer = readUntilClosed(socket);
                assertTrue(answer.length >= 7, () -> "an alert record, got " + hex(answer));
                assertEquals(ALERT, answer[0], () -> "an alert record, got " + hex(answer));
                assertEquals(FATAL, answer[5], () -> "a fatal alert, got " + hex(answer));
                assertEquals(PROTOCOL_VERSION, answer[6], () -> "protocol_version, got " + hex(answer));
                Await.until("the connection to be closed", DEADLINE, () -> proxy.openConnections() == 0);
                assertEquals(0, echo.openedCount(), "nothing reached the upstream");
            } finally {
                proxy.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain HTTP", "noise"})
    void bytesThatAreNotTlsAreClosedAtOnceAndOtherConnectionsGoOn(String what) throws Exception {
        byte[] bytes = what.equals("plain HTTP") ? "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)
                : noise();
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            // A long handshake timeout: closing within the deadline is the refusal, not the timeout.
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).handshakeTimeout(Duration.ofSeconds(60))
                    .build().start();
            TestClient other = null;
            try {
                other = TlsFixtures.openWss(TlsFixtures.wssUri(proxy));
                try (Socket socket = connect(proxy.address())) {
                    socket.getOutputStream().write(bytes);
                    byte[] answer = readUntilClosed(socket);
                    if (what.equals("plain HTTP")) {
                        String text = new String(answer, StandardCharsets.US_ASCII);
                        assertTrue(text.startsWith("HTTP/1.1 400 "), text);
                    }
                }
                Await.until(() -> "only the relayed connection left: " + proxy.connections(), DEADLINE,
                        () -> proxy.openConnections() == 1);
                other.send("unaffected");
                assertEquals("unaffected", other.nextText(DEADLINE));
                assertEquals(1, echo.openedCount(), "only the relayed connection reached the upstream");
            } finally {
                if (other != null) {
                    other.closeQuietly(DEADLINE);
                }
                proxy.close();
            }
            Await.until("every connection closed", DEADLINE, () -> proxy.openConnections() == 0);
        }
    }

    @Test
    void aClientThatStallsInsideItsClientHelloIsClosedAtTheHandshakeTimeout() throws Exception {
        Duration handshakeTimeout = Duration.ofMillis(500);
        byte[] hello = jdkClientHello();
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).handshakeTimeout(handshakeTimeout)
                    .build().start();
            try (Socket socket = new Socket()) {
                long start = System.nanoTime();
                socket.connect(proxy.address(), (int) DEADLINE.toMillis());
                socket.getOutputStream().write(Arrays.copyOf(hello, hello.length / 2));

                byte[] answer = readUntilClosed(socket);
                long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(0, answer.length, () -> "no answer, not even an alert: " + hex(answer));
                assertTrue(elapsedMillis >= handshakeTimeout.toMillis() / 2,
                        "closed after " + elapsedMillis + " ms, before the handshake timeout of " + handshakeTimeout);
                Await.until("the connection to be closed", DEADLINE, () -> proxy.openConnections() == 0);
                assertEquals(0, echo.openedCount(), "nothing reached the upstream");
            } finally {
                proxy.close();
            }
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, (int) DEADLINE.toMillis());
        return socket;
    }

    /**
     * Reads until the proxy closes the connection (end of stream or reset) and returns what came; fails if it is
     * still open after {@link #DEADLINE}.
     */
    private static byte[] readUntilClosed(Socket socket) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] chunk = new byte[4096];
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            long remainingMillis = (end - System.nanoTime()) / 1_000_000;
            assertTrue(remainingMillis > 0, () -> "the proxy did not close the connection within " + DEADLINE
                    + "; received " + hex(received.toByteArray()));
            socket.setSoTimeout((int) remainingMillis);
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (SocketException e) {
                return received.toByteArray(); // a reset: closed too
            }
            if (n < 0) {
                return received.toByteArray();
            }
            received.write(chunk, 0, n);
        }
    }

    /**
     * A ClientHello record offering only TLS 1.1 (RFC 4346 §7.4.1.2: client_version 3.2, no supported_versions
     * extension) with three CBC suites, as an old client sends it; the JDK's own client will not offer TLS 1.1.
     */
    private static byte[] tls11ClientHello() {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        hello.writeBytes(new byte[] {3, 2}); // client_version TLS 1.1
        byte[] random = new byte[32];
        new Random(1).nextBytes(random);
        hello.writeBytes(random);
        hello.write(0); // no session id
        hello.writeBytes(new byte[] {0, 6, 0x00, 0x2f, (byte) 0xc0, 0x09, (byte) 0xc0, 0x13}); // cipher_suites
        hello.writeBytes(new byte[] {1, 0}); // compression_methods: null
        byte[] body = hello.toByteArray();

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        int handshakeLength = body.length + 4;
        record.writeBytes(new byte[] {22, 3, 1, (byte) (handshakeLength >> 8), (byte) handshakeLength}); // handshake
        record.writeBytes(new byte[] {1, 0, (byte) (body.length >> 8), (byte) body.length}); // client_hello
        record.writeBytes(body);
        return record.toByteArray();
    }

    /** The ClientHello record a JDK client sends first (TLS 1.3 and 1.2 offered). */
    private static byte[] jdkClientHello() throws IOException {
        SSLEngine engine = TlsFixtures.clientContext("ca.pem", null).createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        assertEquals(22, hello[0], "a handshake record");
        assertFalse(hello.length < 100, "a whole ClientHello");
        return hello;
    }

    /**
     * Bytes that are no TLS record: the first is no content type (20 to 23), nor an SSLv2-style length with its high
     * bit set, nor the capital letter of a plain-text request; the rest is seeded noise.
     */
    private static byte[] noise() {
        byte[] bytes = new byte[64];
        new Random(6455).nextBytes(bytes);
        bytes[0] = 0x05;
        return bytes;
    }

    private static String hex(byte[] bytes) {
        return bytes.length + " bytes " + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 64));
    }
}
