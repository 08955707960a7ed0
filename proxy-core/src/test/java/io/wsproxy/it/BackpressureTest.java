package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.FrameFlood;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bounded memory under a slow reader: when the upstream stops reading, the proxy stops reading from the client
 * (the client's sends block) instead of buffering; and a side that accepts nothing for the send timeout is closed.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = SECONDS)
class BackpressureTest {
    private static final int FRAMES = 1600; // 100 MiB
    private static final long TOTAL = (long) FrameFlood.FRAME_PAYLOAD * FRAMES;

    private ProxyServer proxy;
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
        Proxies.closeQuietly(proxy);
        if (upstream != null) {
            upstream.close();
        }
    }

    private RawUpstream.Connection relay(ProxyServer.Builder builder) throws Exception {
        proxy = builder.build().start();
        client = RawClient.connect(proxy.address());
        client.socket().setSendBufferSize(64 * 1024);
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        RawUpstream.Connection connection = upstream.acceptHandshake();
        HttpHead response = client.readHead();
        assertEquals(101, response.status(), response::toString);
        return connection;
    }

    private static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void senderIsBlockedWhileTheUpstreamDoesNotReadAndEverythingArrivesLater() throws Exception {
        upstream = RawUpstream.startWithReceiveBuffer(64 * 1024);
        RawUpstream.Connection connection = relay(Proxies.to(upstream.uri()).bufferSize(64 * 1024));
        long heapBefore = usedHeapAfterGc();

        FrameFlood frames = new FrameFlood(client.output(), FRAMES);
        writer = new Thread(frames, "test-frame-writer");
        writer.setDaemon(true);
        writer.start();

        long stalledAt = FrameFlood.awaitStall(frames.written, Duration.ofMillis(500), Duration.ofSeconds(20));
        assertNull(frames.failure.get(), "the writer failed: " + frames.failure.get());
        assertTrue(stalledAt < TOTAL / 2, "sending stalled only after " + stalledAt + " of " + TOTAL + " bytes");
        long heapGrowth = usedHeapAfterGc() - heapBefore;
        assertTrue(heapGrowth < 32L << 20, "heap grew by " + (heapGrowth >> 20) + " MiB while the upstream did not read");

        CRC32 received = new CRC32();
        long receivedBytes = 0;
        connection.socket().setSoTimeout(10_000);
        while (receivedBytes < TOTAL) {
            Frame frame = connection.readFrame();
            assertTrue(frame.masked(), "client frames stay masked toward the upstream");
            assertEquals(Frame.BINARY, frame.opcode(), frame::toString);
            received.update(frame.payload());
            receivedBytes += frame.payload().length;
        }
        writer.join(10_000);
        assertTrue(frames.done.get(), "the writer finished");
        assertNull(frames.failure.get(), "the writer failed: " + frames.failure.get());
        assertEquals(TOTAL, receivedBytes);
        assertEquals(frames.crc.getValue(), received.getValue(), "checksum of everything relayed");
        assertEquals(1, proxy.openConnections());
    }

    @Test
    void upstreamAcceptingNothingForTheSendTimeoutIsClosedAndTheClientGets1014() throws Exception {
        upstream = RawUpstream.startWithReceiveBuffer(64 * 1024);
        RawUpstream.Connection connection = relay(Proxies.to(upstream.uri()).sendTimeout(Duration.ofMillis(500)));
        FrameFlood frames = new FrameFlood(client.output(), FRAMES);
        writer = new Thread(frames, "test-frame-writer");
        writer.setDaemon(true);
        long start = System.nanoTime();
        writer.start();

        client.socket().setSoTimeout(10_000);
        Frame close = client.readFrame();
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(close.isClose(), () -> "expected Close 1014, got " + close);
        assertEquals(1014, close.closeCode(), close::toString);
        assertFalse(close.masked());
        assertTrue(elapsedMillis < 8_000, "Close 1014 came after " + elapsedMillis + " ms");
        assertTrue(frames.written.get() < TOTAL, "the sender was blocked");
        connection.awaitEof(Duration.ofSeconds(5)); // drains what was delivered, then sees the proxy's close
        client.sendClose(1014, "");
        client.awaitEof(Duration.ofSeconds(5));
    }
}
