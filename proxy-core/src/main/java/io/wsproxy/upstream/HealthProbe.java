package io.wsproxy.upstream;

import io.wsproxy.internal.handshake.WebSocketAccept;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * One active probe of one member, on the checker's own thread with a blocking socket: a TCP connect, or a TCP
 * connect and a WebSocket upgrade answered with {@code 101} and the right {@code Sec-WebSocket-Accept}, then a Close
 * 1001 and the socket closed. Stateless; thread-safe.
 */
final class HealthProbe {
    private static final SecureRandom KEYS = new SecureRandom();
    /** A masked Close 1001 (all-zero mask): the probe ends its WebSocket politely. */
    private static final byte[] CLOSE_1001 = {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xE9};
    private static final int MAX_HEAD = 8 * 1024;

    private HealthProbe() {
    }

    /** Null when {@code member} passes, else why not, in one line. */
    static String probe(Upstream member, ActiveHealthCheck check) {
        int timeoutMillis = (int) Math.max(1, check.timeout().toMillis());
        try (Socket socket = new Socket()) {
            socket.connect(member.address(), timeoutMillis);
            if (check.path() == null || member.secure()) {
                return null;
            }
            socket.setSoTimeout(timeoutMillis);
            byte[] nonce = new byte[16];
            KEYS.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + check.path() + " HTTP/1.1\r\nHost: " + member.authority()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wsproxy-health-check\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(socket.getInputStream());
            if (head == null) {
                return "closed the connection before answering the upgrade";
            }
            String statusLine = head.substring(0, Math.max(0, head.indexOf('\r')));
            if (!statusLine.startsWith("HTTP/1.1 101")) {
                return "answered " + statusLine;
            }
            String accept = "sec-websocket-accept: " + WebSocketAccept.of(key).toLowerCase(Locale.ROOT);
            if (!head.toLowerCase(Locale.ROOT).contains(accept)) {
                return "answered 101 with a wrong Sec-WebSocket-Accept";
            }
            out.write(CLOSE_1001);
            out.flush();
            return null;
        } catch (IOException e) {
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
    }

    /** The answer's head up to its blank line; null at end of stream; bounded. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < MAX_HEAD) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.append((char) b);
            int n = head.length();
            if (n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r'
                    && head.charAt(n - 1) == '\n') {
                return head.toString();
            }
        }
        throw new IOException("the answer's head is larger than " + MAX_HEAD + " bytes");
    }
}
