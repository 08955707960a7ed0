package io.wsproxy.internal.handshake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP error answer for a peer's violation: status, reason phrase, a log-friendly detail (never sent on the
 * wire) and extra response headers. Immutable and thread-safe.
 */
public final class HttpError {
    private final int status;
    private final String reasonPhrase;
    private final String detail;
    private final List<Map.Entry<String, String>> extraHeaders;

    /**
     * @param extraHeaderNameValuePairs header names and values, alternating
     * @throws IllegalArgumentException if the status is not 100-599 or the pairs are odd in number
     */
    public HttpError(int status, String detail, String... extraHeaderNameValuePairs) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("Not an HTTP status: " + status);
        }
        if (extraHeaderNameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("Header names and values must come in pairs");
        }
        this.status = status;
        this.reasonPhrase = reasonPhraseOf(status);
        this.detail = Objects.requireNonNull(detail, "detail");
        List<Map.Entry<String, String>> headers = new ArrayList<>(extraHeaderNameValuePairs.length / 2);
        for (int i = 0; i < extraHeaderNameValuePairs.length; i += 2) {
            headers.add(Map.entry(extraHeaderNameValuePairs[i], extraHeaderNameValuePairs[i + 1]));
        }
        this.extraHeaders = Collections.unmodifiableList(headers);
    }

    /** 400: malformed syntax or a handshake that is not a valid WebSocket request. */
    public static HttpError badRequest(String detail) {
        return new HttpError(400, detail);
    }

    /** 431: the request head exceeds the configured limit. */
    public static HttpError headersTooLarge(String detail) {
        return new HttpError(431, detail);
    }

    /** 502: the upstream answered something the proxy cannot use. */
    public static HttpError badGateway(String detail) {
        return new HttpError(502, detail);
    }

    public int status() {
        return status;
    }

    public String reasonPhrase() {
        return reasonPhrase;
    }

    /** What went wrong, for logs; never sent to the peer. */
    public String detail() {
        return detail;
    }

    /** Headers to add to the error response, in order; unmodifiable. */
    public List<Map.Entry<String, String>> extraHeaders() {
        return extraHeaders;
    }

    /** The RFC 9110 §15 reason phrase of a status, or a generic one for its class when unknown. */
    public static String reasonPhraseOf(int status) {
        switch (status) {
            case 101: return "Switching Protocols";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 408: return "Request Timeout";
            case 426: return "Upgrade Required";
            case 429: return "Too Many Requests";
            case 431: return "Request Header Fields Too Large";
            case 500: return "Internal Server Error";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            case 505: return "HTTP Version Not Supported";
            default:
                if (status >= 500) {
                    return "Server Error";
                }
                return status >= 400 ? "Client Error" : "Unknown";
        }
    }

    @Override
    public String toString() {
        return status + " " + reasonPhrase + " (" + detail + ")";
    }
}
