package io.wsproxy.tls.internal;

import java.math.BigInteger;

/**
 * One DER value (X.690): its identifier octet and its contents. Immutable and thread-safe: the contents are
 * copied in and out.
 */
public final class DerValue {
    public static final int INTEGER = 0x02;
    public static final int BIT_STRING = 0x03;
    public static final int OCTET_STRING = 0x04;
    public static final int NULL = 0x05;
    public static final int OBJECT_IDENTIFIER = 0x06;
    public static final int SEQUENCE = 0x30;
    /** Constructed, context-specific class (X.690 §8.1.2): {@code [n]} is {@code CONTEXT | n}. */
    public static final int CONTEXT = 0xa0;

    private final int tag;
    private final byte[] contents;

    DerValue(int tag, byte[] contents) {
        this.tag = tag;
        this.contents = contents;
    }

    public int tag() {
        return tag;
    }

    public byte[] contents() {
        return contents.clone();
    }

    /** A reader over the contents of this constructed value (a SEQUENCE or a context-tagged value). */
    public DerReader reader() {
        return new DerReader(contents);
    }

    /** The value of an INTEGER. */
    public BigInteger integer() throws MaterialFormatException {
        expect(INTEGER, "an INTEGER");
        if (contents.length == 0) {
            throw new MaterialFormatException("the DER structure has an empty INTEGER");
        }
        return new BigInteger(contents);
    }

    /** The dotted form of an OBJECT IDENTIFIER (X.690 §8.19), e.g. {@code 1.2.840.10045.2.1}. */
    public String objectIdentifier() throws MaterialFormatException {
        expect(OBJECT_IDENTIFIER, "an OBJECT IDENTIFIER");
        StringBuilder dotted = new StringBuilder();
        long arc = 0;
        boolean first = true;
        for (int i = 0; i < contents.length; i++) {
            int b = contents[i] & 0xff;
            if (arc > (Long.MAX_VALUE >>> 7)) {
                throw new MaterialFormatException("the DER structure has an OBJECT IDENTIFIER arc that is too large");
            }
            arc = (arc << 7) | (b & 0x7f);
            if ((b & 0x80) != 0) {
                if (i == contents.length - 1) {
                    throw new MaterialFormatException("the DER structure has a truncated OBJECT IDENTIFIER");
                }
                continue;
            }
            if (first) {
                // §8.19.4: the first two arcs share one subidentifier, 40 * first + second.
                long top = Math.min(arc / 40, 2);
                dotted.append(top).append('.').append(arc - 40 * top);
                first = false;
            } else {
                dotted.append('.').append(arc);
            }
            arc = 0;
        }
        if (first) {
            throw new MaterialFormatException("the DER structure has an empty OBJECT IDENTIFIER");
        }
        return dotted.toString();
    }

    /** This value encoded again, identifier and length included. */
    public byte[] encoded() {
        return DerWriter.value(tag, contents);
    }

    public void expect(int expectedTag, String what) throws MaterialFormatException {
        if (tag != expectedTag) {
            throw new MaterialFormatException("the DER structure has tag 0x" + Integer.toHexString(tag)
                    + " where " + what + " belongs");
        }
    }
}
