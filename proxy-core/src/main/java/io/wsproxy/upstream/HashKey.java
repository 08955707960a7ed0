package io.wsproxy.upstream;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@link ConsistentHashStrategy} hashes to choose a member: the client's address, a request header, a cookie
 * or a query parameter; nginx's {@code hash $remote_addr}, {@code hash $http_x_tenant}, {@code hash $cookie_session}
 * and {@code hash $arg_room}. Values are hashed as they arrive, byte for byte: nothing is decoded, so {@code a%20b}
 * and {@code a+b} are different keys, as they are to nginx.
 *
 * <p>A connection has no key when the header, cookie or parameter is absent or its value is empty (nginx falls back
 * to round-robin for an empty key too). Immutable; equal when the source and the name are.
 */
public final class HashKey {
    private enum Source {
        IP, HEADER, COOKIE, QUERY;

        String spec() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Source source;
    /** The name as given; null for {@link Source#IP}. */
    private final String name;
    /** {@link #name} in lower case, for header look-ups; null otherwise. */
    private final String lowerCaseName;

    private HashKey(Source source, String name) {
        this.source = source;
        this.name = name;
        this.lowerCaseName = source == Source.HEADER ? name.toLowerCase(Locale.ROOT) : null;
    }

    /** The client's whole address (the TCP peer, four bytes for IPv4, sixteen for IPv6). */
    public static HashKey clientIp() {
        return new HashKey(Source.IP, null);
    }

    /**
     * The first value of request header {@code name} (any case), without surrounding spaces. Behind another proxy,
     * {@code header("X-Forwarded-For")} hashes the whole chain that proxy sent.
     *
     * @throws IllegalArgumentException if {@code name} is not an HTTP field name (a token, RFC 9110 §5.1)
     */
    public static HashKey header(String name) {
        return new HashKey(Source.HEADER, checkToken("header", name));
    }

    /**
     * The value of cookie {@code name} (case-sensitive): the first {@code name=value} pair of the {@code Cookie}
     * header(s), whose pairs are separated by {@code ;} and spaces (RFC 6265 §4.2.1). A quoted value keeps its
     * quotes.
     *
     * @throws IllegalArgumentException if {@code name} is not a cookie name (a token, RFC 6265 §4.1.1)
     */
    public static HashKey cookie(String name) {
        return new HashKey(Source.COOKIE, checkToken("cookie", name));
    }

    /**
     * The value of query parameter {@code name} (case-sensitive): the first {@code name=value} of the query split
     * on {@code &}. Names and values are compared and hashed as sent, percent-encoded or not; a parameter without
     * {@code =} has an empty value, so no key.
     *
     * @throws IllegalArgumentException if {@code name} is empty or holds a character that cannot appear in a query
     *                                  parameter's name as sent ({@code & = #}, spaces, controls, non-ASCII)
     */
    public static HashKey query(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("A query parameter name is required");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '&' || c == '=' || c == '#') {
                throw new IllegalArgumentException("Invalid query parameter name '" + name + "'");
            }
        }
        return new HashKey(Source.QUERY, name);
    }

    /**
     * The key a {@code hash:} strategy name gives after that prefix: {@code ip}, {@code header:NAME},
     * {@code cookie:NAME} or {@code query:NAME}; the source in any case, the name as given.
     */
    static HashKey parse(String spec) {
        int colon = spec.indexOf(':');
        String source = (colon < 0 ? spec : spec.substring(0, colon)).toLowerCase(Locale.ROOT);
        String name = colon < 0 ? null : spec.substring(colon + 1);
        if (source.equals("ip") && name == null) {
            return clientIp();
        }
        if (name != null) {
            switch (source) {
                case "header":
                    return header(name);
                case "cookie":
                    return cookie(name);
                case "query":
                    return query(name);
                default:
                    break;
            }
        } else if (source.equals("header") || source.equals("cookie") || source.equals("query")) {
            throw new IllegalArgumentException("A " + (source.equals("query") ? "query parameter" : source)
                    + " name is required, as in hash:" + source + ":"
                    + (source.equals("header") ? "X-Tenant" : source.equals("cookie") ? "session" : "room"));
        }
        throw new IllegalArgumentException("The key must be ip, header:NAME, cookie:NAME or query:NAME");
    }

    /** The key's hash for {@code request}, or {@link Rendezvous#NO_KEY} when it has none. */
    long hash(ClientRequest request) {
        switch (source) {
            case IP:
                return hashAddress(request, false);
            case HEADER:
                return hashHeader(request);
            case COOKIE:
                return hashCookie(request);
            default:
                return hashQuery(request);
        }
    }

    /**
     * The client address's hash: all of it, or with {@code ipHashNetwork} only the first three bytes of an IPv4
     * address (nginx's {@code ip_hash}); {@link Rendezvous#NO_KEY} if the address is unresolved.
     */
    static long hashAddress(ClientRequest request, boolean ipHashNetwork) {
        InetAddress address = request.remoteAddress().getAddress();
        if (address == null) {
            return Rendezvous.NO_KEY;
        }
        byte[] bytes = address.getAddress();
        return Rendezvous.keyHash(bytes, ipHashNetwork && bytes.length == 4 ? 3 : bytes.length);
    }

    private long hashHeader(ClientRequest request) {
        List<String> values = request.headers().get(lowerCaseName);
        if (values == null || values.isEmpty()) {
            return Rendezvous.NO_KEY;
        }
        String value = values.get(0);
        return hashTrimmed(value, 0, value.length());
    }

    private long hashCookie(ClientRequest request) {
        List<String> values = request.headers().get("cookie");
        if (values == null) {
            return Rendezvous.NO_KEY;
        }
        // HTTP/2 clients may split the cookies over several Cookie fields (RFC 9113 §8.2.3): the first match wins.
        for (int i = 0; i < values.size(); i++) {
            String header = values.get(i);
            int valueStart = findPair(header, ';');
            if (valueStart >= 0) {
                return hashValue(header, ';', valueStart);
            }
        }
        return Rendezvous.NO_KEY;
    }

    private long hashQuery(ClientRequest request) {
        String query = request.query();
        int valueStart = query == null ? -1 : findPair(query, '&');
        return valueStart < 0 ? Rendezvous.NO_KEY : hashValue(query, '&', valueStart);
    }

    /**
     * Where the value of the first pair named {@link #name} starts in {@code text}, whose pairs are separated by
     * {@code separator} and optional spaces; -1 when there is no such pair.
     */
    private int findPair(String text, char separator) {
        int length = text.length();
        int pairStart = 0;
        while (pairStart < length) {
            while (pairStart < length && isSpace(text.charAt(pairStart))) {
                pairStart++;
            }
            int pairEnd = text.indexOf(separator, pairStart);
            if (pairEnd < 0) {
                pairEnd = length;
            }
            int afterName = pairStart + name.length();
            if (afterName <= pairEnd && text.startsWith(name, pairStart)) {
                if (afterName == pairEnd) {
                    return pairEnd; // "name" without "=": an empty value
                }
                if (text.charAt(afterName) == '=') {
                    return afterName + 1;
                }
            }
            pairStart = pairEnd + 1;
        }
        return -1;
    }

    /** The hash of the value from {@code valueStart} to the next {@code separator}, or none if it is empty. */
    private static long hashValue(String text, char separator, int valueStart) {
        int valueEnd = text.indexOf(separator, valueStart);
        return hashTrimmed(text, valueStart, valueEnd < 0 ? text.length() : valueEnd);
    }

    private static long hashTrimmed(String text, int from, int to) {
        while (from < to && isSpace(text.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(text.charAt(to - 1))) {
            to--;
        }
        return from == to ? Rendezvous.NO_KEY : Rendezvous.keyHash(text, from, to);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** A token (RFC 9110 §5.6.2): the syntax of header and cookie names. */
    private static String checkToken(String what, String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("A " + what + " name is required");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean tchar = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                throw new IllegalArgumentException("Invalid " + what + " name '" + name
                        + "' (letters, digits and !#$%&'*+-.^_`|~ only)");
            }
        }
        return name;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HashKey key && key.source == source && Objects.equals(key.name, name);
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + Objects.hashCode(name);
    }

    /** As written after {@code hash:} in a strategy name: {@code ip}, {@code header:X-Tenant}, … */
    @Override
    public String toString() {
        return name == null ? source.spec() : source.spec() + ":" + name;
    }
}
