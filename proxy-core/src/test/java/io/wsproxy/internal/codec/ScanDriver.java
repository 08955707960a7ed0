package io.wsproxy.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feeds a {@link FrameScanner} the way the relay does: each read presents the bytes left unconsumed by the
 * previous scan followed by the newly read ones, and the scan is repeated after every control frame. Records
 * each event with the stream offset it ends at, so that feeding a stream whole, byte by byte or split anywhere
 * must give the same record.
 */
final class ScanDriver {
    private static final byte GUARD = (byte) 0xff;

    final FrameScanner scanner;
    private final List<String> events = new ArrayList<>();
    private byte[] pending = new byte[0];
    private long consumed;
    private boolean failed;

    ScanDriver(boolean expectMasked, long maxMessageBytes) {
        this.scanner = new FrameScanner(expectMasked, maxMessageBytes);
    }

    void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    /** Presents the pending bytes followed by {@code bytes[from..to)} and scans until the scanner stops. */
    void feed(byte[] bytes, int from, int to) {
        ByteBuffer buf;
        int offset;
        int length;
        if (pending.length == 0) {
            // Zero-copy, like a read into a fresh buffer; scanning from a non-zero offset of the array.
            buf = ByteBuffer.wrap(bytes);
            offset = from;
            length = to - from;
        } else {
            // Unconsumed bytes first, inside a larger buffer whose other bytes must not be read.
            length = pending.length + to - from;
            buf = ByteBuffer.allocate(length + 6);
            Arrays.fill(buf.array(), GUARD);
            System.arraycopy(pending, 0, buf.array(), 3, pending.length);
            System.arraycopy(bytes, from, buf.array(), 3 + pending.length, to - from);
            offset = 3;
            buf.position(1).limit(length + 5);
        }
        int position = buf.position();
        int limit = buf.limit();
        while (true) {
            int n = scanner.scan(buf, offset, length);
            assertEquals(position, buf.position(), "scan must not move the position");
            assertEquals(limit, buf.limit(), "scan must not move the limit");
            assertTrue(n >= 0 && n <= length, "consumed " + n + " of " + length);
            offset += n;
            length -= n;
            consumed += n;
            FrameScanner.Event event = scanner.event();
            if (failed) {
                assertEquals(0, n, "consumed after a violation");
                assertEquals(FrameScanner.Event.VIOLATION, event);
                break;
            }
            if (event == FrameScanner.Event.CONTROL_FRAME) {
                int frameStart = offset - scanner.controlFrameLength();
                assertEquals(scanner.controlOpcode(), buf.get(frameStart) & 0x0f, "control frame must end at the consumed count");
                events.add(String.format("control 0x%x length %d code %d at %d",
                        scanner.controlOpcode(), scanner.controlFrameLength(), scanner.closeCode(), consumed));
                continue;
            }
            if (event == FrameScanner.Event.VIOLATION) {
                events.add("violation " + scanner.violationCode() + " " + scanner.violationReason() + " at " + consumed);
                failed = true;
                continue; // the next scan must return 0 with VIOLATION again
            }
            // NONE: all consumed except an incomplete header or control frame.
            assertTrue(length < WebSocketProtocol.MAX_CONTROL_FRAME_BYTES, "held back " + length + " bytes");
            break;
        }
        pending = new byte[length];
        if (length > 0) {
            buf.get(offset, pending, 0, length);
        }
    }

    List<String> events() {
        return events;
    }

    long consumed() {
        return consumed;
    }

    int pending() {
        return pending.length;
    }

    /** Events and consumed total, the record every way of feeding the same stream must reproduce. */
    String record() {
        return events + " consumed " + consumed;
    }
}
