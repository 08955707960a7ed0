package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
    private static final int FRAME_PAYLOAD = 64 * 1024;
    private static final int FRAMES = 1600; // 100 MiB
    private static final long TOTAL = (long) FRAME_PAYLOAD * FRAMES;

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

    /** Writes masked 64 KiB binary frames from one reused buffer, counting payload bytes written. */
    private static final class FrameWriter implements Runnable {
        final OutputStream out;
        final int frames;
        final AtomicLong written = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean done = new AtomicBoolean();
        final CRC32 crc = new CRC32();

        FrameWriter(OutputStream out, int frames) {
            this.out = out;
            this.frames = frames;
        }

        @Override
        public void run() {
            byte[] frame = new byte[14 + FRAME_PAYLOAD];
            byte[] payload = new byte[FRAME_PAYLOAD];
            Random random = new Random(42);
            frame[0] = (byte) 0x82; // FIN, binary
            frame[1] = (byte) (0x80 | 127);
            frame[7] = (byte) (FRAME_PAYLOAD >>> 16); // 64-bit big-endian length in bytes 2..9
            frame[8] = (byte) (FRAME_PAYLOAD >>> 8);
            frame[9] = (byte) FRAME_PAYLOAD;
            try {
                for (int i = 0; i < frames; i++) {
                    random.nextBytes(payload);
                    crc.update(payload);
                    byte[] mask = Frame.randomMask();
                    System.arraycopy(mask, 0, frame, 10, 4);
                    for (int j = 0; j < FRAME_PAYLOAD; j++) {
                        frame[14 + j] = (byte) (payload[j] ^ mask[j & 3]);
                    }
                    out.write(frame);
                    written.addAndGet(FRAME_PAYLOAD);
                }
                out.flush();
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.set(true);
            }
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

    /** Waits until {@code counter} has not moved for {@code quiet}; fails after {@code deadline}. */
    private static long awaitStall(AtomicLong counter, Duration quiet, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        long last = counter.get();
        long lastChange = System.nanoTime();
        while (System.nanoTime() - end < 0) {
            Thread.sleep(20);
            long now = counter.get();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange >= quiet.toNanos()) {
                return now;
            }
        }
        fail("The sender never stalled: " + counter.get() + " bytes written and still going after "
                + deadline.toSeconds() + " s (is the proxy buffering without bound?)");
        return -1;
    }

    @Test
    void senderIsBlockedWhileTheUpstreamDoesNotReadAndEverythingArrivesLater() throws Exception {
        upstream = RawUpstream.startWithReceiveBuffer(64 * 1024);
        RawUpstream.Connection connection = relay(Proxies.to(upstream.uri()).bufferSize(64 * 1024));
        long heapBefore = usedHeapAfterGc();

        FrameWriter frames = new FrameWriter(client.output(), FRAMES);
        writer = new Thread(frames, "test-frame-writer");
        writer.setDaemon(true);
        writer.start();

        long stalledAt = awaitStall(frames.written, Duration.ofMillis(500), Duration.ofSeconds(20));
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
        FrameWriter frames = new FrameWriter(client.output(), FRAMES);
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
