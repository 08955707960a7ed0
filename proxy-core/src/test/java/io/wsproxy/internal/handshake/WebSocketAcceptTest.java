package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WebSocketAcceptTest {

    @Test
    void matchesTheRfc6455SampleKey() {
        // RFC 6455 §1.3 (the value printed there; base64(SHA-1(key + GUID)) checked independently).
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketAccept.of("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void dependsOnTheKey() {
        assertEquals("HSmrc0sMlYUkAGmm5OPpG2HaGWk=", WebSocketAccept.of("x3JJHMbDL1EzLkh9GBhXDw=="));
    }
}
