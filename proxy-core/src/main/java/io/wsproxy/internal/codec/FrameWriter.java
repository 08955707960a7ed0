package io.wsproxy.internal.codec;

import static io.wsproxy.internal.codec.WebSocketProtocol.B0_FLAG_FIN;
import static io.wsproxy.internal.codec.WebSocketProtocol.B1_FLAG_MASK;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_CLOSE;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_PING;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_PONG;
import static io.wsproxy.internal.codec.WebSocketProtocol.PAYLOAD_BYTE_MAX;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Writes the control frames the proxy itself sends (RFC 6455 §5.5): close frames, and pings and pongs with an
 * 8-byte payload (the heartbeat's counter or send time). Each frame is written whole at the buffer's position,
 * which it advances; the caller injects it at a frame boundary of the stream. Toward the upstream the proxy is
 * the client and masks its frames (§5.3); toward the client it must not.
 *
 * <p>Stateless and allocation-free, so usable from any thread; the caller picks the masking key, which §5.3
 * requires to be unpredictable (e.g. from a per-loop random generator).
 */
public final class FrameWriter {
    /** Longest close reason: a control payload holds 125 bytes, 2 of them the status code (§5.5, §5.5.1). */
    public static final int MAX_CLOSE_REASON_BYTES = PAYLOAD_BYTE_MAX - 2;
    /** Payload length of the pings and pongs written here: one big-endian long. */
    public static final int PING_PAYLOAD_BYTES = 8;

    private FrameWriter() {
    }

    /** Bytes {@link #writeClose} writes for {@code reason} (null for none): at most {@link WebSocketProtocol#MAX_CONTROL_FRAME_BYTES}. */
    public static int closeFrameLength(String reason, boolean masked) {
        int reasonBytes = reason == null ? 0 : Utf8.encodedLength(reason, MAX_CLOSE_REASON_BYTES);
        return headerLength(masked) + 2 + reasonBytes;
    }

    /** Bytes {@link #writePing} and {@link #writePong} write. */
    public static int pingFrameLength(boolean masked) {
        return headerLength(masked) + PING_PAYLOAD_BYTES;
    }

    /**
     * Writes a close frame with status {@code code} and {@code reason} (null for none), encoded as UTF-8 and cut
     * at a character boundary to fit {@link #MAX_CLOSE_REASON_BYTES}.
     *
     * @throws IllegalArgumentException if {@code code} may not be sent (§7.4.1, {@link CloseCodes#isValidOnWire})
     * @throws BufferOverflowException  if fewer than {@link #closeFrameLength} bytes remain; nothing is written then
     */
    public static void writeClose(ByteBuffer dst, int code, String reason, boolean masked, int maskKey) {
        if (!CloseCodes.isValidOnWire(code)) {
            throw new IllegalArgumentException("Close code " + code + " must not be sent on the wire");
        }
        int frameLength = closeFrameLength(reason, masked);
        if (dst.remaining() < frameLength) {
            throw new BufferOverflowException();
        }
        int payloadLength = frameLength - headerLength(masked);
        writeHeader(dst, OPCODE_CLOSE, payloadLength, masked, maskKey);
        int payloadStart = dst.position();
        // §5.5.1: the payload starts with the status code as a 2-byte unsigned integer in network byte order.
        dst.put((byte) (code >>> 8));
        dst.put((byte) code);
        if (reason != null) {
            Utf8.encode(dst, reason, MAX_CLOSE_REASON_BYTES);
        }
        if (masked) {
            // §5.3: payload byte i is XORed with byte (i mod 4) of the masking key.
            for (int i = 0; i < payloadLength; i++) {
                int index = payloadStart + i;
                dst.put(index, (byte) (dst.get(index) ^ (maskKey >>> (24 - ((i & 3) << 3)))));
            }
        }
    }

    /**
     * Writes a ping (§5.5.2) whose payload is {@code payload} as 8 big-endian bytes.
     *
     * @throws BufferOverflowException if fewer than {@link #pingFrameLength} bytes remain; nothing is written then
     */
    public static void writePing(ByteBuffer dst, long payload, boolean masked, int maskKey) {
        writeLongPayloadFrame(dst, OPCODE_PING, payload, masked, maskKey);
    }

    /**
     * Writes a pong (§5.5.3) whose payload is {@code payload} as 8 big-endian bytes.
     *
     * @throws BufferOverflowException if fewer than {@link #pingFrameLength} bytes remain; nothing is written then
     */
    public static void writePong(ByteBuffer dst, long payload, boolean masked, int maskKey) {
        writeLongPayloadFrame(dst, OPCODE_PONG, payload, masked, maskKey);
    }

    private static void writeLongPayloadFrame(ByteBuffer dst, int opcode, long payload, boolean masked, int maskKey) {
        if (dst.remaining() < pingFrameLength(masked)) {
            throw new BufferOverflowException();
        }
        writeHeader(dst, opcode, PING_PAYLOAD_BYTES, masked, maskKey);
        // §5.3: the key repeats every 4 bytes, so both halves of the long are XORed with the whole key.
        long value = masked ? payload ^ ((maskKey & 0xffffffffL) << 32 | (maskKey & 0xffffffffL)) : payload;
        for (int shift = 56; shift >= 0; shift -= 8) {
            dst.put((byte) (value >>> shift));
        }
    }

    /** §5.2: FIN set (§5.5: control frames are never fragmented), RSV clear, 7-bit length, then the key. */
    private static void writeHeader(ByteBuffer dst, int opcode, int payloadLength, boolean masked, int maskKey) {
        dst.put((byte) (B0_FLAG_FIN | opcode));
        dst.put((byte) ((masked ? B1_FLAG_MASK : 0) | payloadLength));
        if (masked) {
            dst.put((byte) (maskKey >>> 24));
            dst.put((byte) (maskKey >>> 16));
            dst.put((byte) (maskKey >>> 8));
            dst.put((byte) maskKey);
        }
    }

    private static int headerLength(boolean masked) {
        return masked ? 6 : 2;
    }
}
