package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpgradeValidatorTest {
    private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    private static final String VERSION = "Sec-WebSocket-Version: 13\r\n";
    private static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n";

    private static HttpError validate(String method, String fields) {
        return UpgradeValidator.validate(RequestParserTest.parse(method + " /chat HTTP/1.1\r\nHost: a\r\n" + fields
                + "\r\n"));
    }

    @Test
    void acceptsAValidHandshake() {
        assertNull(validate("GET", UPGRADE + KEY + VERSION));
    }

    @Test
    void acceptsTokensCaseInsensitivelyAndInLists() {
        assertNull(validate("GET", "Upgrade: WebSocket\r\nConnection: keep-alive, UPGRADE\r\n" + KEY + VERSION));
        assertNull(validate("GET", "Upgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n" + KEY
                + VERSION));
    }

    @Test
    void answersAPlainHttpRequestWith426AndTheUpgradeHeader() {
        HttpError error = validate("GET", KEY + VERSION);
        assertEquals(426, error.status());
        assertEquals("Upgrade Required", error.reasonPhrase());
        assertEquals(List.of(Map.entry("Upgrade", "websocket")), error.extraHeaders());
    }

    @Test
    void answersAnUpgradeToAnotherProtocolWith426() {
        HttpError error = validate("GET", "Upgrade: h2c\r\nConnection: Upgrade\r\n" + KEY + VERSION);
        assertEquals(426, error.status());
        assertEquals(List.of(Map.entry("Upgrade", "websocket")), error.extraHeaders());
    }

    @Test
    void refusesAMethodOtherThanGetWith400() {
        assertEquals(400, validate("POST", UPGRADE + KEY + VERSION).status());
        assertEquals(400, validate("get", UPGRADE + KEY + VERSION).status(), "methods are case-sensitive");
    }

    @Test
    void refusesAConnectionHeaderWithoutUpgradeWith400() {
        assertEquals(400, validate("GET", "Upgrade: websocket\r\nConnection: keep-alive\r\n" + KEY + VERSION)
                .status());
        assertEquals(400, validate("GET", "Upgrade: websocket\r\n" + KEY + VERSION).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"8", "12", "14", "13, 8", " ", "0013"})
    void answersAnotherVersionWith426AndVersion13(String version) {
        HttpError error = validate("GET", UPGRADE + KEY + "Sec-WebSocket-Version: " + version + "\r\n");
        assertEquals(426, error.status());
        assertEquals(List.of(Map.entry("Sec-WebSocket-Version", "13")), error.extraHeaders());
    }

    @Test
    void answersAMissingOrRepeatedVersionWith426() {
        assertEquals(426, validate("GET", UPGRADE + KEY).status());
        assertEquals(426, validate("GET", UPGRADE + KEY + VERSION + VERSION).status());
    }

    @Test
    void refusesAMissingOrRepeatedKeyWith400() {
        assertEquals(400, validate("GET", UPGRADE + VERSION).status());
        assertEquals(400, validate("GET", UPGRADE + KEY + KEY + VERSION).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "AAECAwQFBgcICQoLDA0O", // 15 bytes
            "AAECAwQFBgcICQoLDA0ODxA=", // 17 bytes
            "AAECAwQFBgcICQoLDA0ODw", // 16 bytes without padding
            "AAECAwQFBgcICQoLDA0ODw=", // bad padding
            "AAECAwQFBgcICQoLDA0OD!==", // not in the alphabet
            "AAECAwQFBgcI CQoLDA0ODw==", // space inside
            "AAECAwQFBgcICQoLDA0ODw==AA", // extra after padding
            "not base64 at all",
            ""})
    void refusesAKeyThatIsNotBase64Of16BytesWith400(String key) {
        HttpError error = validate("GET", UPGRADE + "Sec-WebSocket-Key: " + key + "\r\n" + VERSION);
        assertEquals(400, error.status());
        assertEquals("Bad Request", error.reasonPhrase());
    }

    @Test
    void acceptsAnyKeyOf16Bytes() {
        assertNull(validate("GET", UPGRADE + "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n" + VERSION));
        assertNull(validate("GET", UPGRADE + "Sec-WebSocket-Key: ////////////////////+w==\r\n" + VERSION));
    }

    @Test
    void checksUpgradeBeforeMethod() {
        // A plain POST is a plain HTTP request: it is told which protocol is required.
        assertEquals(426, validate("POST", KEY + VERSION).status());
    }
}
