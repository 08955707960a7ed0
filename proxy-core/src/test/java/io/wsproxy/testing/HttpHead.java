package io.wsproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The head of an HTTP/1.1 message (start line and header fields) read off a plain stream, and the body framing
 * rules a test needs (Content-Length, chunked, until EOF). Header names are compared case-insensitively.
 */
public record HttpHead(String startLine, List<String[]> fields) {
    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** Reads up to and including the empty line; throws {@link EOFException} if the stream ends first. */
    public static HttpHead read(InputStream in) throws IOException {
        String startLine = readLine(in);
        List<String[]> fields = new ArrayList<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("Malformed header line: '" + line + "'");
            }
            fields.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
        }
        return new HttpHead(startLine, fields);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Stream ended inside an HTTP head after '" + line.toString(StandardCharsets.ISO_8859_1) + "'");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    /** The status code of a response head. */
    public int status() {
        String[] parts = startLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IllegalStateException("Not a status line: '" + startLine + "'");
        }
        return Integer.parseInt(parts[1]);
    }

    /** The first value of header {@code name}, or null. */
    public String header(String name) {
        for (String[] field : fields) {
            if (field[0].equalsIgnoreCase(name)) {
                return field[1];
            }
        }
        return null;
    }

    /** Every value of header {@code name}, in order. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (String[] field : fields) {
            if (field[0].equalsIgnoreCase(name)) {
                values.add(field[1]);
            }
        }
        return values;
    }

    /** Whether a comma-separated header contains {@code token}, case-insensitively. */
    public boolean headerHasToken(String name, String token) {
        for (String value : headers(name)) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Reads the body that follows this head: by Content-Length, chunked (decoded), or until EOF. A response to a
     * WebSocket upgrade that is a 101 has no body; callers do not call this then.
     */
    public byte[] readBody(InputStream in) throws IOException {
        String transferEncoding = header("Transfer-Encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim(), 16);
                if (size == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailer fields
                    }
                    return body.toByteArray();
                }
                body.write(Frame.readFully(in, size));
                readLine(in);
            }
        }
        String contentLength = header("Content-Length");
        if (contentLength != null) {
            return Frame.readFully(in, Integer.parseInt(contentLength.trim()));
        }
        return in.readAllBytes();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(startLine);
        for (String[] field : fields) {
            text.append(" | ").append(field[0]).append(": ").append(field[1]);
        }
        return text.toString();
    }

    /** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). Computed here independently of the proxy. */
    public static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A fresh random Sec-WebSocket-Key: base64 of 16 random bytes. */
    public static String newKey() {
        byte[] nonce = new byte[16];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }
}
