package io.wsproxy.internal.handshake;

import java.util.Objects;

/** A parsed upstream response: status line, header fields and the decoded body. Immutable and thread-safe. */
public final class HttpResponse {
    private static final byte[] NO_BODY = new byte[0];

    private final int minorVersion;
    private final int status;
    private final String reasonPhrase;
    private final HttpHeaders headers;
    /** Never handed out: {@link #body()} returns a copy. */
    private final byte[] body;

    HttpResponse(int minorVersion, int status, String reasonPhrase, HttpHeaders headers, byte[] body) {
        this.minorVersion = minorVersion;
        this.status = status;
        this.reasonPhrase = Objects.requireNonNull(reasonPhrase, "reasonPhrase");
        this.headers = Objects.requireNonNull(headers, "headers");
        this.body = body.length == 0 ? NO_BODY : body;
    }

    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    public int minorVersion() {
        return minorVersion;
    }

    public int status() {
        return status;
    }

    /** As received; may be empty (RFC 9112 §4). */
    public String reasonPhrase() {
        return reasonPhrase;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The body with any chunked coding removed; empty for 101, 204, 304. A copy. */
    public byte[] body() {
        return body.length == 0 ? NO_BODY : body.clone();
    }

    /** The body's length, without copying it. */
    public int bodyLength() {
        return body.length;
    }

    @Override
    public String toString() {
        return "HTTP/1." + minorVersion + " " + status + " " + reasonPhrase + " (" + body.length + " body bytes)";
    }
}
