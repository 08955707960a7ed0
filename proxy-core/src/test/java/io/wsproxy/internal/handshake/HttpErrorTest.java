package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpErrorTest {

    @Test
    void derivesTheReasonPhraseAndKeepsExtraHeadersInOrder() {
        HttpError error = new HttpError(503, "limit", "Retry-After", "5", "X-A", "b");
        assertEquals("Service Unavailable", error.reasonPhrase());
        assertEquals(List.of(Map.entry("Retry-After", "5"), Map.entry("X-A", "b")), error.extraHeaders());
        assertEquals("503 Service Unavailable (limit)", error.toString());
    }

    @Test
    void namesTheCommonErrors() {
        assertEquals(400, HttpError.badRequest("x").status());
        assertEquals(431, HttpError.headersTooLarge("x").status());
        assertEquals("Bad Gateway", HttpError.badGateway("x").reasonPhrase());
        assertEquals("HTTP Version Not Supported", new HttpError(505, "x").reasonPhrase());
        assertEquals("Request Timeout", new HttpError(408, "x").reasonPhrase());
        assertEquals("Gateway Timeout", new HttpError(504, "x").reasonPhrase());
        assertEquals("Client Error", new HttpError(499, "x").reasonPhrase());
    }

    @Test
    void refusesACallersMistake() {
        assertThrows(IllegalArgumentException.class, () -> new HttpError(99, "x"));
        assertThrows(IllegalArgumentException.class, () -> new HttpError(400, "x", "Lonely-Name"));
    }
}
