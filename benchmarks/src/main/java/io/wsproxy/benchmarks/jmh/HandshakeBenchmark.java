package io.wsproxy.benchmarks.jmh;

import io.wsproxy.ForwardedHeaders;
import io.wsproxy.internal.handshake.HandshakeEncoder;
import io.wsproxy.internal.handshake.HttpError;
import io.wsproxy.internal.handshake.HttpRequest;
import io.wsproxy.internal.handshake.HttpResponse;
import io.wsproxy.internal.handshake.ParseStatus;
import io.wsproxy.internal.handshake.RequestParser;
import io.wsproxy.internal.handshake.ResponseParser;
import io.wsproxy.internal.handshake.UpgradeValidator;
import io.wsproxy.internal.handshake.UpstreamHandshakeValidator;
import io.wsproxy.internal.handshake.WebSocketAccept;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of the opening handshake in the proxy, without I/O: the browser's upgrade request parsed and validated, and
 * the whole per-handshake work of {@code ProxyConnection} from the client's request to the 101 it sends back. Each
 * operation makes new parsers, as the proxy does per connection; the heads sit in direct buffers, as the loop reads
 * them, and arrive in one read.
 *
 * <p>State per thread; single-threaded like a connection's loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HandshakeBenchmark {
    /** ProxyServer.Builder defaults. */
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_HEADER_COUNT = 100;
    private static final int MAX_RESPONSE_BODY_BYTES = 64 * 1024;

    private static final String KEY = "x3JJHMbDL1EzLkh9GBhXDw==";
    private static final String UPSTREAM_AUTHORITY = "10.0.3.17:8080";

    /** What Chrome sends for {@code new WebSocket("wss://app.example.com/live?room=lobby")}, a cookie of 210 bytes. */
    static final String REQUEST = "GET /live?room=lobby HTTP/1.1\r\n"
            + "Host: app.example.com\r\n"
            + "Connection: Upgrade\r\n"
            + "Pragma: no-cache\r\n"
            + "Cache-Control: no-cache\r\n"
            + "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/126.0.0.0 Safari/537.36\r\n"
            + "Upgrade: websocket\r\n"
            + "Origin: https://app.example.com\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
            + "Cookie: _ga=GA1.1.1385627491.1718012345; _ga_X2K4P9Q7RT=GS1.1.1718012345.3.1.1718013020.0.0.0;"
            + " session=eyJ1aWQiOjQ4MjE3LCJleHAiOjE3MTgwOTg0MjB9.Qm9yYV9zaWduYXR1cmVfaGVyZQ;"
            + " csrftoken=Yk3Jz9fQ2wLm8NcR5tVb7xPa; theme=dark\r\n"
            + "Sec-WebSocket-Key: " + KEY + "\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            + "\r\n";

    /** A typical backend's answer (Node's ws): accept, and permessage-deflate taken. */
    static final String RESPONSE = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: " + WebSocketAccept.of(KEY) + "\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15\r\n"
            + "\r\n";

    private ByteBuffer request;
    private ByteBuffer response;
    private InetAddress clientAddress;
    private final ForwardedHeaders forwardedHeaders = ForwardedHeaders.defaults();

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        request = directBuffer(REQUEST);
        response = directBuffer(RESPONSE);
        clientAddress = InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 7});
        byte[] toUpstream = HandshakeEncoder.upstreamRequest(parseAndValidate(), forwardedHeaders, clientAddress,
                false, UPSTREAM_AUTHORITY);
        byte[] toClient = proxyHandshake(null);
        System.out.printf("%nrequest %d bytes, 101 %d bytes; to the upstream %d bytes, to the client %d bytes%n",
                REQUEST.length(), RESPONSE.length(), toUpstream.length, toClient.length);
    }

    /** RequestParser and UpgradeValidator.validate: what the proxy does before it picks an upstream. */
    @Benchmark
    public HttpRequest parseAndValidate() {
        request.position(0);
        RequestParser parser = new RequestParser(MAX_HEADER_BYTES, MAX_HEADER_COUNT);
        if (parser.parse(request) != ParseStatus.COMPLETE) {
            throw new IllegalStateException("request: " + parser.error());
        }
        HttpRequest parsed = parser.request();
        HttpError invalid = UpgradeValidator.validate(parsed);
        if (invalid != null) {
            throw new IllegalStateException("request: " + invalid);
        }
        return parsed;
    }

    /**
     * Everything {@code ProxyConnection} computes for one handshake: the request parsed and validated, the upgrade
     * request for the upstream encoded (default forwarding fields), the upstream's 101 parsed and validated
     * (including the SHA-1 of the key), the negotiated RSV bits, and the 101 for the client encoded.
     */
    @Benchmark
    public byte[] proxyHandshake(Blackhole blackhole) {
        HttpRequest parsed = parseAndValidate();
        byte[] toUpstream = HandshakeEncoder.upstreamRequest(parsed, forwardedHeaders, clientAddress, false,
                UPSTREAM_AUTHORITY);
        response.position(0);
        ResponseParser parser = new ResponseParser(MAX_HEADER_BYTES, MAX_RESPONSE_BODY_BYTES);
        if (parser.parse(response) != ParseStatus.COMPLETE) {
            throw new IllegalStateException("response: " + parser.error());
        }
        HttpResponse upstream101 = parser.response();
        HttpError invalid = UpstreamHandshakeValidator.validate(upstream101,
                parsed.headers().first("Sec-WebSocket-Key"));
        if (invalid != null) {
            throw new IllegalStateException("response: " + invalid);
        }
        int rsvBits = UpstreamHandshakeValidator.negotiatedRsvBits(upstream101);
        if (blackhole != null) {
            blackhole.consume(toUpstream);
            blackhole.consume(rsvBits);
        }
        return HandshakeEncoder.switchingProtocols(upstream101);
    }

    private static ByteBuffer directBuffer(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).clear();
        return buffer;
    }
}
