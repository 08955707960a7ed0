package io.wsproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.OutputStream;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

/**
 * A client flooding the proxy: writes masked 64 KiB binary frames of random payload from one reused buffer,
 * counting the payload bytes written and their CRC, so a backpressure test can see the writes stall and check
 * later that every byte arrived. Run it on a thread of its own.
 */
public final class FrameFlood implements Runnable {
    public static final int FRAME_PAYLOAD = 64 * 1024;

    public final AtomicLong written = new AtomicLong();
    public final AtomicReference<Throwable> failure = new AtomicReference<>();
    public final AtomicBoolean done = new AtomicBoolean();
    /** Of the payload written; read it once {@link #done}. */
    public final CRC32 crc = new CRC32();
    private final OutputStream out;
    private final int frames;

    public FrameFlood(OutputStream out, int frames) {
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

    /** Waits until {@code counter} has not moved for {@code quiet}; fails after {@code deadline}. */
    public static long awaitStall(AtomicLong counter, Duration quiet, Duration deadline) throws InterruptedException {
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
}
