package io.wsproxy.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PemReaderTest {
    @Test
    void readsSeveralBlocksAmidTextWithCrlfLineEnds() throws MaterialFormatException {
        String text = "Bag Attributes\r\n    friendlyName: server\r\n"
                + "-----BEGIN CERTIFICATE-----\r\naGVs\r\nbG8=\r\n-----END CERTIFICATE-----\r\n"
                + "between\r\n"
                + "-----BEGIN EC PRIVATE KEY-----  \r\n\r\nd29y\r\nbGQ=\r\n-----END EC PRIVATE KEY-----\r\ntrailer";

        List<PemBlock> blocks = PemReader.read(text);

        assertEquals(2, blocks.size());
        assertEquals("CERTIFICATE", blocks.get(0).type());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), blocks.get(0).der());
        assertEquals(3, blocks.get(0).line());
        assertEquals("EC PRIVATE KEY", blocks.get(1).type());
        assertArrayEquals("world".getBytes(StandardCharsets.US_ASCII), blocks.get(1).der());
        assertEquals(8, blocks.get(1).line());
    }

    @Test
    void textWithoutBlocksGivesNone() throws MaterialFormatException {
        assertEquals(List.of(), PemReader.read("nothing here\n"));
    }

    @Test
    void readsRfc1421Headers() throws MaterialFormatException {
        String text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00FF\n\n"
                + "aGVsbG8=\n-----END RSA PRIVATE KEY-----\n";

        PemBlock block = PemReader.read(text).get(0);

        assertEquals(Map.of("Proc-Type", "4,ENCRYPTED", "DEK-Info", "AES-256-CBC,00FF"), block.headers());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), block.der());
    }

    @Test
    void aBeginWithoutEndIsTruncated() {
        assertFailure("the CERTIFICATE block at line 2 has no END line (truncated?)",
                "text\n-----BEGIN CERTIFICATE-----\naGVsbG8=\n");
        assertFailure("the CERTIFICATE block at line 1 has no END line before the next BEGIN at line 3 (truncated?)",
                "-----BEGIN CERTIFICATE-----\naGVs\n-----BEGIN CERTIFICATE-----\naGVs\n-----END CERTIFICATE-----\n");
    }

    @Test
    void anEndLabelMustMatchItsBegin() {
        assertFailure("the CERTIFICATE block at line 1 ends with END PRIVATE KEY at line 3",
                "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END PRIVATE KEY-----\n");
    }

    @Test
    void anEndWithoutBeginIsRefused() {
        assertFailure("line 2 has -----END CERTIFICATE----- without a BEGIN line",
                "aGVsbG8=\n-----END CERTIFICATE-----\n");
    }

    @Test
    void aCharacterOutsideBase64NamesItsLine() {
        assertFailure("the CERTIFICATE block at line 1 is not valid base64: line 3 has the character '!'",
                "-----BEGIN CERTIFICATE-----\naGVs\nbG!=\n-----END CERTIFICATE-----\n");
    }

    @Test
    void paddingInTheMiddleOrAWrongLengthIsNotBase64() {
        assertThrows(MaterialFormatException.class,
                () -> PemReader.read("-----BEGIN CERTIFICATE-----\naA==\naA==\n-----END CERTIFICATE-----\n"));
        assertThrows(MaterialFormatException.class,
                () -> PemReader.read("-----BEGIN CERTIFICATE-----\naGVsb\n-----END CERTIFICATE-----\n"));
    }

    @Test
    void anEmptyBlockIsRefused() {
        assertFailure("the CERTIFICATE block at line 1 is empty",
                "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    }

    @Test
    void aMalformedBeginLineIsRefused() {
        assertFailure("line 1 is not a well-formed PEM BEGIN line", "-----BEGIN CERTIFICATE\naGVs\n");
    }

    private static void assertFailure(String message, String text) {
        assertEquals(message, assertThrows(MaterialFormatException.class, () -> PemReader.read(text)).getMessage());
    }
}
