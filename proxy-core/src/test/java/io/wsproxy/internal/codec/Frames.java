package io.wsproxy.internal.codec;

import java.io.ByteArrayOutputStream;

/** Builds RFC 6455 frames for tests. */
final class Frames {
    /** The masking key of the RFC 6455 §5.7 examples. */
    static final int RFC_KEY = 0x37fa213d;

    private Frames() {
    }

    /** Bytes from hex digits; spaces are ignored. */
    static byte[] hex(String hex) {
        String digits = hex.replace(" ", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A frame with first byte {@code b0}, the minimal length encoding and, if {@code masked}, {@code key}. */
    static byte[] frame(int b0, boolean masked, int key, byte[] payload) {
        int length = payload.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b0);
        int maskBit = masked ? 0x80 : 0;
        if (length <= 125) {
            out.write(maskBit | length);
        } else if (length <= 0xffff) {
            out.write(maskBit | 126);
            out.write(length >>> 8);
            out.write(length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) length >>> shift));
            }
        }
        if (masked) {
            out.write(key >>> 24);
            out.write(key >>> 16);
            out.write(key >>> 8);
            out.write(key);
        }
        for (int i = 0; i < length; i++) {
            out.write(masked ? payload[i] ^ (key >>> (24 - 8 * (i & 3))) : payload[i]);
        }
        return out.toByteArray();
    }

    /** A frame masked with {@link #RFC_KEY} in the client-to-server direction, unmasked otherwise. */
    static byte[] frame(int b0, boolean masked, byte[] payload) {
        return frame(b0, masked, RFC_KEY, payload);
    }

    /** A close payload: the status code, then the reason bytes. */
    static byte[] closePayload(int code, byte[] reason) {
        return concat(new byte[] {(byte) (code >>> 8), (byte) code}, reason);
    }

    /** Unmasks (or masks) {@code length} bytes of {@code frame} from {@code offset} with the key right before them. */
    static byte[] unmask(byte[] frame, int offset, int length) {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (frame[offset + i] ^ frame[offset - 4 + (i & 3)]);
        }
        return payload;
    }
}
