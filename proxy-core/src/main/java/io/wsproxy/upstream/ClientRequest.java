package io.wsproxy.upstream;

import io.wsproxy.TlsInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link BalancingStrategy} knows of a new client connection: the client's address and its upgrade
 * request. Immutable.
 */
public final class ClientRequest {
    private final InetSocketAddress remoteAddress;
    private final String path;
    private final String query;
    private final Map<String, List<String>> headers;
    private final TlsInfo tls;

    /** A request that came over ws:// (no TLS). */
    public ClientRequest(InetSocketAddress remoteAddress, String path, String query, Map<String, List<String>> headers) {
        this(remoteAddress, path, query, headers, null);
    }

    /**
     * @param headers header values keyed by lower-case name; kept as given, so pass an unmodifiable map
     * @param tls     what the client's TLS handshake settled; null for ws://
     */
    public ClientRequest(InetSocketAddress remoteAddress, String path, String query, Map<String, List<String>> headers,
            TlsInfo tls) {
        this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
        this.path = Objects.requireNonNull(path, "path");
        this.query = query;
        this.headers = Objects.requireNonNull(headers, "headers");
        this.tls = tls;
    }

    /** The client's address as the proxy sees it (the TCP peer). */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The request path, without the query. */
    public String path() {
        return path;
    }

    /** The query string without {@code ?}, or null when there is none. */
    public String query() {
        return query;
    }

    /** All header values, keyed by lower-case name. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /**
     * For a wss:// listener, the client's TLS session: protocol, SNI name, and under mutual TLS its verified
     * certificate; null for ws://.
     */
    public TlsInfo tls() {
        return tls;
    }

    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String toString() {
        return remoteAddress + " " + path + (query == null ? "" : "?" + query);
    }
}
