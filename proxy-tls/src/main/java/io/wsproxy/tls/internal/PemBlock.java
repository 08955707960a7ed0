package io.wsproxy.tls.internal;

import java.util.Map;

/**
 * One {@code -----BEGIN type----- ... -----END type-----} block of a PEM file (RFC 7468): its type label, the
 * RFC 1421 headers some legacy formats carry (such as {@code Proc-Type: 4,ENCRYPTED}), and the decoded DER bytes.
 * Immutable and thread-safe: the bytes are copied in and out.
 */
public final class PemBlock {
    private final String type;
    private final Map<String, String> headers;
    private final byte[] der;
    /** 1-based line of the BEGIN line, for messages. */
    private final int line;

    public PemBlock(String type, Map<String, String> headers, byte[] der, int line) {
        this.type = type;
        this.headers = Map.copyOf(headers);
        this.der = der.clone();
        this.line = line;
    }

    /** The label between {@code BEGIN } and the dashes, e.g. {@code CERTIFICATE} or {@code EC PRIVATE KEY}. */
    public String type() {
        return type;
    }

    /** The headers before the base64 text, by name as written; usually empty. */
    public Map<String, String> headers() {
        return headers;
    }

    public byte[] der() {
        return der.clone();
    }

    /** The line of the file where the block begins, counting from 1. */
    public int line() {
        return line;
    }

    @Override
    public String toString() {
        return type + " at line " + line;
    }
}
