package io.wsproxy.internal.handshake;

/**
 * Checks that a parsed request is a valid WebSocket opening handshake (RFC 6455 §4.2.1). The request line, its
 * HTTP/1.1 version and the single Host were checked by {@link RequestParser}. Stateless and thread-safe.
 */
public final class UpgradeValidator {
    /** RFC 6455 §4.1: 16 random bytes in base64 are 22 characters and "==". */
    private static final int KEY_LENGTH = 24;

    private UpgradeValidator() {
    }

    /**
     * Null when the request is a valid handshake; else the error to answer with, checked in this order: no
     * {@code Upgrade: websocket} → 426 with {@code Upgrade: websocket}; method not GET → 400; Connection without
     * "upgrade" → 400; Sec-WebSocket-Version not exactly 13 → 426 with {@code Sec-WebSocket-Version: 13};
     * Sec-WebSocket-Key missing, repeated or not base64 of 16 bytes → 400.
     */
    public static HttpError validate(HttpRequest request) {
        HttpHeaders headers = request.headers();
        // RFC 6455 §4.2.1 item 3 and RFC 9110 §15.5.22: a plain HTTP request is told which protocol is required.
        if (!headers.containsToken("Upgrade", "websocket")) {
            return new HttpError(426, "not a WebSocket upgrade request", "Upgrade", "websocket");
        }
        // RFC 6455 §4.2.1 item 1: the handshake is a GET. 400 rather than 405, as RFC 6455 §4.2.1 directs for any
        // handshake that does not match; no resource here serves another method.
        if (!request.method().equals("GET")) {
            return HttpError.badRequest("WebSocket upgrade with method " + request.method());
        }
        // RFC 6455 §4.2.1 item 4: Connection includes the "Upgrade" token.
        if (!headers.containsToken("Connection", "upgrade")) {
            return HttpError.badRequest("Connection header lacks the upgrade token");
        }
        // RFC 6455 §4.2.1 item 6 and §4.4: any other version is answered with 426 and the versions supported.
        if (headers.count("Sec-WebSocket-Version") != 1 || !"13".equals(headers.first("Sec-WebSocket-Version"))) {
            return new HttpError(426, "unsupported Sec-WebSocket-Version " + headers.all("Sec-WebSocket-Version"),
                    "Sec-WebSocket-Version", "13");
        }
        // RFC 6455 §4.2.1 item 5 and §11.3.1: exactly one key, base64 of 16 bytes.
        if (headers.count("Sec-WebSocket-Key") != 1) {
            return HttpError.badRequest(headers.count("Sec-WebSocket-Key") + " Sec-WebSocket-Key header fields");
        }
        if (!isBase64Of16Bytes(headers.first("Sec-WebSocket-Key"))) {
            return HttpError.badRequest("Sec-WebSocket-Key is not base64 of 16 bytes");
        }
        return null;
    }

    /** RFC 4648 §4 base64 with padding: 16 bytes are 21 full characters, one with 2 data bits, then "==". */
    static boolean isBase64Of16Bytes(String key) {
        if (key.length() != KEY_LENGTH || !key.endsWith("==")) {
            return false;
        }
        for (int i = 0; i < KEY_LENGTH - 2; i++) {
            char c = key.charAt(i);
            boolean alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/';
            if (!alphabet) {
                return false;
            }
        }
        return true;
    }
}
