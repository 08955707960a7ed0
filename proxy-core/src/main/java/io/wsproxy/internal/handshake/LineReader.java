package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;

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

    /** The line so far, without its CR; cleared when a new line starts. */
    private final StringBuilder line = new StringBuilder(64);
    /** The last byte taken was a CR, so the next one must be LF. */
    private boolean afterCarriageReturn;
    private boolean lineEnded;
    private String violation;

    /**
     * Takes bytes from {@code in} up to and including the LF ending the line, but at most {@code budget} bytes.
     * Stops right after the LF, or right at a forbidden byte (unconsumed).
     */
    Result read(ByteBuffer in, int budget) {
        if (lineEnded) {
            line.setLength(0);
            lineEnded = false;
        }
        int taken = 0;
        while (in.hasRemaining()) {
            if (taken == budget) {
                return Result.OVER_BUDGET;
            }
            int b = in.get(in.position()) & 0xff;
            if (afterCarriageReturn) {
                // RFC 9112 §2.2: a bare CR (not followed by LF) is rejected.
                if (b != HttpSyntax.LF) {
                    return malformed("bare CR (not followed by LF)");
                }
                in.position(in.position() + 1);
                afterCarriageReturn = false;
                lineEnded = true;
                return Result.LINE;
            }
            if (b == HttpSyntax.CR) {
                afterCarriageReturn = true;
            } else if (b == HttpSyntax.LF) {
                // RFC 9112 §2.2 allows a lone LF as terminator; we accept only CRLF, to leave no ambiguity.
                return malformed("bare LF (not preceded by CR)");
            } else if (HttpSyntax.isControl(b) && b != HttpSyntax.HTAB) {
                // RFC 9110 §5.5 field values and RFC 9112 §3, §4 start lines hold no CTL other than HTAB.
                return malformed("control character 0x" + Integer.toHexString(b));
            } else {
                line.append((char) b);
            }
            in.position(in.position() + 1);
            taken++;
        }
        return Result.NEED_MORE;
    }

    /** The finished line without CRLF; valid after {@link Result#LINE} until the next {@link #read}. */
    String line() {
        return line.toString();
    }

    /** Whether the finished line is empty (the end of a head). */
    boolean lineIsEmpty() {
        return line.length() == 0;
    }

    String violation() {
        return violation;
    }

    private Result malformed(String what) {
        violation = what;
        return Result.MALFORMED;
    }
}
