package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class UpstreamHandshakeValidatorTest {
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
    private static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n";

    private static HttpResponse response(String statusLine, String fields) {
        return ResponseParserTest.parse(statusLine + "\r\n" + fields + "\r\n");
    }

    private static HttpError validate(String fields) {
        return UpstreamHandshakeValidator.validate(response("HTTP/1.1 101 Switching Protocols", fields), KEY);
    }

    @Test
    void acceptsAValid101() {
        assertNull(validate(UPGRADE + ACCEPT));
        assertNull(validate("upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n" + ACCEPT));
    }

    @Test
    void refusesAWrongAccept() {
        HttpError error = validate(UPGRADE + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzzo+xOo+pk=\r\n");
        assertEquals(502, error.status());
        assertEquals("upstream sent a wrong Sec-WebSocket-Accept", error.detail());
    }

    @Test
    void refusesAMissingOrRepeatedAccept() {
        assertEquals(502, validate(UPGRADE).status());
        assertEquals(502, validate(UPGRADE + ACCEPT + ACCEPT).status());
    }

    @Test
    void refusesAMissingUpgrade() {
        HttpError error = validate("Connection: Upgrade\r\n" + ACCEPT);
        assertEquals(502, error.status());
        assertEquals("upstream 101 lacks Upgrade: websocket", error.detail());
    }

    @Test
    void refusesAMissingConnectionUpgrade() {
        assertEquals("upstream 101 lacks Connection: Upgrade",
                validate("Upgrade: websocket\r\nConnection: keep-alive\r\n" + ACCEPT).detail());
    }

    @Test
    void refusesAnotherStatus() {
        HttpError error = UpstreamHandshakeValidator.validate(
                response("HTTP/1.1 200 OK", "Content-Length: 0\r\n" + UPGRADE + ACCEPT), KEY);
        assertEquals(502, error.status());
    }

    @Test
    void allowsRsv1OnlyWhenPermessageDeflateWasNegotiated() {
        assertEquals(0x40, UpstreamHandshakeValidator.negotiatedRsvBits(response("HTTP/1.1 101 S",
                "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n")));
        assertEquals(0x40, UpstreamHandshakeValidator.negotiatedRsvBits(response("HTTP/1.1 101 S",
                "Sec-WebSocket-Extensions: x-other\r\nSec-WebSocket-Extensions: x-more, Permessage-Deflate\r\n")));
        assertEquals(0, UpstreamHandshakeValidator.negotiatedRsvBits(response("HTTP/1.1 101 S", "")));
        assertEquals(0, UpstreamHandshakeValidator.negotiatedRsvBits(response("HTTP/1.1 101 S",
                "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n")));
        assertEquals(0, UpstreamHandshakeValidator.negotiatedRsvBits(response("HTTP/1.1 101 S",
                "Sec-WebSocket-Extensions: x-other; note=\"a, permessage-deflate\"\r\n")));
    }
}
