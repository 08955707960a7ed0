package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads the head of an HTTP/1.1 message, a start line then field lines up to an empty line (RFC 9112 §2.1, §5),
 * from bytes pushed in pieces, within a byte limit and a field-count limit. It checks the syntax common to
 * requests and responses; the caller parses the start line and judges the fields. Also reads a chunked body's
 * trailer section (RFC 9112 §7.1.2), which is field lines without a start line.
 *
 * <p>The limits hold while the head is still arriving: no more than {@code maxBytes} bytes are ever taken, so a
 * line that never ends is refused as soon as it crosses the limit.
 *
 * <p>Not thread-safe: one instance per message, used by one connection's loop thread.
 */
final class HeadParser {
    /** Room for the fields of a browser's upgrade request before the arrays grow. */
    private static final int INITIAL_FIELD_CAPACITY = 16;

    /** Why the head was refused. */
    enum Failure {
        /** Broken syntax; see {@link #failureDetail()}. */
        MALFORMED,
        /** More bytes than allowed. */
        TOO_MANY_BYTES,
        /** More field lines than allowed. */
        TOO_MANY_FIELDS
    }

    private enum State {
        /** Before the start line, where a few empty lines may be skipped. */
        START_LINE,
        FIELD_LINES,
        COMPLETE,
        FAILED
    }

    private final int maxBytes;
    private final int maxFieldCount;
    /** How many more empty lines may precede the start line (RFC 9112 §2.2). */
    private int emptyLinesAllowed;
    private final LineReader lineReader = new LineReader();
    /** Fields so far: {@code names[0, fieldCount)} and their values; handed to {@link HttpHeaders} at the end. */
    private String[] names = new String[INITIAL_FIELD_CAPACITY];
    private String[] values = new String[INITIAL_FIELD_CAPACITY];
    private int fieldCount;
    private State state;
    private int bytesConsumed;
    private String startLine;
    private HttpHeaders headers;
    private Failure failure;
    private String failureDetail;

    /**
     * @param hasStartLine        false to read a trailer section: field lines only
     * @param leadingEmptyLines   how many empty lines before the start line to skip
     */
    HeadParser(int maxBytes, int maxFieldCount, boolean hasStartLine, int leadingEmptyLines) {
        if (maxBytes < 1 || maxFieldCount < 0) {
            throw new IllegalArgumentException("Limits must be positive: " + maxBytes + ", " + maxFieldCount);
        }
        this.maxBytes = maxBytes;
        this.maxFieldCount = maxFieldCount;
        this.emptyLinesAllowed = leadingEmptyLines;
        this.state = hasStartLine ? State.START_LINE : State.FIELD_LINES;
    }

    /** Consumes bytes up to the end of the head at most; see {@link ParseStatus}. */
    ParseStatus parse(ByteBuffer in) {
        while (state == State.START_LINE || state == State.FIELD_LINES) {
            int before = in.position();
            LineReader.Result result = lineReader.read(in, maxBytes - bytesConsumed);
            bytesConsumed += in.position() - before;
            switch (result) {
                case NEED_MORE:
                    return ParseStatus.NEED_MORE;
                case OVER_BUDGET:
                    return fail(Failure.TOO_MANY_BYTES, "head exceeds " + maxBytes + " bytes");
                case MALFORMED:
                    return fail(Failure.MALFORMED, lineReader.violation());
                case LINE:
                    if (state == State.START_LINE) {
                        onStartLine();
                    } else {
                        onFieldLine();
                    }
                    break;
                default:
                    throw new AssertionError(result);
            }
        }
        return state == State.COMPLETE ? ParseStatus.COMPLETE : ParseStatus.ERROR;
    }

    private void onStartLine() {
        if (lineReader.lineIsEmpty()) {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
            if (emptyLinesAllowed-- > 0) {
                return;
            }
            fail(Failure.MALFORMED, "empty line instead of a start line");
            return;
        }
        startLine = lineReader.line();
        state = State.FIELD_LINES;
    }

    private void onFieldLine() {
        if (lineReader.lineIsEmpty()) {
            headers = new HttpHeaders(names, values, fieldCount);
            state = State.COMPLETE;
            return;
        }
        // The line is checked in place in the reader's bytes: only the name and the value become Strings.
        int length = lineReader.length();
        // RFC 9112 §5.2: obs-fold (a line starting with SP or HTAB) is rejected; this also covers RFC 9112 §2.2,
        // whitespace between the start line and the first field line.
        if (HttpSyntax.isWhitespace(lineReader.byteAt(0))) {
            fail(Failure.MALFORMED, "obsolete line folding or whitespace before a field name");
            return;
        }
        int colon = 0;
        while (colon < length && lineReader.byteAt(colon) != ':') {
            colon++;
        }
        if (colon == length) {
            fail(Failure.MALFORMED, "field line without a colon");
            return;
        }
        if (colon == 0) {
            fail(Failure.MALFORMED, "empty field name");
            return;
        }
        // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
        if (HttpSyntax.isWhitespace(lineReader.byteAt(colon - 1))) {
            fail(Failure.MALFORMED, "whitespace between field name and colon");
            return;
        }
        // RFC 9110 §5.1: a field name is a token.
        for (int i = 0; i < colon; i++) {
            if (!HttpSyntax.isTokenChar(lineReader.byteAt(i))) {
                fail(Failure.MALFORMED, "field name is not a token");
                return;
            }
        }
        // RFC 9110 §5: the limit on field count is the server's choice; 431 per RFC 6585 §5.
        if (fieldCount == maxFieldCount) {
            fail(Failure.TOO_MANY_FIELDS, "head has more than " + maxFieldCount + " header fields");
            return;
        }
        // RFC 9112 §5.1: field-value is surrounded by optional whitespace, not part of it. Control characters were
        // refused by the line reader (RFC 9110 §5.5).
        int valueStart = colon + 1;
        int valueEnd = length;
        while (valueStart < valueEnd && HttpSyntax.isWhitespace(lineReader.byteAt(valueStart))) {
            valueStart++;
        }
        while (valueEnd > valueStart && HttpSyntax.isWhitespace(lineReader.byteAt(valueEnd - 1))) {
            valueEnd--;
        }
        if (fieldCount == names.length) {
            names = Arrays.copyOf(names, 2 * fieldCount);
            values = Arrays.copyOf(values, 2 * fieldCount);
        }
        names[fieldCount] = text(0, colon);
        values[fieldCount] = text(valueStart, valueEnd);
        fieldCount++;
    }

    /** Line bytes {@code [from, to)} as a String: a shared constant for a common name or value, else a new one. */
    private String text(int from, int to) {
        String known = KnownText.find(lineReader, from, to);
        return known != null ? known : lineReader.text(from, to);
    }

    private ParseStatus fail(Failure kind, String detail) {
        failure = kind;
        failureDetail = detail;
        state = State.FAILED;
        return ParseStatus.ERROR;
    }

    /** The start line without CRLF; after {@link ParseStatus#COMPLETE} (null for a trailer section). */
    String startLine() {
        return startLine;
    }

    /** The fields; after {@link ParseStatus#COMPLETE}. */
    HttpHeaders headers() {
        return headers;
    }

    Failure failure() {
        return failure;
    }

    String failureDetail() {
        return failureDetail;
    }

    int bytesConsumed() {
        return bytesConsumed;
    }
}
