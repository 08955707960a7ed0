package io.wsproxy.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class DerTest {
    @Test
    void objectIdentifiersRoundTrip() throws MaterialFormatException {
        for (String oid : new String[] {"1.2.840.113549.1.1.1", "1.2.840.10045.3.1.7", "1.3.132.0.34", "2.999.1",
                "0.0", "1.3.101.112"}) {
            assertEquals(oid, new DerReader(DerWriter.objectIdentifier(oid)).next().objectIdentifier());
        }
    }

    @Test
    void rsaEncryptionHasItsKnownEncoding() {
        // RFC 8017 appendix C: rsaEncryption is 06 09 2A 86 48 86 F7 0D 01 01 01.
        assertArrayEquals(new byte[] {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
                0x01}, DerWriter.objectIdentifier("1.2.840.113549.1.1.1"));
    }

    @Test
    void lengthsRoundTripAcrossTheFormBoundaries() throws MaterialFormatException {
        for (int length : new int[] {0, 1, 127, 128, 255, 256, 65535, 65536}) {
            byte[] contents = new byte[length];
            byte[] encoded = DerWriter.octetString(contents);
            int lengthOctets = length < 128 ? 1 : length < 256 ? 2 : length < 65536 ? 3 : 4;
            assertEquals(1 + lengthOctets + length, encoded.length, "length " + length);
            DerReader reader = new DerReader(encoded);
            assertEquals(length, reader.next(DerValue.OCTET_STRING, "an OCTET STRING").contents().length);
            assertFalse(reader.hasMore());
        }
    }

    @Test
    void sequencesAndIntegersNest() throws MaterialFormatException {
        byte[] der = DerWriter.sequence(DerWriter.integer(0), DerWriter.integer(128), DerWriter.nullValue());

        DerReader sequence = new DerReader(der).next(DerValue.SEQUENCE, "a SEQUENCE").reader();
        assertEquals(BigInteger.ZERO, sequence.next().integer());
        assertEquals(BigInteger.valueOf(128), sequence.next().integer());
        assertEquals(DerValue.NULL, sequence.next().tag());
        assertFalse(sequence.hasMore());
    }

    @Test
    void aLengthBeyondTheBytesIsTruncated() {
        MaterialFormatException e = assertThrows(MaterialFormatException.class,
                () -> new DerReader(new byte[] {0x30, 0x05, 0x02, 0x01}).next());
        assertEquals("the DER structure is truncated: a value of 5 bytes has 2 left", e.getMessage());
    }

    @Test
    void anIndefiniteLengthIsNotDer() {
        MaterialFormatException e = assertThrows(MaterialFormatException.class,
                () -> new DerReader(new byte[] {0x30, (byte) 0x80, 0x00, 0x00}).next());
        assertEquals("the DER structure has an indefinite length", e.getMessage());
    }

    @Test
    void anUnexpectedTagNamesWhatBelongsThere() {
        MaterialFormatException e = assertThrows(MaterialFormatException.class,
                () -> new DerReader(DerWriter.integer(1)).next(DerValue.SEQUENCE, "a PKCS#8 PrivateKeyInfo"));
        assertEquals("the DER structure has tag 0x2 where a PKCS#8 PrivateKeyInfo belongs", e.getMessage());
    }
}
