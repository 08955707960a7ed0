package io.wsproxy.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** The opening handshake (RFC 6455 §4) as the load generator's clients and backend need it; no validation beyond that. */
public final class WebSocketHandshake {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEAD_BYTES = 16 * 1024;

    private WebSocketHandshake() {
    }

    /** {@code base64(SHA-1(key + GUID))}, RFC 6455 §4.2.2 step 5.4. */
    public static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /** The 101 answer to a request head, or null when the head has no {@code Sec-WebSocket-Key}. */
    public static byte[] switchingProtocolsFor(String requestHead) {
        String key = headerValue(requestHead, "sec-websocket-key");
        if (key == null) {
            return null;
        }
        return ("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + acceptFor(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Connects to {@code address} in blocking mode, sends an upgrade request and reads the 101. Returns the connected
     * channel, still blocking, with nothing read past the response head (the server sends nothing before the client).
     *
     * @throws IOException if the connection fails or the answer is not a 101 with the right accept value
     */
    static SocketChannel connect(InetSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        try {
            channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            byte[] keyBytes = new byte[16];
            ThreadLocalRandom.current().nextBytes(keyBytes);
            String key = Base64.getEncoder().encodeToString(keyBytes);
            String request = "GET / HTTP/1.1\r\n"
                    + "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            String head = readHead(channel);
            if (!head.startsWith("HTTP/1.1 101")) {
                throw new IOException("Expected 101, got: " + head.lines().findFirst().orElse(""));
            }
            String accept = headerValue(head, "sec-websocket-accept");
            if (!acceptFor(key).equals(accept)) {
                throw new IOException("Wrong Sec-WebSocket-Accept " + accept);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Reads one byte at a time up to the blank line, so that nothing after the head is consumed. */
    private static String readHead(SocketChannel channel) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder head = new StringBuilder(256);
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new IOException("Connection closed during the handshake after: " + head);
            }
            head.append((char) (one.get(0) & 0xFF));
            if (head.length() > MAX_HEAD_BYTES) {
                throw new IOException("Response head too large");
            }
        }
        return head.toString();
    }

    /** Index just past the {@code \r\n\r\n} ending a head in {@code bytes[0, length)}, or -1. */
    public static int headEnd(byte[] bytes, int length) {
        for (int i = 3; i < length; i++) {
            if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /** The trimmed value of the first header named {@code lowerCaseName} (any case in the head), or null. */
    public static String headerValue(String head, String lowerCaseName) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(lowerCaseName)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }
}
