package io.wsproxy.internal.handshake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The RFC 6455 §1.3 / §4.2.2 Sec-WebSocket-Accept value: base64(SHA-1(key + GUID)). Stateless and thread-safe.
 */
public final class WebSocketAccept {
    /** RFC 6455 §1.3: the GUID appended to the key. */
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketAccept() {
    }

    /** The accept value for {@code key}, the Sec-WebSocket-Key as sent (trimmed, not decoded). */
    public static String of(String key) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
        byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
        return Base64.getEncoder().encodeToString(digest);
    }
}
