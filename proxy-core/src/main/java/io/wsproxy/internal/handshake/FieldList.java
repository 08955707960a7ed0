package io.wsproxy.internal.handshake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The header fields of a head being built, in order, and its encoding as ISO-8859-1 bytes (RFC 9112 §2.1) into
 * one array of the exact size.
 *
 * <p>Not thread-safe: local to one encoding.
 */
final class FieldList {
    private String[] names;
    private String[] values;
    private int size;

    FieldList(int expectedSize) {
        names = new String[Math.max(expectedSize, 4)];
        values = new String[names.length];
    }

    void add(String name, String value) {
        if (size == names.length) {
            names = Arrays.copyOf(names, 2 * size);
            values = Arrays.copyOf(values, 2 * size);
        }
        names[size] = name;
        values[size] = value;
        size++;
    }

    /** Sets {@code name} at the place of its first occurrence, removing any other; appends it if absent. */
    void replace(String name, String value) {
        boolean found = false;
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                if (found) {
                    continue; // removed
                }
                found = true;
                names[i] = name;
                values[i] = value;
            }
            names[kept] = names[i];
            values[kept] = values[i];
            kept++;
        }
        Arrays.fill(names, kept, size, null);
        Arrays.fill(values, kept, size, null);
        size = kept;
        if (!found) {
            add(name, value);
        }
    }

    /** RFC 9112 §2.1: start-line CRLF *( field-line CRLF ) CRLF [ body ]. */
    byte[] encode(String startLine, byte[] body) {
        int bodyLength = body == null ? 0 : body.length;
        int length = startLine.length() + 2 + 2 + bodyLength;
        for (int i = 0; i < size; i++) {
            length += names[i].length() + 2 + values[i].length() + 2;
        }
        byte[] message = new byte[length];
        int at = put("\r\n", message, put(startLine, message, 0));
        for (int i = 0; at >= 0 && i < size; i++) {
            at = put(names[i], message, at);
            at = put(": ", message, at);
            at = put(values[i], message, at);
            at = put("\r\n", message, at);
        }
        at = put("\r\n", message, at);
        if (at < 0) {
            return encodeWithCharset(startLine, body); // a configured text outside ISO-8859-1: rare
        }
        if (bodyLength > 0) {
            System.arraycopy(body, 0, message, at, bodyLength);
        }
        return message;
    }

    /**
     * Writes {@code text} at {@code at}; the index after it, or -1 (also
     * when {@code at} is -1) if a character is outside ISO-8859-1, whose encoding is not one byte per character.
     */
    private static int put(String text, byte[] message, int at) {
        if (at < 0) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xff) {
                return -1;
            }
            message[at + i] = (byte) c;
        }
        return at + text.length();
    }

    /** The same message through the charset, which writes "?" for what ISO-8859-1 cannot hold. */
    private byte[] encodeWithCharset(String startLine, byte[] body) {
        StringBuilder head = new StringBuilder(256);
        head.append(startLine).append("\r\n");
        for (int i = 0; i < size; i++) {
            head.append(names[i]).append(": ").append(values[i]).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null || body.length == 0) {
            return headBytes;
        }
        byte[] message = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, message, headBytes.length, body.length);
        return message;
    }
}
