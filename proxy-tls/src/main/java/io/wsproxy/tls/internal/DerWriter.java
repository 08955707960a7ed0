package io.wsproxy.tls.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;

/**
 * Encodes the few DER values (X.690) needed to wrap a PKCS#1 or SEC1 key in a PKCS#8 {@code PrivateKeyInfo}:
 * SEQUENCE, INTEGER, OCTET STRING, NULL and OBJECT IDENTIFIER. Stateless; thread-safe.
 */
public final class DerWriter {
    private DerWriter() {
    }

    public static byte[] sequence(byte[]... elements) {
        ByteArrayOutputStream contents = new ByteArrayOutputStream();
        for (byte[] element : elements) {
            contents.writeBytes(element);
        }
        return value(DerValue.SEQUENCE, contents.toByteArray());
    }

    public static byte[] integer(long value) {
        return value(DerValue.INTEGER, BigInteger.valueOf(value).toByteArray()); // minimal two's complement
    }

    public static byte[] octetString(byte[] contents) {
        return value(DerValue.OCTET_STRING, contents);
    }

    public static byte[] nullValue() {
        return value(DerValue.NULL, new byte[0]);
    }

    /** An OBJECT IDENTIFIER from its dotted form (X.690 §8.19), e.g. {@code 1.2.840.113549.1.1.1}. */
    public static byte[] objectIdentifier(String dotted) {
        String[] parts = dotted.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("An object identifier has at least two arcs: " + dotted);
        }
        ByteArrayOutputStream contents = new ByteArrayOutputStream();
        writeArc(contents, Long.parseLong(parts[0]) * 40 + Long.parseLong(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            writeArc(contents, Long.parseLong(parts[i]));
        }
        return value(DerValue.OBJECT_IDENTIFIER, contents.toByteArray());
    }

    /** Any value: identifier octet, definite length (§8.1.3), contents. */
    public static byte[] value(int tag, byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
        out.write(tag);
        int length = contents.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int count = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | count);
            for (int shift = (count - 1) * 8; shift >= 0; shift -= 8) {
                out.write(length >>> shift);
            }
        }
        out.writeBytes(contents);
        return out.toByteArray();
    }

    /** Base 128, most significant group first, bit 8 set on all but the last octet. */
    private static void writeArc(ByteArrayOutputStream out, long arc) {
        int groups = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(arc) + 6) / 7);
        for (int i = groups - 1; i >= 0; i--) {
            int group = (int) ((arc >>> (7 * i)) & 0x7f);
            out.write(i > 0 ? group | 0x80 : group);
        }
    }
}
