package io.wsproxy.tls.internal;

import java.util.Arrays;

/**
 * Reads consecutive DER values (X.690 §8.1: identifier, definite length, contents) from a byte array: just enough
 * of DER to take apart the PKCS#1, PKCS#8 and SEC1 key structures, which use single-octet tags only. Every length
 * is checked against the bytes that remain, so a truncated or hostile structure fails with a message instead of
 * reading past its end. Not thread-safe: it keeps a read position; use one per parse.
 */
public final class DerReader {
    private final byte[] der;
    private int position;

    /** Reads {@code der}, which is not copied and must not change while it is read. */
    public DerReader(byte[] der) {
        this.der = der;
    }

    public boolean hasMore() {
        return position < der.length;
    }

    /** The next value, of any tag. */
    public DerValue next() throws MaterialFormatException {
        if (position >= der.length) {
            throw new MaterialFormatException("the DER structure ends early");
        }
        int tag = der[position++] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            // §8.1.2.4: tag numbers above 30 take more octets; no key structure uses them.
            throw new MaterialFormatException("the DER structure has a multi-octet tag");
        }
        int length = readLength();
        if (length > der.length - position) {
            throw new MaterialFormatException("the DER structure is truncated: a value of " + length
                    + " bytes has " + (der.length - position) + " left");
        }
        DerValue value = new DerValue(tag, Arrays.copyOfRange(der, position, position + length));
        position += length;
        return value;
    }

    /** The next value, which must have {@code tag}; {@code what} names it in the message otherwise. */
    public DerValue next(int tag, String what) throws MaterialFormatException {
        if (!hasMore()) {
            throw new MaterialFormatException("the DER structure ends where " + what + " belongs");
        }
        DerValue value = next();
        value.expect(tag, what);
        return value;
    }

    private int readLength() throws MaterialFormatException {
        if (position >= der.length) {
            throw new MaterialFormatException("the DER structure ends early");
        }
        int first = der[position++] & 0xff;
        if (first < 0x80) {
            return first; // §8.1.3.4: short form
        }
        if (first == 0x80) {
            // §10.1: DER allows the definite form only.
            throw new MaterialFormatException("the DER structure has an indefinite length");
        }
        int count = first & 0x7f;
        if (count > 3) {
            throw new MaterialFormatException("the DER structure has a length of " + count + " octets");
        }
        if (count > der.length - position) {
            throw new MaterialFormatException("the DER structure ends early");
        }
        int length = 0;
        for (int i = 0; i < count; i++) {
            length = (length << 8) | (der[position++] & 0xff);
        }
        return length;
    }
}
