package io.wsproxy.internal.handshake;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Incremental parser of the client's upgrade request head (RFC 9112 §2-§5), fed bytes as they arrive in any
 * split, with identical results. It checks message syntax and the framing rules that matter to a proxy; whether
 * the request is a valid WebSocket handshake is {@link UpgradeValidator}'s job.
 *
 * <p>Decisions beyond the RFC's musts: only CRLF ends a line; up to {@value #LEADING_EMPTY_LINES} empty lines
 * before the request line are skipped; HTTP versions other than 1.1 are refused (1.0 and below with 400, above
 * 1.1 with 505); the absolute-form target {@code http://host/path} (also https, ws, wss) is accepted when its
 * authority equals the Host header, and reduced to origin-form; a request with a body (Content-Length other
 * than 0, or any Transfer-Encoding) is refused, so that no byte of a body can be taken for a frame (request
 * smuggling).
 *
 * <p>Not thread-safe: one instance per client connection, used by its loop thread.
 */
public final class RequestParser {
    /** Empty lines tolerated before the request line (RFC 9112 §2.2 asks for at least one). */
    static final int LEADING_EMPTY_LINES = 4;

    private enum State { HEAD, COMPLETE, FAILED }

    private final HeadParser head;
    private State state = State.HEAD;
    private HttpRequest request;
    private HttpError error;

    /** @param maxHeaderBytes limit of the whole head, request line and final CRLF included (proxy: 16384) */
    public RequestParser(int maxHeaderBytes, int maxHeaderCount) {
        this.head = new HeadParser(maxHeaderBytes, maxHeaderCount, true, LEADING_EMPTY_LINES);
    }

    /**
     * Consumes bytes from {@code in.position()} up to {@code in.limit()}. On {@link ParseStatus#COMPLETE},
     * {@code in.position()} is right after the blank line ending the head and later bytes stay unconsumed. Once
     * complete or failed, further calls consume nothing and return the same status.
     */
    public ParseStatus parse(ByteBuffer in) {
        if (state != State.HEAD) {
            return state == State.COMPLETE ? ParseStatus.COMPLETE : ParseStatus.ERROR;
        }
        switch (head.parse(in)) {
            case NEED_MORE:
                return ParseStatus.NEED_MORE;
            case ERROR:
                // RFC 6585 §5: 431 for a head over the limits, whether by bytes or by field count.
                return fail(head.failure() == HeadParser.Failure.MALFORMED
                        ? HttpError.badRequest(head.failureDetail())
                        : HttpError.headersTooLarge("request " + head.failureDetail()));
            case COMPLETE:
                return onHead(head.startLine(), head.headers());
            default:
                throw new AssertionError();
        }
    }

    /** The request; after {@link ParseStatus#COMPLETE}, else null. */
    public HttpRequest request() {
        return request;
    }

    /** Why the request was refused; after {@link ParseStatus#ERROR}, else null. */
    public HttpError error() {
        return error;
    }

    /** Bytes consumed so far, over all calls. */
    public int bytesConsumed() {
        return head.bytesConsumed();
    }

    private ParseStatus onHead(String requestLine, HttpHeaders headers) {
        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version, single spaces.
        int firstSpace = requestLine.indexOf(' ');
        int secondSpace = firstSpace < 0 ? -1 : requestLine.indexOf(' ', firstSpace + 1);
        if (secondSpace < 0 || requestLine.indexOf(' ', secondSpace + 1) >= 0) {
            return fail(HttpError.badRequest("malformed request line"));
        }
        // The usual method shares a constant; methods are case-sensitive (RFC 9110 §9.1), so only "GET" matches.
        String method = firstSpace == 3 && requestLine.startsWith("GET") ? "GET"
                : requestLine.substring(0, firstSpace);
        String target = requestLine.substring(firstSpace + 1, secondSpace);
        // RFC 9110 §9.1: method = token.
        if (!HttpSyntax.isToken(method)) {
            return fail(HttpError.badRequest("method is not a token"));
        }
        int versionNumber = HttpSyntax.parseVersion(requestLine, secondSpace + 1);
        if (versionNumber < 0) {
            return fail(HttpError.badRequest("malformed HTTP version"));
        }
        // RFC 6455 §4.1: the opening handshake is an HTTP/1.1 request; below that it is a malformed handshake.
        if (versionNumber < 11) {
            return fail(HttpError.badRequest("HTTP version below 1.1"));
        }
        // RFC 9110 §15.6.6: 505 for a version the server does not support. HTTP/1.2+ does not exist and
        // HTTP/2 and later are not sent in HTTP/1 syntax, so the client is told exactly what is wrong.
        if (versionNumber > 11) {
            return fail(new HttpError(505, "HTTP version " + requestLine.substring(secondSpace + 1)
                    + " not supported"));
        }
        // RFC 9112 §3.2: exactly one Host; zero or several → 400.
        if (headers.count("Host") != 1) {
            return fail(HttpError.badRequest(headers.count("Host") + " Host header fields"));
        }
        String originForm = originForm(target, headers.first("Host"));
        if (originForm == null) {
            return fail(HttpError.badRequest("request target is not in origin-form"));
        }
        HttpError framing = checkNoBody(headers);
        if (framing != null) {
            return fail(framing);
        }
        request = new HttpRequest(method, originForm, versionNumber % 10, headers);
        state = State.COMPLETE;
        return ParseStatus.COMPLETE;
    }

    /**
     * The target in origin-form (RFC 9112 §3.2.1), or null if it is not a valid origin-form target nor an
     * absolute-form one (RFC 9112 §3.2.2) naming the same authority as Host.
     */
    private static String originForm(String target, String host) {
        // RFC 3986 §3.3-§3.4: path and query are visible ASCII; "#" starts a fragment, which a request never has.
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                return null;
            }
        }
        if (target.startsWith("/")) {
            return target;
        }
        int schemeEnd = target.indexOf("://");
        if (schemeEnd < 0) {
            return null; // asterisk-form and authority-form (RFC 9112 §3.2.3-§3.2.4) are not for GET
        }
        String scheme = target.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("ws") && !scheme.equals("wss")) {
            return null;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < target.length() && target.charAt(authorityEnd) != '/'
                && target.charAt(authorityEnd) != '?') {
            authorityEnd++;
        }
        String authority = target.substring(authorityStart, authorityEnd);
        // RFC 9112 §3.2.2 makes the target's authority override Host; requiring them equal keeps one meaning for
        // every hop. RFC 9110 §4.2.4: userinfo is not allowed.
        if (authority.isEmpty() || authority.indexOf('@') >= 0 || !authority.equalsIgnoreCase(host)) {
            return null;
        }
        String rest = target.substring(authorityEnd);
        return rest.startsWith("/") ? rest : "/" + rest;
    }

    /** 400 unless the request has no body: only Content-Length 0, no Transfer-Encoding (RFC 9112 §6.1-§6.3). */
    private static HttpError checkNoBody(HttpHeaders headers) {
        // RFC 9112 §6.1: Transfer-Encoding in an upgrade request has no use; with Content-Length it is the classic
        // smuggling vector (RFC 9112 §6.3 item 3, §11.2).
        if (headers.count("Transfer-Encoding") > 0) {
            return HttpError.badRequest("Transfer-Encoding in an upgrade request");
        }
        for (String length : headers.all("Content-Length")) {
            if (!length.equals("0")) {
                return HttpError.badRequest("request body (Content-Length " + length + ")");
            }
        }
        return null;
    }

    private ParseStatus fail(HttpError failure) {
        error = failure;
        state = State.FAILED;
        return ParseStatus.ERROR;
    }
}
