package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one CRLF-terminated line of an HTTP/1.1 head (RFC 9112 §2.2) from bytes pushed in pieces. Only CRLF ends
 * a line: a bare CR or bare LF is a violation, and so is any control character other than HTAB (RFC 9112 §2.2,
 * RFC 9110 §5.5), which covers every line of the head. Bytes are taken as ISO-8859-1 characters.
 *
 * <p>Not thread-safe: owned by one parser, used by one connection's loop thread.
 */
final class LineReader {

    /** What {@link #read} found. */
    enum Result {
        /** All offered bytes (within the budget) were taken and the line is not finished. */
        NEED_MORE,
        /** The line ended; see {@link #line()}. */
        LINE,
        /** Another byte is available but the budget is spent. */
        OVER_BUDGET,
        /** A forbidden byte; see {@link #violation()}. */
        MALFORMED
    }

    /** Capacity of a new line buffer: fits the usual field lines (a long cookie too) without growing. */
    static final int INITIAL_CAPACITY = 256;

    /** The line so far is {@code bytes[0, length)}, without its CR; cleared when a new line starts. */
    private byte[] bytes;
    private int length;
    /** The last byte taken was a CR, so the next one must be LF. */
    private boolean afterCarriageReturn;
    private boolean lineEnded;
    private String violation;

    LineReader() {
        this(INITIAL_CAPACITY);
    }

    LineReader(int initialCapacity) {
        this.bytes = new byte[initialCapacity];
    }

    /**
     * Takes bytes from {@code in} up to and including the LF ending the line, but at most {@code budget} bytes.
     * Stops right after the LF, or right at a forbidden byte (unconsumed).
     */
    Result read(ByteBuffer in, int budget) {
        if (lineEnded) {
            length = 0;
            lineEnded = false;
        }
        int start = in.position();
        int available = in.limit() - start;
        int examinable = Math.min(available, budget);
        Result result = null;
        int taken = 0;
        // Absolute gets and one position update: no per-byte buffer state changes.
        while (taken < examinable) {
            int b = in.get(start + taken) & 0xff;
            if (afterCarriageReturn) {
                // RFC 9112 §2.2: a bare CR (not followed by LF) is rejected.
                if (b != HttpSyntax.LF) {
                    result = malformed("bare CR (not followed by LF)");
                    break;
                }
                taken++;
                afterCarriageReturn = false;
                lineEnded = true;
                result = Result.LINE;
                break;
            }
            if (b == HttpSyntax.CR) {
                afterCarriageReturn = true;
            } else if (b == HttpSyntax.LF) {
                // RFC 9112 §2.2 allows a lone LF as terminator; we accept only CRLF, to leave no ambiguity.
                result = malformed("bare LF (not preceded by CR)");
                break;
            } else if (HttpSyntax.isControl(b) && b != HttpSyntax.HTAB) {
                // RFC 9110 §5.5 field values and RFC 9112 §3, §4 start lines hold no CTL other than HTAB.
                result = malformed("control character 0x" + Integer.toHexString(b));
                break;
            } else {
                if (length == bytes.length) {
                    bytes = Arrays.copyOf(bytes, 2 * length);
                }
                bytes[length++] = (byte) b;
            }
            taken++;
        }
        in.position(start + taken);
        if (result != null) {
            return result;
        }
        // Every examinable byte was taken: the budget is spent if another byte is available.
        return available > budget ? Result.OVER_BUDGET : Result.NEED_MORE;
    }

    /** The finished line without CRLF; valid after {@link Result#LINE} until the next {@link #read}. */
    String line() {
        return text(0, length);
    }

    /** Whether the finished line is empty (the end of a head). */
    boolean lineIsEmpty() {
        return length == 0;
    }

    /** The finished line's length in bytes. */
    int length() {
        return length;
    }

    /** Byte {@code i} of the finished line, 0-255. */
    int byteAt(int i) {
        return bytes[i] & 0xff;
    }

    /** Bytes {@code [from, to)} of the finished line as ISO-8859-1 text, without an intermediate copy. */
    String text(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Whether bytes {@code [from, from + text.length())} of the line equal the ASCII {@code text} exactly. */
    boolean regionEquals(int from, String text) {
        if (from + text.length() > length) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (bytes[from + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    String violation() {
        return violation;
    }

    private Result malformed(String what) {
        violation = what;
        return Result.MALFORMED;
    }
}
