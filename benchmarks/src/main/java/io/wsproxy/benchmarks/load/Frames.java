package io.wsproxy.benchmarks.load;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** RFC 6455 §5.2 framing helpers shared by the echo server and the load tool; no allocation. */
final class Frames {
    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;
    /** Largest frame header: 2 + 8 length + 4 mask. */
    static final int MAX_HEADER = 14;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Frames() {
    }

    /**
     * {@code dst[dstOff, +len) = src[srcOff, +len) XOR mask}, where payload byte {@code p} (counting from the frame's
     * first payload byte) is masked with byte {@code p % 4} of the big-endian {@code mask}, and {@code src[srcOff]}
     * is payload byte {@code position}. Eight bytes at a time. A mask of 0 is a plain copy.
     */
    static void xorCopy(byte[] src, int srcOff, byte[] dst, int dstOff, int len, int mask, long position) {
        if (mask == 0) {
            System.arraycopy(src, srcOff, dst, dstOff, len);
            return;
        }
        int m = Integer.rotateLeft(mask, 8 * (int) (position & 3)); // byte 0 of m now masks src[srcOff]
        int le = Integer.reverseBytes(m);
        long m64 = (le & 0xFFFF_FFFFL) | ((long) le << 32);
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            LONGS.set(dst, dstOff + i, (long) LONGS.get(src, srcOff + i) ^ m64);
        }
        for (; i < len; i++) { // i % 4 == (i - aligned part) % 4 since the aligned part is a multiple of 8
            dst[dstOff + i] = (byte) (src[srcOff + i] ^ (m >>> (24 - 8 * (i & 3))));
        }
    }

    /** Header length (without mask key) for a payload of {@code length} bytes. */
    static int headerLength(long length) {
        return length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    }

    /** Puts a header: {@code b0}, the length (with the mask bit if {@code masked}) and, if masked, the key. */
    static void putHeader(ByteBuffer out, int b0, long length, boolean masked, int mask) {
        int maskBit = masked ? 0x80 : 0;
        out.put((byte) b0);
        if (length < 126) {
            out.put((byte) (maskBit | length));
        } else if (length <= 0xFFFF) {
            out.put((byte) (maskBit | 126)).putShort((short) length);
        } else {
            out.put((byte) (maskBit | 127)).putLong(length);
        }
        if (masked) {
            out.putInt(mask);
        }
    }

    /**
     * Parses the header at {@code in}'s position (read mode) without consuming it. Returns the header length including
     * the mask key, or 0 when more bytes are needed; the payload length is then in {@code lengthOut[0]} and the mask
     * key (0 if unmasked) in {@code lengthOut[1]}.
     */
    static int parseHeader(ByteBuffer in, long[] lengthOut) {
        int start = in.position();
        int available = in.remaining();
        if (available < 2) {
            return 0;
        }
        int b1 = in.get(start + 1) & 0xFF;
        boolean masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        int header = length == 126 ? 4 : length == 127 ? 10 : 2;
        int total = header + (masked ? 4 : 0);
        if (available < total) {
            return 0;
        }
        if (length == 126) {
            length = in.getShort(start + 2) & 0xFFFF;
        } else if (length == 127) {
            length = in.getLong(start + 2);
        }
        lengthOut[0] = length;
        lengthOut[1] = masked ? in.getInt(start + header) : 0;
        return total;
    }
}
