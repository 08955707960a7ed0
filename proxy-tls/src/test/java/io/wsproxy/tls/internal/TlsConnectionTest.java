package io.wsproxy.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.tls.KeyMaterial;
import io.wsproxy.tls.TestPki;
import io.wsproxy.tls.TrustMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TlsConnection} on a non-blocking loopback socket, driven by the selector loop of {@link TlsTestLoop},
 * against the JDK's blocking {@link SSLSocket} as the independent peer.
 */
class TlsConnectionTest {
    private static final long DEADLINE_SECONDS = 10;
    private static final int SIXTEEN_MIB = 16 << 20;

    static SSLContext serverContext;
    static SSLContext clientContext;

    @BeforeAll
    static void contexts() throws Exception {
        TestPki pki = TestPki.shared();
        KeyMaterial key = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(new KeyManager[] {key.keyManager()}, null, null);
        TrustMaterial trust = TrustMaterial.fromPem(pki.file("ca.pem"));
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, new TrustManager[] {trust.trustManager()}, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void handshakesAndEchoesSmallMessages(String protocol) throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 100, 0);
             SSLSocket client = connect(server, protocol)) {
            for (int i = 0; i < 20; i++) {
                byte[] message = ("message " + i + " ").repeat(i + 1).getBytes(StandardCharsets.UTF_8);
                client.getOutputStream().write(message);
                client.getOutputStream().flush();
                assertArrayEquals(message, client.getInputStream().readNBytes(message.length));
            }
            assertEquals(protocol, client.getSession().getProtocol());
            assertEquals(protocol, await(server.protocol));
            assertBuffersWithinSession(server);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void echoes16MibBothWaysByteForByte(String protocol) throws Exception {
        byte[] payload = new byte[SIXTEEN_MIB];
        new Random(42).nextBytes(payload);
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 64 << 10, 0);
             SSLSocket client = connect(server, protocol)) {
            CompletableFuture<Void> written = new CompletableFuture<>();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    for (int at = 0; at < payload.length; at += 100_000) {
                        out.write(payload, at, Math.min(100_000, payload.length - at));
                    }
                    out.flush();
                    written.complete(null);
                } catch (IOException e) {
                    written.completeExceptionally(e);
                }
            }, "tls-test-writer");
            writer.start();
            byte[] echoed;
            try {
                echoed = client.getInputStream().readNBytes(payload.length);
                await(written);
            } finally {
                client.close();
                writer.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            }
            assertFalse(writer.isAlive(), "the writer thread ended");
            assertEquals(payload.length, echoed.length);
            assertArrayEquals(payload, echoed);
            assertBuffersWithinSession(server);
        }
    }

    @Test
    void garbageInsteadOfAClientHelloFailsTheConnectionAndClosesTheSocket() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            client.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String failure = await(server.failure);
            assertTrue(failure.startsWith("TLS handshake failed: "), failure);
            assertFalse(failure.contains("\n"), failure);
            await(server.socketClosed);
            assertEndOfStream(client.getInputStream());
        }
    }

    @Test
    void aClientOfferingOnlyTls11IsRefusedWithAProtocolVersionAlert() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            client.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            client.getOutputStream().write(ClientHellos.tls11());
            String failure = await(server.failure);
            assertTrue(failure.startsWith("TLS handshake failed: "), failure);
            assertTrue(failure.contains("TLSv1.1"), failure);
            byte[] alert = client.getInputStream().readNBytes(7);
            assertEquals(7, alert.length, "an alert record");
            assertEquals(21, alert[0], "record type alert");
            assertEquals(2, alert[5], "level fatal");
            assertEquals(70, alert[6], "protocol_version");
            assertEndOfStream(client.getInputStream());
        }
    }

    @Test
    void closeNotifyEndsTheInputAndIsAnsweredWithCloseNotify() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             SSLSocket client = connect(server, "TLSv1.3")) {
            client.getOutputStream().write(new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, client.getInputStream().readNBytes(3));
            client.shutdownOutput();
            assertFalse(await(server.endOfInput), "truncated");
            assertEquals(-1, client.getInputStream().read(), "the server's close_notify");
            await(server.socketClosed);
            assertFalse(server.failure.isDone());
        }
    }

    @Test
    void aTcpCloseWithoutCloseNotifyEndsTheInputAsTruncated() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             Socket tcp = new Socket(InetAddress.getLoopbackAddress(), server.port());
             SSLSocket client = layer(tcp, "TLSv1.3")) {
            client.getOutputStream().write(new byte[] {4, 5, 6});
            assertArrayEquals(new byte[] {4, 5, 6}, client.getInputStream().readNBytes(3));
            tcp.shutdownOutput();
            assertTrue(await(server.endOfInput), "truncated");
            await(server.socketClosed);
            assertFalse(server.failure.isDone());
        }
    }

    @Test
    void aClientThatDoesNotReadStopsTheServersWritesWithBoundedBuffers() throws Exception {
        long total = 64L << 20;
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.SEND, 1024, total);
             SSLSocket client = connect(server, "TLSv1.3")) {
            client.startHandshake();
            long sentWhenStalled = await(server.stalled);
            assertTrue(sentWhenStalled < total, "sent " + sentWhenStalled);
            InputStream in = client.getInputStream();
            byte[] chunk = new byte[64 << 10];
            long received = 0;
            int count;
            while ((count = in.read(chunk)) >= 0) {
                for (int i = 0; i < count; i++) {
                    if (chunk[i] != TlsTestLoop.patternByte(received + i)) {
                        throw new AssertionError("byte " + (received + i) + " differs");
                    }
                }
                received += count;
            }
            assertEquals(total, received);
            await(server.socketClosed);
            assertBuffersWithinSession(server);
        }
    }

    @Test
    void aTls12RenegotiationFailsTheConnection() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             SSLSocket client = connect(server, "TLSv1.2")) {
            client.getOutputStream().write(new byte[] {7});
            assertEquals(7, client.getInputStream().read());
            try {
                client.startHandshake();
                client.getInputStream().read();
            } catch (IOException expected) {
                // The server closes the socket instead of renegotiating.
            }
            assertEquals("The peer started a TLS renegotiation, which is refused", await(server.failure));
            await(server.socketClosed);
        }
    }

    @Test
    void aTls13KeyUpdateFromThePeerIsFollowedAndTrafficGoesOn() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             SSLSocket client = connect(server, "TLSv1.3")) {
            byte[] message = new byte[5000];
            new Random(7).nextBytes(message);
            exchange(client, message, 3);
            for (int i = 0; i < 3; i++) {
                // On an established TLS 1.3 connection the JDK sends a KeyUpdate asking the peer to update too:
                // records after it are encrypted with new keys, which the driver must follow both ways.
                client.startHandshake();
                client.getOutputStream().write(message);
                client.getOutputStream().flush();
                assertArrayEquals(message, client.getInputStream().readNBytes(message.length));
            }
            assertNull(server.failure.getNow(null), "no failure");
        }
    }

    @Test
    void anIdleConnectionHoldsNoBuffersAndTakesThemAgainOnTraffic() throws Exception {
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 1024, 0);
             SSLSocket client = connect(server, "TLSv1.3")) {
            server.releaseWhenIdle = true;
            exchange(client, new byte[3000], 1);
            await(server.idleWithoutBuffers);
            byte[] message = "after an idle moment".getBytes(StandardCharsets.UTF_8);
            client.getOutputStream().write(message);
            assertArrayEquals(message, client.getInputStream().readNBytes(message.length));
        }
    }

    @Test
    void drivesTheClientSideAgainstAJdkServerSocket() throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(7).nextBytes(payload);
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0,
                1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            try (TlsTestLoop client = TlsTestLoop.connecting(clientContext, listener.getLocalPort());
                 SSLSocket server = (SSLSocket) listener.accept()) {
                server.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
                for (int at = 0; at < payload.length; at += 64 << 10) {
                    server.getOutputStream().write(payload, at, 64 << 10);
                    assertArrayEquals(java.util.Arrays.copyOfRange(payload, at, at + (64 << 10)),
                            server.getInputStream().readNBytes(64 << 10));
                }
                assertEquals("TLSv1.3", await(client.protocol));
                server.shutdownOutput();
                assertFalse(await(client.endOfInput), "truncated");
                assertEquals(-1, server.getInputStream().read(), "the client's close_notify");
                await(client.socketClosed);
            }
        }
    }

    @Test
    void steadyStateAllocationPerRecord() throws Exception {
        int records = 10_000;
        byte[] message = new byte[1000];
        try (TlsTestLoop server = new TlsTestLoop(serverContext, TlsTestLoop.Mode.ECHO, 64 << 10, 0);
             SSLSocket client = connect(server, "TLSv1.3")) {
            exchange(client, message, 1000);
            server.resetAllocation();
            exchange(client, message, records);
            System.out.printf("TlsConnection steady state: %d bytes allocated by the loop thread over %d reads of"
                    + " %d records each way, %.1f bytes per record each way%n", server.driverAllocated,
                    server.readsWithData, records, server.driverAllocated / (double) records);
        }
    }

    private static void exchange(SSLSocket client, byte[] message, int times) throws IOException {
        for (int i = 0; i < times; i++) {
            client.getOutputStream().write(message);
            client.getOutputStream().flush();
            client.getInputStream().readNBytes(message.length);
        }
    }

    private static void assertBuffersWithinSession(TlsTestLoop server) {
        assertTrue(server.packetSize > 0, "the session sizes were recorded");
        assertTrue(server.maxNetworkIn <= server.packetSize, server.maxNetworkIn + " > " + server.packetSize);
        assertTrue(server.maxNetworkOut <= server.packetSize, server.maxNetworkOut + " > " + server.packetSize);
        assertTrue(server.maxStaging <= server.applicationSize, server.maxStaging + " > " + server.applicationSize);
    }

    private static void assertEndOfStream(InputStream in) {
        try {
            while (in.read() >= 0) {
                // Whatever the server sent before closing.
            }
        } catch (IOException reset) {
            // A reset also ends the stream.
        }
    }

    private static SSLSocket connect(TlsTestLoop server, String protocol) throws IOException {
        return layer(new Socket(InetAddress.getLoopbackAddress(), server.port()), protocol);
    }

    /** A client over {@code tcp} for rsa.example.test, which checks the name and allows only {@code protocol}. */
    private static SSLSocket layer(Socket tcp, String protocol) throws IOException {
        tcp.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket(tcp, "rsa.example.test",
                tcp.getPort(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        return socket;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }
}
