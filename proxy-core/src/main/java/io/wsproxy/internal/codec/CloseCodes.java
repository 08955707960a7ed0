package io.wsproxy.internal.codec;

/**
 * Close status codes of RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number Registry".
 * Stateless, so usable from any thread.
 */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    /** Never on the wire: stands for a close frame without a status code. */
    public static final int NO_STATUS = 1005;
    /** Never on the wire: stands for a connection closed without a close frame. */
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;
    public static final int SERVICE_RESTART = 1012;
    public static final int TRY_AGAIN_LATER = 1013;
    public static final int BAD_GATEWAY = 1014;
    /** Never on the wire: stands for a failed TLS handshake. */
    public static final int TLS_HANDSHAKE = 1015;

    private CloseCodes() {
    }

    /**
     * Whether {@code code} may appear in a close frame. §7.4.1 and the IANA registry: 1000-1003 and
     * 1007-1014 are defined for the wire; 1004 is reserved, 1005/1006/1015 must never be sent; 1016-2999
     * are reserved for future RFCs; 3000-3999 are registered by libraries and 4000-4999 are private use.
     */
    public static boolean isValidOnWire(int code) {
        return (code >= NORMAL && code <= UNSUPPORTED_DATA)
                || (code >= INVALID_PAYLOAD && code <= BAD_GATEWAY)
                || (code >= 3000 && code <= 4999);
    }
}
