package io.wsproxy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which headers the proxy adds to the upgrade request it sends upstream, like nginx's {@code proxy_set_header}
 * lines for a WebSocket location. Immutable and thread-safe.
 *
 * <p>By default: {@code X-Forwarded-For} (the client address appended to any value the client sent),
 * {@code X-Real-IP}, {@code X-Forwarded-Proto} ({@code http} or {@code https}), {@code X-Forwarded-Host} (the
 * client's {@code Host}), and the client's {@code Host} preserved. Each can be turned off; {@link
 * Builder#set(String, String)} sets a header to a fixed value, replacing whatever the client or the defaults
 * would have sent.
 */
public final class ForwardedHeaders {
    private static final ForwardedHeaders DEFAULTS = builder().build();

    private final boolean forwardedFor;
    private final boolean realIp;
    private final boolean forwardedProto;
    private final boolean forwardedHost;
    private final boolean preserveHost;
    /** Lower-case name to (name as given, value); iteration in insertion order. */
    private final Map<String, Map.Entry<String, String>> fixed;

    private ForwardedHeaders(Builder builder) {
        this.forwardedFor = builder.forwardedFor;
        this.realIp = builder.realIp;
        this.forwardedProto = builder.forwardedProto;
        this.forwardedHost = builder.forwardedHost;
        this.preserveHost = builder.preserveHost;
        this.fixed = Collections.unmodifiableMap(new LinkedHashMap<>(builder.fixed));
    }

    /** The defaults described in the class comment. */
    public static ForwardedHeaders defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Append the client address to {@code X-Forwarded-For}. */
    public boolean forwardedFor() {
        return forwardedFor;
    }

    /** Set {@code X-Real-IP} to the client address. */
    public boolean realIp() {
        return realIp;
    }

    /** Set {@code X-Forwarded-Proto} to {@code http} or {@code https}. */
    public boolean forwardedProto() {
        return forwardedProto;
    }

    /** Set {@code X-Forwarded-Host} to the client's {@code Host}. */
    public boolean forwardedHost() {
        return forwardedHost;
    }

    /** Send the client's {@code Host} upstream; when false, {@code Host} names the upstream's host and port. */
    public boolean preserveHost() {
        return preserveHost;
    }

    /**
     * Headers set to fixed values, keyed by lower-case name; each value is the (name as configured, value) pair.
     * They replace any header of that name from the client or from the defaults above.
     */
    public Map<String, Map.Entry<String, String>> fixed() {
        return fixed;
    }

    public static final class Builder {
        private boolean forwardedFor = true;
        private boolean realIp = true;
        private boolean forwardedProto = true;
        private boolean forwardedHost = true;
        private boolean preserveHost = true;
        private final Map<String, Map.Entry<String, String>> fixed = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder forwardedFor(boolean enabled) {
            this.forwardedFor = enabled;
            return this;
        }

        public Builder realIp(boolean enabled) {
            this.realIp = enabled;
            return this;
        }

        public Builder forwardedProto(boolean enabled) {
            this.forwardedProto = enabled;
            return this;
        }

        public Builder forwardedHost(boolean enabled) {
            this.forwardedHost = enabled;
            return this;
        }

        public Builder preserveHost(boolean enabled) {
            this.preserveHost = enabled;
            return this;
        }

        /**
         * Sends header {@code name} with {@code value} upstream, replacing any value from the client or the
         * defaults. Hop-by-hop headers and the WebSocket handshake headers cannot be set.
         *
         * @throws IllegalArgumentException if the name is not an HTTP token, the value holds a control character,
         *                                  or the header is one the proxy manages itself
         */
        public Builder set(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isEmpty() || !name.chars().allMatch(ForwardedHeaders::isTokenChar)) {
                throw new IllegalArgumentException("Not a valid header name: '" + name + "'");
            }
            if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                throw new IllegalArgumentException("Header value of " + name + " holds a control character");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("sec-websocket-") || lower.startsWith("proxy-") || lower.equals("connection")
                    || lower.equals("upgrade") || lower.equals("keep-alive") || lower.equals("te")
                    || lower.equals("trailer") || lower.equals("transfer-encoding") || lower.equals("content-length")) {
                throw new IllegalArgumentException("Header " + name + " is managed by the proxy and cannot be set");
            }
            fixed.put(lower, Map.entry(name, value));
            return this;
        }

        public ForwardedHeaders build() {
            return new ForwardedHeaders(this);
        }
    }

    /** RFC 9110 §5.6.2 tchar. */
    static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
