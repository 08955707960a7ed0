package io.wsproxy.internal.handshake;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The RFC 6455 §1.3 / §4.2.2 Sec-WebSocket-Accept value: base64(SHA-1(key + GUID)). Thread-safe: each thread
 * keeps its own digest and scratch bytes, so a value costs one String and no provider lookup.
 */
public final class WebSocketAccept {
    /** RFC 6455 §1.3: the GUID appended to the key. */
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final byte[] GUID_BYTES = GUID.getBytes(StandardCharsets.ISO_8859_1);
    /** SHA-1 gives 20 bytes. */
    private static final int DIGEST_LENGTH = 20;
    /** Room for a key of the RFC 6455 §4.1 length (24) and more before a bigger array is needed. */
    private static final int SCRATCH_LENGTH = 64;

    private static final ThreadLocal<WebSocketAccept> PER_THREAD = ThreadLocal.withInitial(WebSocketAccept::new);

    private final MessageDigest sha1;
    private final byte[] scratch = new byte[SCRATCH_LENGTH];
    private final byte[] digest = new byte[DIGEST_LENGTH];

    private WebSocketAccept() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    /** The accept value for {@code key}, the Sec-WebSocket-Key as sent (trimmed, not decoded). */
    public static String of(String key) {
        return PER_THREAD.get().accept(key);
    }

    private String accept(String key) {
        sha1.reset();
        if (!updateLatin1(key)) {
            // Characters beyond ISO-8859-1 (never from the wire): the charset's encoding, "?" for each.
            sha1.update(key.getBytes(StandardCharsets.ISO_8859_1));
        }
        sha1.update(GUID_BYTES);
        try {
            sha1.digest(digest, 0, DIGEST_LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-1 digest does not fit", e);
        }
        int length = Base64.getEncoder().encode(digest, scratch);
        return new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** Feeds the key's characters as bytes through the scratch array; false, feeding nothing, if one is over 0xFF. */
    private boolean updateLatin1(String key) {
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) > 0xff) {
                return false;
            }
        }
        for (int start = 0; start < key.length(); start += scratch.length) {
            int end = Math.min(key.length(), start + scratch.length);
            for (int i = start; i < end; i++) {
                scratch[i - start] = (byte) key.charAt(i);
            }
            sha1.update(scratch, 0, end - start);
        }
        return true;
    }
}
