package io.wsproxy.tls;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.FrameFlood;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import io.wsproxy.upstream.UpstreamPool;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Backpressure holds with TLS on the client hop as with TCP: a wss:// client flooding an upstream that does not read
 * is stopped (its TLS writes block) with the proxy's heap bounded, and everything arrives intact once the upstream
 * reads; and an upstream flooding a wss:// client that does not read is stopped the same way.
 */
@Timeout(value = 90, unit = SECONDS)
class TlsBackpressureTest {
    private static final int FRAMES = 800; // 50 MiB
    private static final long TOTAL = (long) FrameFlood.FRAME_PAYLOAD * FRAMES;

    private ProxyServer proxy;
    private ServerTls tls;
    private RawUpstream upstream;
    private RawClient client;
    private Thread writer;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (writer != null) {
            writer.join(5_000);
        }
        if (proxy != null) {
            proxy.close(Duration.ofSeconds(2));
        }
        if (tls != null) {
            tls.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private RawUpstream.Connection relay() throws Exception {
        TestPki pki = TestPki.shared();
        tls = ServerTls.builder().certificate(pki.file("localhost-chain.pem"), pki.file("localhost.key")).build();
        upstream = RawUpstream.startWithReceiveBuffer(64 * 1024);
        proxy = ProxyServer.builder().listen(new InetSocketAddress("127.0.0.1", 0), tls)
                .upstreams(UpstreamPool.of(upstream.uri())).eventLoops(1).bufferSize(64 * 1024).build().start();
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {TrustMaterial.fromPem(pki.file("ca.pem")).trustManager()}, null);
        client = RawClient.connectTls(proxy.address(), context.getSocketFactory());
        client.socket().setSendBufferSize(64 * 1024);
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        RawUpstream.Connection connection = upstream.acceptHandshake();
        HttpHead response = client.readHead();
        assertEquals(101, response.status(), response::toString);
        return connection;
    }

    @Test
    void aWssClientIsStoppedWhileTheUpstreamDoesNotReadAndEverythingArrivesLater() throws Exception {
        RawUpstream.Connection connection = relay();
        long heapBefore = usedHeapAfterGc();
        FrameFlood frames = new FrameFlood(client.output(), FRAMES);
        writer = new Thread(frames, "test-frame-writer");
        writer.setDaemon(true);
        writer.start();

        long stalledAt = FrameFlood.awaitStall(frames.written, Duration.ofMillis(500), Duration.ofSeconds(30));
        assertNull(frames.failure.get(), () -> "the writer failed: " + frames.failure.get());
        assertTrue(stalledAt < TOTAL / 2, "sending stalled only after " + stalledAt + " of " + TOTAL + " bytes");
        long heapGrowth = usedHeapAfterGc() - heapBefore;
        assertTrue(heapGrowth < 32L << 20, "heap grew by " + (heapGrowth >> 20) + " MiB while the upstream did not read");

        CRC32 received = new CRC32();
        long receivedBytes = 0;
        connection.socket().setSoTimeout(10_000);
        while (receivedBytes < TOTAL) {
            Frame frame = connection.readFrame();
            assertEquals(Frame.BINARY, frame.opcode(), frame::toString);
            received.update(frame.payload());
            receivedBytes += frame.payload().length;
        }
        writer.join(10_000);
        assertTrue(frames.done.get(), "the writer finished");
        assertNull(frames.failure.get(), () -> "the writer failed: " + frames.failure.get());
        assertEquals(frames.crc.getValue(), received.getValue(), "checksum of everything relayed");
    }

    @Test
    void anUpstreamIsStoppedWhileTheWssClientDoesNotRead() throws Exception {
        RawUpstream.Connection connection = relay();
        // The upstream's frames are unmasked; each write counts only once the socket took it.
        AtomicLong written = new AtomicLong();
        byte[] frame = new byte[10 + FrameFlood.FRAME_PAYLOAD];
        frame[0] = (byte) 0x82;
        frame[1] = 127;
        frame[7] = (byte) (FrameFlood.FRAME_PAYLOAD >>> 16);
        frame[8] = (byte) (FrameFlood.FRAME_PAYLOAD >>> 8);
        frame[9] = (byte) FrameFlood.FRAME_PAYLOAD;
        writer = new Thread(() -> {
            try {
                for (int i = 0; i < FRAMES; i++) {
                    connection.output().write(frame);
                    written.addAndGet(FrameFlood.FRAME_PAYLOAD);
                }
            } catch (Exception e) {
                // Closed at the end of the test.
            }
        }, "test-upstream-writer");
        writer.setDaemon(true);
        writer.start();
        long stalledAt = FrameFlood.awaitStall(written, Duration.ofMillis(500), Duration.ofSeconds(30));
        assertTrue(stalledAt < TOTAL / 2, "the upstream's writes stalled only after " + stalledAt + " bytes");
        // Reading resumes the flow: the client gets whole frames again.
        client.socket().setSoTimeout(10_000);
        for (int i = 0; i < 20; i++) {
            Frame received = client.readFrame();
            assertEquals(FrameFlood.FRAME_PAYLOAD, received.payload().length, received::toString);
        }
        connection.close();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
