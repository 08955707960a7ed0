package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Test helper: feeds bytes to a push parser whole, byte by byte, or split at a given position. */
final class Feeding {
    private Feeding() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static ByteBuffer buffer(String text) {
        return ByteBuffer.wrap(bytes(text));
    }

    /**
     * Feeds {@code input} in pieces that end at the given split positions, as a connection would read it; stops
     * at the first status other than NEED_MORE. Returns the final status and the count of bytes consumed.
     */
    static Outcome feed(byte[] input, Function<ByteBuffer, ParseStatus> parser, int... splits) {
        int consumed = 0;
        int start = 0;
        ParseStatus status = ParseStatus.NEED_MORE;
        for (int i = 0; i <= splits.length; i++) {
            int end = i < splits.length ? splits[i] : input.length;
            // Each read sees the unconsumed rest of the previous one plus new bytes, like a connection buffer.
            ByteBuffer piece = ByteBuffer.wrap(input, consumed, end - consumed).slice();
            status = parser.apply(piece);
            consumed += piece.position();
            start = end;
            if (status != ParseStatus.NEED_MORE) {
                break;
            }
        }
        return new Outcome(status, consumed, start);
    }

    /** Feeds one byte per call. */
    static Outcome feedByteByByte(byte[] input, Function<ByteBuffer, ParseStatus> parser) {
        int[] splits = new int[Math.max(0, input.length - 1)];
        for (int i = 0; i < splits.length; i++) {
            splits[i] = i + 1;
        }
        return feed(input, parser, splits);
    }

    /** The final status, bytes consumed, and bytes offered so far. */
    record Outcome(ParseStatus status, int consumed, int offered) {
    }
}
