package io.wsproxy.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.tls.KeyMaterial;
import io.wsproxy.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PrivateKeyDecoderTest {
    static TestPki pki;

    @BeforeAll
    static void generate() throws IOException {
        pki = TestPki.shared();
    }

    @Test
    void aSec1KeyWithoutItsCurveTakesItFromTheEcParametersBlock() throws Exception {
        List<PemBlock> file = MaterialFiles.readPem(pki.file("ec-params.key"));
        PemBlock parameters = file.get(0);
        PemBlock withoutCurve = new PemBlock("EC PRIVATE KEY", Map.of(), withoutCurveField(file.get(1).der()), 5);

        PrivateKey key = PrivateKeyDecoder.decode(List.of(parameters, withoutCurve), null);

        PrivateKey expected = KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ec.key")).privateKey();
        assertTrue(TestPki.sameKey(expected, key));
    }

    @Test
    void aSec1KeyWithoutAnyCurveSaysSo() throws Exception {
        PemBlock sec1 = MaterialFiles.readPem(pki.file("ec-sec1.key")).get(0);
        PemBlock withoutCurve = new PemBlock("EC PRIVATE KEY", Map.of(), withoutCurveField(sec1.der()), 1);

        MaterialFormatException e = assertThrows(MaterialFormatException.class,
                () -> PrivateKeyDecoder.decode(List.of(withoutCurve), null));
        assertEquals("the EC private key names no curve, and no EC PARAMETERS block precedes it", e.getMessage());
    }

    @Test
    void twoKeysInOneFileAreRefused() throws Exception {
        List<PemBlock> blocks = MaterialFiles.readPem(pki.file("rsa.key"));
        List<PemBlock> twice = List.of(blocks.get(0), blocks.get(0));

        MaterialFormatException e = assertThrows(MaterialFormatException.class,
                () -> PrivateKeyDecoder.decode(twice, null));
        assertEquals("it holds more than one private key (PRIVATE KEY at line 1, PRIVATE KEY at line 1); keep only one",
                e.getMessage());
    }

    @Test
    void garbageInsideAKeyBlockIsADerError() {
        PemBlock garbage = new PemBlock("PRIVATE KEY", Map.of(), new byte[] {0x30, 0x10, 0x02}, 1);

        MaterialFormatException e = assertThrows(MaterialFormatException.class,
                () -> PrivateKeyDecoder.decode(List.of(garbage), null));
        assertTrue(e.getMessage().startsWith("the DER structure is truncated"), e.getMessage());
    }

    /** The SEC1 ECPrivateKey with its [0] parameters removed, as some tools write it. */
    private static byte[] withoutCurveField(byte[] sec1) throws MaterialFormatException {
        DerReader fields = new DerReader(sec1).next(DerValue.SEQUENCE, "ECPrivateKey").reader();
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        while (fields.hasMore()) {
            DerValue field = fields.next();
            if (field.tag() != (DerValue.CONTEXT | 0)) {
                kept.writeBytes(field.encoded());
            }
        }
        return DerWriter.value(DerValue.SEQUENCE, kept.toByteArray());
    }
}
