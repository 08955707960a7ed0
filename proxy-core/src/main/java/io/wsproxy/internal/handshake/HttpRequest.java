package io.wsproxy.internal.handshake;

import java.util.Objects;

/** A parsed request head: request line and header fields. Immutable and thread-safe. */
public final class HttpRequest {
    private final String method;
    /** Origin-form: starts with "/", path then optional "?" and query. */
    private final String target;
    private final int minorVersion;
    private final HttpHeaders headers;

    HttpRequest(String method, String target, int minorVersion, HttpHeaders headers) {
        this.method = Objects.requireNonNull(method, "method");
        this.target = Objects.requireNonNull(target, "target");
        this.minorVersion = minorVersion;
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /** The method token, case as received (methods are case-sensitive, RFC 9110 §9.1). */
    public String method() {
        return method;
    }

    /** The request target in origin-form (RFC 9112 §3.2.1): path and query, e.g. {@code /chat?room=1}. */
    public String target() {
        return target;
    }

    /** The target's path, without the query. */
    public String path() {
        int question = target.indexOf('?');
        return question < 0 ? target : target.substring(0, question);
    }

    /** The target's query without the "?", or null if there is none (an empty query after "?" is ""). */
    public String query() {
        int question = target.indexOf('?');
        return question < 0 ? null : target.substring(question + 1);
    }

    /** The minor HTTP version: 1 for HTTP/1.1, the only version the parser accepts. */
    public int minorVersion() {
        return minorVersion;
    }

    public HttpHeaders headers() {
        return headers;
    }

    @Override
    public String toString() {
        return method + " " + path() + " HTTP/1." + minorVersion;
    }
}
