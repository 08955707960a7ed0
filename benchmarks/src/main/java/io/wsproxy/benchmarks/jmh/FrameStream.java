package io.wsproxy.benchmarks.jmh;

import io.wsproxy.internal.codec.WebSocketProtocol;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Builds a valid RFC 6455 frame stream of an exact length, for {@link FrameScannerBenchmark}: a whole number of
 * complete frames, no message left open at the end, so the stream can be scanned again and again by one scanner
 * without a reset. Payload and masking keys are random (seeded), as masked client data looks on the wire.
 */
final class FrameStream {

    /** The traffic shapes measured. */
    enum Shape {
        /** Text messages of 128 bytes, back to back (chat, JSON events). */
        MESSAGES_128,
        /** Binary messages of 64 KiB: one header per 64 KiB (file transfer, media). */
        MESSAGES_64K,
        /**
         * 70% text of 16-256 bytes, 25% binary of 257 B-4 KiB, 5% binary of 4-64 KiB (mean payload about 2.4 KB),
         * and a ping with an 8-byte payload after every 100 data frames.
         */
        MIXED_WITH_PINGS
    }

    /** At least this much room is left for {@link #fill}, so that it never needs a frame shorter than 200 bytes. */
    private static final int FILL_RESERVE = 400;
    private static final int FILLER_FRAME_BYTES = 200;
    private static final int PINGS_EVERY = 100;
    private static final int PING_PAYLOAD_BYTES = 8;

    private final boolean masked;
    /** Draws the frame sizes and kinds: the same sequence whether masked or not. */
    private final SplittableRandom shapes;
    /** Draws masking keys and payload bytes. */
    private final SplittableRandom content;
    private final byte[] bytes;
    private int length;
    /** Frames written, by kind; for the benchmark's check of one pass. */
    private int dataFrames;
    private int pings;

    private FrameStream(boolean masked, int totalBytes, long seed) {
        this.masked = masked;
        this.shapes = new SplittableRandom(seed);
        this.content = new SplittableRandom(seed + 1);
        this.bytes = new byte[totalBytes];
    }

    /**
     * A stream of exactly {@code totalBytes} bytes of the given shape, masked (client to server) or not (server to
     * client). The last frame or two are binary fillers that make the length exact.
     */
    static FrameStream build(Shape shape, boolean masked, int totalBytes, long seed) {
        FrameStream stream = new FrameStream(masked, totalBytes, seed);
        stream.generate(shape);
        stream.fill(totalBytes - stream.length);
        if (stream.length != totalBytes) {
            throw new AssertionError(stream.length + " != " + totalBytes);
        }
        return stream;
    }

    /** The stream in a direct buffer (as the loop reads into), position 0, limit its length. */
    ByteBuffer toDirectBuffer() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        buffer.put(bytes, 0, length).clear();
        return buffer;
    }

    int dataFrames() {
        return dataFrames;
    }

    int pings() {
        return pings;
    }

    private void generate(Shape shape) {
        while (true) {
            if (shape == Shape.MIXED_WITH_PINGS && dataFrames > 0 && dataFrames % PINGS_EVERY == 0
                    && pings < dataFrames / PINGS_EVERY) {
                if (!fits(PING_PAYLOAD_BYTES)) {
                    return;
                }
                write(WebSocketProtocol.OPCODE_PING, PING_PAYLOAD_BYTES);
                pings++;
                continue;
            }
            int opcode;
            int payload;
            switch (shape) {
                case MESSAGES_128:
                    opcode = WebSocketProtocol.OPCODE_TEXT;
                    payload = 128;
                    break;
                case MESSAGES_64K:
                    opcode = WebSocketProtocol.OPCODE_BINARY;
                    payload = 64 * 1024;
                    break;
                case MIXED_WITH_PINGS:
                    int bucket = shapes.nextInt(100);
                    opcode = bucket < 70 ? WebSocketProtocol.OPCODE_TEXT : WebSocketProtocol.OPCODE_BINARY;
                    payload = bucket < 70 ? shapes.nextInt(16, 257)
                            : bucket < 95 ? shapes.nextInt(257, 4097) : shapes.nextInt(4097, 65537);
                    break;
                default:
                    throw new AssertionError(shape);
            }
            if (!fits(payload)) {
                return;
            }
            write(opcode, payload);
            dataFrames++;
        }
    }

    private boolean fits(int payload) {
        return length + frameBytes(payload) + FILL_RESERVE <= bytes.length;
    }

    /** Binary frames of exactly {@code remaining} bytes in all; {@code remaining >= FILL_RESERVE}. */
    private void fill(int remaining) {
        while (remaining > 0) {
            int payload = payloadForFrameOf(remaining);
            if (payload < 0) {
                // Lengths in the gaps between encodings (e.g. 128+mask bytes): one 200-byte frame first.
                payload = payloadForFrameOf(FILLER_FRAME_BYTES);
            }
            write(WebSocketProtocol.OPCODE_BINARY, payload);
            dataFrames++;
            remaining -= frameBytes(payload);
        }
    }

    /** The payload length whose frame is exactly {@code frameBytes} long with minimal length encoding, or -1. */
    private int payloadForFrameOf(int frameBytes) {
        int maskBytes = masked ? 4 : 0;
        int inByte = frameBytes - 2 - maskBytes;
        int inShort = frameBytes - 4 - maskBytes;
        int inLong = frameBytes - 10 - maskBytes;
        if (inByte >= 0 && inByte <= WebSocketProtocol.PAYLOAD_BYTE_MAX) {
            return inByte;
        }
        if (inShort > WebSocketProtocol.PAYLOAD_BYTE_MAX && inShort <= WebSocketProtocol.PAYLOAD_SHORT_MAX) {
            return inShort;
        }
        return inLong > WebSocketProtocol.PAYLOAD_SHORT_MAX ? inLong : -1;
    }

    private int frameBytes(int payload) {
        int lengthBytes = payload <= WebSocketProtocol.PAYLOAD_BYTE_MAX ? 0
                : payload <= WebSocketProtocol.PAYLOAD_SHORT_MAX ? 2 : 8;
        return 2 + lengthBytes + (masked ? 4 : 0) + payload;
    }

    /** One final frame (RFC 6455 §5.2), with a random masking key and random payload. */
    private void write(int opcode, int payload) {
        int maskBit = masked ? WebSocketProtocol.B1_FLAG_MASK : 0;
        bytes[length++] = (byte) (WebSocketProtocol.B0_FLAG_FIN | opcode);
        if (payload <= WebSocketProtocol.PAYLOAD_BYTE_MAX) {
            bytes[length++] = (byte) (maskBit | payload);
        } else if (payload <= WebSocketProtocol.PAYLOAD_SHORT_MAX) {
            bytes[length++] = (byte) (maskBit | WebSocketProtocol.PAYLOAD_SHORT);
            bytes[length++] = (byte) (payload >>> 8);
            bytes[length++] = (byte) payload;
        } else {
            bytes[length++] = (byte) (maskBit | WebSocketProtocol.PAYLOAD_LONG);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[length++] = (byte) ((long) payload >>> shift);
            }
        }
        int randomBytes = (masked ? 4 : 0) + payload;
        for (int i = 0; i < randomBytes; i++) {
            bytes[length++] = (byte) content.nextInt(256);
        }
    }
}
