package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;

/**
 * Decodes a body in the chunked transfer coding (RFC 9112 §7.1) from bytes pushed in pieces, into a bounded
 * {@link BodyBuffer}. Chunk extensions are skipped; the trailer section is read for its syntax and dropped
 * (RFC 9112 §7.1.2 lets a recipient discard it).
 *
 * <p>Not thread-safe: owned by one response parser, used by one connection's loop thread.
 */
final class ChunkedBodyDecoder {
    /** Limit of one chunk-size line, extensions included. */
    static final int MAX_CHUNK_LINE_BYTES = 4096;

    private enum State {
        /** Reading {@code chunk-size [ chunk-ext ] CRLF}. */
        CHUNK_SIZE,
        /** Copying {@link #remaining} more bytes of chunk data. */
        CHUNK_DATA,
        /** Expecting the CRLF after chunk data. */
        CHUNK_DATA_END,
        /** After the last chunk: trailer fields up to an empty line. */
        TRAILERS,
        COMPLETE,
        FAILED
    }

    private final BodyBuffer body;
    private final int maxTrailerBytes;
    private final LineReader lineReader = new LineReader();
    private State state = State.CHUNK_SIZE;
    private long remaining;
    private HeadParser trailers;
    private String failure;

    ChunkedBodyDecoder(BodyBuffer body, int maxTrailerBytes) {
        this.body = body;
        this.maxTrailerBytes = maxTrailerBytes;
    }

    /** Consumes bytes up to the end of the chunked body at most. */
    ParseStatus decode(ByteBuffer in) {
        while (true) {
            switch (state) {
                case CHUNK_SIZE:
                case CHUNK_DATA_END:
                    LineReader.Result line = lineReader.read(in, MAX_CHUNK_LINE_BYTES);
                    if (line == LineReader.Result.NEED_MORE) {
                        return ParseStatus.NEED_MORE;
                    }
                    onLine(line);
                    break;
                case CHUNK_DATA:
                    int count = (int) Math.min(remaining, in.remaining());
                    body.append(in, count);
                    remaining -= count;
                    if (remaining > 0) {
                        return ParseStatus.NEED_MORE;
                    }
                    state = State.CHUNK_DATA_END;
                    break;
                case TRAILERS:
                    ParseStatus status = trailers.parse(in);
                    if (status == ParseStatus.ERROR) {
                        return fail(trailers.failure() == HeadParser.Failure.MALFORMED
                                ? "malformed trailer section: " + trailers.failureDetail()
                                : "trailer section exceeds " + maxTrailerBytes + " bytes or "
                                        + ResponseParser.MAX_FIELD_COUNT + " fields");
                    }
                    if (status == ParseStatus.NEED_MORE) {
                        return status;
                    }
                    state = State.COMPLETE;
                    break;
                case COMPLETE:
                    return ParseStatus.COMPLETE;
                case FAILED:
                    return ParseStatus.ERROR;
                default:
                    throw new AssertionError(state);
            }
        }
    }

    /** What was wrong, after {@link ParseStatus#ERROR}. */
    String failure() {
        return failure;
    }

    private void onLine(LineReader.Result result) {
        if (result == LineReader.Result.MALFORMED) {
            fail("malformed chunked body: " + lineReader.violation());
        } else if (result == LineReader.Result.OVER_BUDGET) {
            fail("chunk line exceeds " + MAX_CHUNK_LINE_BYTES + " bytes");
        } else if (state == State.CHUNK_DATA_END) {
            // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF.
            if (lineReader.lineIsEmpty()) {
                state = State.CHUNK_SIZE;
            } else {
                fail("chunk data longer than its chunk size");
            }
        } else {
            onChunkSize(lineReader.line());
        }
    }

    /** RFC 9112 §7.1: chunk-size = 1*HEXDIG, then chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ). */
    private void onChunkSize(String line) {
        long size = 0;
        int digits = 0;
        while (digits < line.length() && hexValue(line.charAt(digits)) >= 0) {
            size = size * 16 + hexValue(line.charAt(digits));
            digits++;
            if (!body.fits(size)) {
                fail("body exceeds " + body.maxBytes() + " bytes");
                return;
            }
        }
        String extension = HttpSyntax.trimWhitespace(line.substring(digits));
        if (digits == 0 || !(extension.isEmpty() || extension.charAt(0) == ';')) {
            fail("malformed chunk size line");
        } else if (size == 0) {
            trailers = new HeadParser(maxTrailerBytes, ResponseParser.MAX_FIELD_COUNT, false, 0);
            state = State.TRAILERS;
        } else {
            body.reserve(size);
            remaining = size;
            state = State.CHUNK_DATA;
        }
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private ParseStatus fail(String detail) {
        failure = detail;
        state = State.FAILED;
        return ParseStatus.ERROR;
    }
}
