package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes of a response body as they arrive, in one array that grows by doubling up to a fixed maximum.
 *
 * <p>Not thread-safe: owned by one parser, used by one connection's loop thread.
 */
final class BodyBuffer {
    private static final byte[] EMPTY = new byte[0];

    private final int maxBytes;
    /** The body so far is {@code bytes[0, length)}. */
    private byte[] bytes = EMPTY;
    private int length;

    BodyBuffer(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Whether {@code count} more bytes fit within the maximum. */
    boolean fits(long count) {
        return count <= maxBytes - length;
    }

    /** Moves {@code count} bytes from {@code in}; the caller checked {@link #fits}. */
    void append(ByteBuffer in, int count) {
        reserve(count);
        in.get(bytes, length, count);
        length += count;
    }

    /** Makes room for {@code count} more bytes at once, e.g. a whole chunk or a known Content-Length. */
    void reserve(long count) {
        if (!fits(count)) {
            throw new IllegalStateException("Body over " + maxBytes + " bytes");
        }
        int needed = length + (int) count;
        if (bytes.length < needed) {
            int grown = (int) Math.min(maxBytes, Math.max(needed, 2L * bytes.length));
            bytes = Arrays.copyOf(bytes, grown);
        }
    }

    int maxBytes() {
        return maxBytes;
    }

    int length() {
        return length;
    }

    /** The body, exactly {@link #length()} bytes. */
    byte[] toByteArray() {
        return bytes.length == length ? bytes : Arrays.copyOf(bytes, length);
    }
}
