package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.wsproxy.internal.handshake.WebSocketAccept;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One WebSocket probe against a member that answers as each test scripts it, over a real socket: a member passes
 * only with an answer the relay itself would accept, and each other answer fails with a line saying what was wrong.
 */
class HealthProbeTest {
    private static final Pattern KEY = Pattern.compile("Sec-WebSocket-Key: (\\S+)\r\n");
    private static final ActiveHealthCheck CHECK =
            ActiveHealthCheck.webSocket("/health", Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(5));

    /** Probes a member that reads the probe's request head and sends {@code answer.apply(key)}, then closes. */
    private static String probe(Function<String, String> answer) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket socket = server.accept()) {
                    Matcher key = KEY.matcher(readHead(socket.getInputStream()));
                    String response = answer.apply(key.find() ? key.group(1) : "");
                    socket.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            String result = HealthProbe.probe(Upstream.of("ws://127.0.0.1:" + server.getLocalPort()), CHECK);
            served.get(5, TimeUnit.SECONDS);
            return result;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static String switching(String acceptHeaders) {
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + acceptHeaders
                + "\r\n";
    }

    @Test
    @Timeout(30)
    void aRightUpgradePasses() throws Exception {
        assertNull(probe(key -> switching("Sec-WebSocket-Accept: " + WebSocketAccept.of(key) + "\r\n")));
        assertNull(probe(key -> switching("sec-websocket-accept:" + WebSocketAccept.of(key) + "\r\n")),
                "header names are case-insensitive and the space after the colon optional");
    }

    @Test
    @Timeout(30)
    void eachWrongAnswerFailsWithWhatWasWrong() throws Exception {
        assertEquals("answered 404 Not Found",
                probe(key -> "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno socket"));
        assertEquals("upstream sent a wrong Sec-WebSocket-Accept",
                probe(key -> switching("Sec-WebSocket-Accept: " + WebSocketAccept.of(key).toLowerCase(Locale.ROOT)
                        + "\r\n")));
        assertEquals("upstream sent 0 Sec-WebSocket-Accept header fields", probe(key -> switching("")));
        assertEquals("upstream 101 lacks Upgrade: websocket", probe(key -> "HTTP/1.1 101 Switching Protocols\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + WebSocketAccept.of(key) + "\r\n\r\n"));
        assertEquals("closed the connection before answering the upgrade", probe(key -> ""));
        assertEquals("upstream closed the connection before the end of the response head",
                probe(key -> "HTTP/1.1 101 Switching"));
    }
}
