package io.wsproxy.upstream;

import io.wsproxy.internal.handshake.HttpError;
import io.wsproxy.internal.handshake.HttpResponse;
import io.wsproxy.internal.handshake.ParseStatus;
import io.wsproxy.internal.handshake.ResponseParser;
import io.wsproxy.internal.handshake.UpstreamHandshakeValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

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
    /** Of a refusal's body, read only to reach its end. */
    private static final int MAX_BODY = 8 * 1024;

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
            String problem = answerProblem(socket.getInputStream(), key);
            if (problem != null) {
                return problem;
            }
            out.write(CLOSE_1001);
            out.flush();
            return null;
        } catch (IOException e) {
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
    }

    /**
     * Null when the answer to the upgrade is one the relay would accept from this member (the relay's own parser and
     * checks: {@code 101}, {@code Upgrade}, {@code Connection} and the right {@code Sec-WebSocket-Accept}); else what
     * was wrong, in one line.
     */
    private static String answerProblem(InputStream in, String key) throws IOException {
        ResponseParser parser = new ResponseParser(MAX_HEAD, MAX_BODY);
        byte[] chunk = new byte[1024];
        ParseStatus status = ParseStatus.NEED_MORE;
        boolean answered = false;
        while (status == ParseStatus.NEED_MORE) {
            int n = in.read(chunk);
            if (n < 0) {
                if (!answered) {
                    return "closed the connection before answering the upgrade";
                }
                status = parser.endOfInput();
            } else {
                answered = true;
                status = parser.parse(ByteBuffer.wrap(chunk, 0, n));
            }
        }
        if (status == ParseStatus.ERROR) {
            return parser.error().detail();
        }
        HttpResponse response = parser.response();
        if (response.status() != 101) {
            return "answered " + response.status() + " " + response.reasonPhrase();
        }
        HttpError error = UpstreamHandshakeValidator.validate(response, key);
        return error == null ? null : error.detail();
    }
}
