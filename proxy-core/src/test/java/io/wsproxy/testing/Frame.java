package io.wsproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One RFC 6455 frame as seen on the wire, with its payload unmasked; plus encoding and decoding on plain streams.
 * Written independently of the proxy's codec on purpose.
 */
public record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    public boolean isClose() {
        return opcode == CLOSE;
    }

    /** The status code of a Close frame, or 1005 when it carries none. */
    public int closeCode() {
        if (opcode != CLOSE) {
            throw new IllegalStateException("Not a Close frame: " + this);
        }
        return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }

    public String closeReason() {
        return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        String body = opcode == CLOSE ? "code=" + closeCode() + " reason='" + closeReason() + "'"
                : payload.length + " bytes";
        return "Frame[fin=" + fin + " rsv=" + rsv + " opcode=" + opcode + " masked=" + masked + " " + body + "]";
    }

    /** Encodes a frame; masked with a random key when {@code mask} is true. */
    public static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, boolean mask) {
        return encode(fin, rsv, opcode, payload, 0, payload.length, mask ? randomMask() : null);
    }

    /** Encodes {@code payload[offset, offset+length)} as one frame; masked with {@code maskKey} unless it is null. */
    public static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, int offset, int length,
            byte[] maskKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 14);
        out.write((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf));
        int maskBit = maskKey != null ? 0x80 : 0;
        if (length <= 125) {
            out.write(maskBit | length);
        } else if (length <= 0xffff) {
            out.write(maskBit | 126);
            out.write(length >>> 8);
            out.write(length);
        } else {
            out.write(maskBit | 127);
            long len = length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (len >>> shift));
            }
        }
        if (maskKey != null) {
            out.write(maskKey, 0, 4);
            byte[] masked = new byte[length];
            for (int i = 0; i < length; i++) {
                masked[i] = (byte) (payload[offset + i] ^ maskKey[i & 3]);
            }
            out.write(masked, 0, length);
        } else {
            out.write(payload, offset, length);
        }
        return out.toByteArray();
    }

    public static byte[] text(String text, boolean mask) {
        return encode(true, 0, TEXT, text.getBytes(StandardCharsets.UTF_8), mask);
    }

    public static byte[] binary(byte[] payload, boolean mask) {
        return encode(true, 0, BINARY, payload, mask);
    }

    public static byte[] close(int code, String reason, boolean mask) {
        byte[] reasonBytes = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + reasonBytes.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(reasonBytes, 0, payload, 2, reasonBytes.length);
        return encode(true, 0, CLOSE, payload, mask);
    }

    public static byte[] randomMask() {
        byte[] key = new byte[4];
        ThreadLocalRandom.current().nextBytes(key);
        return key;
    }

    /** Reads one frame; throws {@link EOFException} if the stream ends first (also mid-frame). */
    public static Frame read(InputStream in) throws IOException {
        int b0 = readByte(in);
        int b1 = readByte(in);
        boolean masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7f;
        if (length == 126) {
            length = ((long) readByte(in) << 8) | readByte(in);
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | readByte(in);
            }
        }
        if (length > Integer.MAX_VALUE - 16) {
            throw new IOException("Frame too long for a test: " + length);
        }
        byte[] key = null;
        if (masked) {
            key = readFully(in, 4);
        }
        byte[] payload = readFully(in, (int) length);
        if (masked) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= key[i & 3];
            }
        }
        return new Frame((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0xf, masked, payload);
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("Stream ended inside a frame header or before a frame");
        }
        return b;
    }

    static byte[] readFully(InputStream in, int length) throws IOException {
        byte[] bytes = new byte[length];
        int done = 0;
        while (done < length) {
            int n = in.read(bytes, done, length - done);
            if (n < 0) {
                throw new EOFException("Stream ended after " + done + " of " + length + " bytes");
            }
            done += n;
        }
        return bytes;
    }
}
