package io.wsproxy.internal.handshake;

import java.util.Arrays;

/**
 * Field names and values that nearly every handshake carries, spelled as browsers and servers send them, so that
 * the parsers share one String for each instead of making a new one per connection. A match is exact, byte for
 * byte and case included, so what the parser hands out is equal to what it would have made. Stateless.
 */
final class KnownText {
    private static final String[] TEXTS = {
        // Request field names (RFC 6455 §4.1, RFC 9110, what browsers send).
        "Host", "Connection", "Upgrade", "Origin", "Pragma", "Cache-Control", "User-Agent", "Cookie",
        "Accept-Encoding", "Accept-Language", "Authorization", "Content-Length", "Transfer-Encoding",
        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP",
        // Response field names.
        "Sec-WebSocket-Accept", "Set-Cookie", "Date", "Server", "Content-Type",
        // Values.
        "websocket", "upgrade", "13", "no-cache", "keep-alive, Upgrade",
    };

    /** {@link #TEXTS} by length, for a lookup that compares only same-length candidates. */
    private static final String[][] BY_LENGTH;

    static {
        int longest = 0;
        for (String text : TEXTS) {
            longest = Math.max(longest, text.length());
        }
        BY_LENGTH = new String[longest + 1][0];
        for (String text : TEXTS) {
            String[] same = BY_LENGTH[text.length()];
            String[] grown = Arrays.copyOf(same, same.length + 1);
            grown[same.length] = text;
            BY_LENGTH[text.length()] = grown;
        }
    }

    private KnownText() {
    }

    /** The known text equal to bytes {@code [from, to)} of the reader's line, or null. */
    static String find(LineReader line, int from, int to) {
        int length = to - from;
        if (length >= BY_LENGTH.length) {
            return null;
        }
        for (String candidate : BY_LENGTH[length]) {
            if (line.regionEquals(from, candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
