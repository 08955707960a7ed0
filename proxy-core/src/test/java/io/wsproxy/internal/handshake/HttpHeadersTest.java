package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpHeadersTest {
    private final HttpHeaders headers = new HttpHeaders(
            List.of("Connection", "X-Multi", "connection", "x-MULTI", "Empty"),
            List.of("keep-alive, Upgrade", "1", "x-token , ,\"q,uoted\"", "2", ""));

    @Test
    void looksUpNamesCaseInsensitivelyKeepingOrderAndCase() {
        assertEquals("1", headers.first("x-multi"));
        assertEquals(List.of("1", "2"), headers.all("X-MULTI"));
        assertEquals(2, headers.count("CONNECTION"));
        assertEquals(0, headers.count("Host"));
        assertNull(headers.first("Host"));
        assertEquals(List.of(), headers.all("Host"));
        assertEquals(5, headers.size());
        assertEquals("x-MULTI", headers.name(3));
        assertEquals("2", headers.value(3));
    }

    @Test
    void findsTokensInCommaSeparatedListsAcrossFields() {
        assertTrue(headers.containsToken("connection", "upgrade"));
        assertTrue(headers.containsToken("Connection", "KEEP-ALIVE"));
        assertTrue(headers.containsToken("Connection", "x-token"));
        assertFalse(headers.containsToken("Connection", "q"), "commas in quoted strings do not split");
        assertFalse(headers.containsToken("Connection", "upgrad"));
        assertFalse(headers.containsToken("Connection", ""));
        assertFalse(headers.containsToken("Empty", ""));
    }

    @Test
    void offersAnUnmodifiableLowerCaseMap() {
        assertEquals(List.of("connection", "x-multi", "empty"), List.copyOf(headers.asMap().keySet()));
        assertEquals(List.of("1", "2"), headers.asMap().get("x-multi"));
        assertThrows(UnsupportedOperationException.class, () -> headers.asMap().put("a", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> headers.asMap().get("x-multi").add("3"));
    }

    @Test
    void keepsValuesOutOfItsText() {
        assertEquals("HttpHeaders[Connection, X-Multi, connection, x-MULTI, Empty]", headers.toString());
    }
}
