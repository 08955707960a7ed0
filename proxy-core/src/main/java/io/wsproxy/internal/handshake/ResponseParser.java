package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;

/**
 * Incremental parser of the upstream's answer to our upgrade request (RFC 9112 §4, §6), fed bytes as they arrive
 * in any split. A 101 is complete as soon as its head ends, leaving the first WebSocket frames unconsumed; any
 * other final response is complete once its body is (RFC 9112 §6.3): none for 204 and 304, Content-Length bytes,
 * chunked (decoded; chunk extensions and trailers dropped), or else everything until the upstream closes.
 *
 * <p>Interim 1xx responses other than 101 (e.g. 100 Continue) are skipped, as RFC 9110 §15.2 requires of a
 * client; their heads count toward the head limit. Every violation is a 502 whose detail says what was wrong.
 * HTTP/1.0 is accepted for final responses other than 101. Lenient in one way the grammar is not: a status line
 * without reason phrase may also lack the space before it ("HTTP/1.1 101"), which some servers send.
 *
 * <p>Not thread-safe: one instance per upstream connection, used by its loop thread.
 */
public final class ResponseParser {
    /** Limit of header fields in one head: the byte limit bounds memory; this bounds the work of lookups. */
    static final int MAX_FIELD_COUNT = 1000;

    private enum State {
        /** Reading a head; after an interim response, the next one. */
        HEAD,
        /** Copying the rest of a Content-Length body. */
        FIXED_BODY,
        CHUNKED_BODY,
        /** Copying everything until {@link #endOfInput()}. */
        UNTIL_CLOSE,
        COMPLETE,
        FAILED
    }

    private final int maxHeaderBytes;
    private final BodyBuffer body;
    private State state = State.HEAD;
    private HeadParser head;
    /** Head bytes of the interim responses skipped so far. */
    private int skippedHeadBytes;
    private ChunkedBodyDecoder chunked;
    /** Bytes still due in a Content-Length body. */
    private long remaining;
    private int minorVersion;
    private int status;
    private String reasonPhrase;
    private HttpHeaders headers;
    private HttpResponse response;
    private HttpError error;

    /** @param maxHeaderBytes limit of the head, status line included (proxy: 16384); maxBodyBytes proxy: 65536 */
    public ResponseParser(int maxHeaderBytes, int maxBodyBytes) {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes < 0: " + maxBodyBytes);
        }
        this.maxHeaderBytes = maxHeaderBytes;
        this.body = new BodyBuffer(maxBodyBytes);
        this.head = new HeadParser(maxHeaderBytes, MAX_FIELD_COUNT, true, 0);
    }

    /**
     * Consumes bytes from {@code in.position()}; on COMPLETE, {@code in.position()} is right after the message
     * (for a 101, right after its head) and later bytes stay unconsumed. Once complete or failed, further calls
     * consume nothing and return the same status.
     */
    public ParseStatus parse(ByteBuffer in) {
        while (true) {
            switch (state) {
                case HEAD:
                    ParseStatus headStatus = head.parse(in);
                    if (headStatus == ParseStatus.NEED_MORE) {
                        return headStatus;
                    }
                    if (headStatus == ParseStatus.ERROR) {
                        return fail(head.failure() == HeadParser.Failure.MALFORMED
                                ? "malformed upstream response: " + head.failureDetail()
                                : "upstream response head exceeds " + maxHeaderBytes + " bytes or "
                                        + MAX_FIELD_COUNT + " fields");
                    }
                    onHead();
                    break;
                case FIXED_BODY:
                    int count = (int) Math.min(remaining, in.remaining());
                    body.append(in, count);
                    remaining -= count;
                    if (remaining > 0) {
                        return ParseStatus.NEED_MORE;
                    }
                    complete();
                    break;
                case CHUNKED_BODY:
                    ParseStatus bodyStatus = chunked.decode(in);
                    if (bodyStatus == ParseStatus.NEED_MORE) {
                        return bodyStatus;
                    }
                    if (bodyStatus == ParseStatus.ERROR) {
                        return fail("upstream response " + chunked.failure());
                    }
                    complete();
                    break;
                case UNTIL_CLOSE:
                    if (!body.fits(in.remaining())) {
                        return fail("upstream response body exceeds " + body.maxBytes() + " bytes");
                    }
                    body.append(in, in.remaining());
                    return ParseStatus.NEED_MORE;
                case COMPLETE:
                    return ParseStatus.COMPLETE;
                case FAILED:
                    return ParseStatus.ERROR;
                default:
                    throw new AssertionError(state);
            }
        }
    }

    /**
     * The upstream closed its connection: COMPLETE if the body was delimited by the close (RFC 9112 §6.3 item 8)
     * or the response was already complete, else ERROR (a truncated response).
     */
    public ParseStatus endOfInput() {
        if (state == State.UNTIL_CLOSE) {
            complete();
        } else if (state != State.COMPLETE && state != State.FAILED) {
            // RFC 9112 §8: a message closed before its framing says it ends is incomplete.
            fail(state == State.HEAD ? "upstream closed the connection before the end of the response head"
                    : "upstream closed the connection before the end of the response body");
        }
        return state == State.COMPLETE ? ParseStatus.COMPLETE : ParseStatus.ERROR;
    }

    /** The response; after {@link ParseStatus#COMPLETE}, else null. */
    public HttpResponse response() {
        return response;
    }

    /** A 502 saying what was wrong; after {@link ParseStatus#ERROR}, else null. */
    public HttpError error() {
        return error;
    }

    private void onHead() {
        if (!parseStatusLine(head.startLine())) {
            return;
        }
        headers = head.headers();
        if (status == 101) {
            // RFC 9110 §7.8: Upgrade, and so 101, exist only from HTTP/1.1 on.
            if (minorVersion != 1) {
                fail("upstream sent 101 in HTTP/1.0");
            } else {
                complete();
            }
        } else if (status < 200) {
            // RFC 9110 §15.2: a client parses and skips interim responses before the final one.
            skippedHeadBytes += head.bytesConsumed();
            if (skippedHeadBytes >= maxHeaderBytes) {
                fail("upstream response head exceeds " + maxHeaderBytes + " bytes");
            } else {
                head = new HeadParser(maxHeaderBytes - skippedHeadBytes, MAX_FIELD_COUNT, true, 0);
            }
        } else if (status == 204 || status == 304) {
            complete(); // RFC 9112 §6.3 item 1: no body, whatever the header fields say.
        } else {
            chooseBodyFraming();
        }
    }

    /** RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]; false after failing. */
    private boolean parseStatusLine(String line) {
        int space = line.indexOf(' ');
        int version = space < 0 ? -1 : HttpSyntax.parseVersion(line.substring(0, space));
        int codeEnd = space + 4;
        if (version < 0 || line.length() < codeEnd || (line.length() > codeEnd && line.charAt(codeEnd) != ' ')) {
            fail("malformed upstream status line");
            return false;
        }
        // RFC 9110 §15: a status code is three digits, 100-599.
        int code = 0;
        for (int i = space + 1; i < codeEnd; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                fail("malformed upstream status line");
                return false;
            }
            code = code * 10 + (c - '0');
        }
        if (code < 100 || code > 599) {
            fail("upstream status code " + code + " out of range");
            return false;
        }
        if (version != 10 && version != 11) {
            fail("upstream answered in HTTP/" + (version / 10) + "." + (version % 10));
            return false;
        }
        minorVersion = version % 10;
        status = code;
        reasonPhrase = line.length() > codeEnd ? line.substring(codeEnd + 1) : "";
        return true;
    }

    /** RFC 9112 §6.3 items 3-8, strictly: anything ambiguous is an error rather than a guess. */
    private void chooseBodyFraming() {
        if (headers.count("Transfer-Encoding") > 0) {
            if (headers.count("Content-Length") > 0) {
                // RFC 9112 §6.3 item 3: both framings at once "ought to be handled as an error" (smuggling).
                fail("upstream response has both Transfer-Encoding and Content-Length");
            } else if (headers.count("Transfer-Encoding") != 1
                    || !headers.first("Transfer-Encoding").equalsIgnoreCase("chunked")) {
                // RFC 9112 §6.1: we decode no coding but chunked, and could not relay another with new framing.
                fail("upstream response has an unsupported Transfer-Encoding");
            } else {
                chunked = new ChunkedBodyDecoder(body, maxHeaderBytes);
                state = State.CHUNKED_BODY;
            }
        } else if (headers.count("Content-Length") > 0) {
            long length = contentLength();
            if (length < 0) {
                fail("upstream response has an invalid Content-Length");
            } else if (!body.fits(length)) {
                fail("upstream response body exceeds " + body.maxBytes() + " bytes");
            } else {
                body.reserve(length);
                remaining = length;
                state = State.FIXED_BODY; // completes at once, consuming nothing, when the length is 0
            }
        } else {
            state = State.UNTIL_CLOSE; // RFC 9112 §6.3 item 8.
        }
    }

    /** RFC 9110 §8.6: 1*DIGIT; several fields only if identical (RFC 9112 §6.3 item 5); -1 if invalid. */
    private long contentLength() {
        String first = headers.first("Content-Length");
        if (first.isEmpty() || first.length() > 18) {
            return -1;
        }
        for (String value : headers.all("Content-Length")) {
            if (!value.equals(first)) {
                return -1;
            }
        }
        long length = 0;
        for (int i = 0; i < first.length(); i++) {
            char c = first.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            length = length * 10 + (c - '0');
        }
        return length;
    }

    private void complete() {
        response = new HttpResponse(minorVersion, status, reasonPhrase, headers, body.toByteArray());
        state = State.COMPLETE;
    }

    private ParseStatus fail(String detail) {
        error = HttpError.badGateway(detail);
        state = State.FAILED;
        return ParseStatus.ERROR;
    }
}
