package io.wsproxy.internal.handshake;

/**
 * Checks the upstream's answer to our upgrade request against the RFC 6455 §4.1 client requirements. The
 * subprotocol and extensions are left to the client, which sent the offer and gets the answer end to end.
 * Stateless and thread-safe.
 */
public final class UpstreamHandshakeValidator {
    /** RSV1, the bit permessage-deflate uses to mark compressed messages (RFC 7692 §6). */
    public static final int RSV1 = 0x40;

    private UpstreamHandshakeValidator() {
    }

    /**
     * Null when acceptable: status 101, Upgrade holds "websocket", Connection holds "upgrade", and one
     * Sec-WebSocket-Accept equal to {@link WebSocketAccept#of}(clientKey); else a 502 saying what was wrong.
     */
    public static HttpError validate(HttpResponse response, String clientKey) {
        HttpHeaders headers = response.headers();
        // RFC 6455 §4.1 client item 1: anything other than 101 means the handshake did not complete.
        if (response.status() != 101) {
            return HttpError.badGateway("upstream answered " + response.status() + " instead of 101");
        }
        // RFC 6455 §4.1 client item 2: Upgrade is "websocket", case-insensitively.
        if (!headers.containsToken("Upgrade", "websocket")) {
            return HttpError.badGateway("upstream 101 lacks Upgrade: websocket");
        }
        // RFC 6455 §4.1 client item 3: Connection holds "Upgrade", case-insensitively.
        if (!headers.containsToken("Connection", "upgrade")) {
            return HttpError.badGateway("upstream 101 lacks Connection: Upgrade");
        }
        // RFC 6455 §4.1 client item 4: the accept value matches the key exactly.
        if (headers.count("Sec-WebSocket-Accept") != 1) {
            return HttpError.badGateway("upstream sent " + headers.count("Sec-WebSocket-Accept")
                    + " Sec-WebSocket-Accept header fields");
        }
        if (!WebSocketAccept.of(clientKey).equals(headers.first("Sec-WebSocket-Accept"))) {
            return HttpError.badGateway("upstream sent a wrong Sec-WebSocket-Accept");
        }
        return null;
    }

    /**
     * The RSV bits that the negotiated extensions allow on data frames: {@link #RSV1} when the accepted
     * Sec-WebSocket-Extensions (RFC 6455 §9.1) names permessage-deflate (RFC 7692 §7), else 0.
     */
    public static int negotiatedRsvBits(HttpResponse response) {
        HttpHeaders headers = response.headers();
        for (int i = 0; i < headers.size(); i++) {
            if (headers.name(i).equalsIgnoreCase("Sec-WebSocket-Extensions")
                    && namesPermessageDeflate(headers.value(i))) {
                return RSV1;
            }
        }
        return 0;
    }

    /** Whether an element of the list, up to its parameters (";"), is "permessage-deflate" in lower case. */
    private static boolean namesPermessageDeflate(String value) {
        for (int start = 0; start <= value.length(); ) {
            int end = HttpSyntax.elementEnd(value, start);
            int from = HttpSyntax.skipWhitespace(value, start, end);
            int parameters = value.indexOf(';', from);
            int nameEnd = HttpSyntax.trimEnd(value, from, parameters < 0 || parameters > end ? end : parameters);
            if (HttpSyntax.equalsInLowerCase(value, from, nameEnd, "permessage-deflate")) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
}
