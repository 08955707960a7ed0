package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ForwardedHeaders;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HandshakeEncoderTest {
    private static final String CLIENT_REQUEST = "GET /chat?room=1 HTTP/1.1\r\n"
            + "Host: chat.example.com\r\n"
            + "Connection: keep-alive, Upgrade, X-Secret\r\n"
            + "Upgrade: websocket\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Proxy-Connection: keep-alive\r\n"
            + "Proxy-Authorization: Basic cHJveHk6cHc=\r\n"
            + "TE: trailers\r\n"
            + "Trailer: X-Checksum\r\n"
            + "X-Secret: for the proxy only\r\n"
            + "Origin: https://chat.example.com\r\n"
            + "Cookie: session=abc\r\n"
            + "Authorization: Bearer t0ken\r\n"
            + "User-Agent: test/1.0\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: chat, superchat\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            + "X-Forwarded-For: 203.0.113.7\r\n"
            + "X-Forwarded-For: 198.51.100.1\r\n"
            + "X-Real-IP: 6.6.6.6\r\n"
            + "X-Forwarded-Proto: gopher\r\n"
            + "X-Custom: kept \u00e9\r\n"
            + "\r\n";
    private static final String END_TO_END = "Origin: https://chat.example.com\r\n"
            + "Cookie: session=abc\r\n"
            + "Authorization: Bearer t0ken\r\n"
            + "User-Agent: test/1.0\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: chat, superchat\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String upstreamRequest(ForwardedHeaders config, String clientIp, boolean secure)
            throws UnknownHostException {
        HttpRequest request = RequestParserTest.parse(CLIENT_REQUEST);
        return text(HandshakeEncoder.upstreamRequest(request, config, InetAddress.getByName(clientIp), secure,
                "10.0.0.5:9000"));
    }

    @Test
    void writesTheUpstreamRequestWithTheDefaults() throws UnknownHostException {
        assertEquals("GET /chat?room=1 HTTP/1.1\r\n"
                + "Host: chat.example.com\r\n"
                + END_TO_END
                + "X-Custom: kept \u00e9\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "X-Forwarded-For: 203.0.113.7, 198.51.100.1, 192.0.2.10\r\n"
                + "X-Real-IP: 192.0.2.10\r\n"
                + "X-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: chat.example.com\r\n"
                + "\r\n", upstreamRequest(ForwardedHeaders.defaults(), "192.0.2.10", true));
    }

    @Test
    void passesClientForwardingHeadersWhenTheOptionsAreOffAndNamesTheUpstreamHost() throws UnknownHostException {
        ForwardedHeaders config = ForwardedHeaders.builder().forwardedFor(false).realIp(false).forwardedProto(false)
                .forwardedHost(false).preserveHost(false).build();
        assertEquals("GET /chat?room=1 HTTP/1.1\r\n"
                + "Host: 10.0.0.5:9000\r\n"
                + END_TO_END
                + "X-Forwarded-For: 203.0.113.7\r\n"
                + "X-Forwarded-For: 198.51.100.1\r\n"
                + "X-Real-IP: 6.6.6.6\r\n"
                + "X-Forwarded-Proto: gopher\r\n"
                + "X-Custom: kept \u00e9\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "\r\n", upstreamRequest(config, "192.0.2.10", false));
    }

    @Test
    void letsFixedHeadersReplaceSameNamedOnesInPlace() throws UnknownHostException {
        ForwardedHeaders config = ForwardedHeaders.builder().forwardedFor(false).realIp(false).forwardedHost(false)
                .set("x-custom", "fixed").set("X-Forwarded-Proto", "wss").set("Host", "internal.example")
                .set("X-Added", "1").build();
        assertEquals("GET /chat?room=1 HTTP/1.1\r\n"
                + "Host: internal.example\r\n"
                + END_TO_END
                + "X-Forwarded-For: 203.0.113.7\r\n"
                + "X-Forwarded-For: 198.51.100.1\r\n"
                + "X-Real-IP: 6.6.6.6\r\n"
                + "x-custom: fixed\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "X-Forwarded-Proto: wss\r\n"
                + "X-Added: 1\r\n"
                + "\r\n", upstreamRequest(config, "192.0.2.10", false));
    }

    @Test
    void writesAnIpv6ClientWithoutBrackets() throws UnknownHostException {
        String request = upstreamRequest(ForwardedHeaders.defaults(), "2001:db8:0:0:0:0:0:1", false);
        assertEquals(true, request.contains("X-Forwarded-For: 203.0.113.7, 198.51.100.1, 2001:db8::1\r\n"), request);
        assertEquals(true, request.contains("X-Real-IP: 2001:db8::1\r\n"), request);
        assertEquals(true, request.contains("X-Forwarded-Proto: http\r\n"), request);
    }

    @Test
    void startsXForwardedForWhenTheClientSentNone() throws UnknownHostException {
        HttpRequest request = RequestParserTest.parse("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade, Content-Length\r\nContent-Length: 0\r\n\r\n");
        assertEquals("GET / HTTP/1.1\r\n"
                + "Host: a\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "X-Forwarded-For: 127.0.0.1\r\n"
                + "X-Real-IP: 127.0.0.1\r\n"
                + "X-Forwarded-Proto: http\r\n"
                + "X-Forwarded-Host: a\r\n"
                + "\r\n", text(HandshakeEncoder.upstreamRequest(request, ForwardedHeaders.defaults(),
                InetAddress.getByName("127.0.0.1"), false, "up:1")));
    }

    @Test
    void neverLetsConnectionWithdrawTheHandshakeHeaders() throws UnknownHostException {
        HttpRequest request = RequestParserTest.parse("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade, Sec-WebSocket-Key, Host\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        String forwarded = text(HandshakeEncoder.upstreamRequest(request, ForwardedHeaders.builder()
                .forwardedFor(false).realIp(false).forwardedProto(false).forwardedHost(false).build(),
                InetAddress.getByName("127.0.0.1"), false, "up:1"));
        assertEquals("GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", forwarded);
    }

    @Test
    void writesTheSwitchingProtocolsAnswerFromTheUpstream101() {
        HttpResponse upstream = ResponseParserTest.parse("HTTP/1.1 101 Web Socket Protocol Handshake\r\n"
                + "upgrade: WebSocket\r\n"
                + "connection: Upgrade, X-Hop\r\n"
                + "X-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                + "Sec-WebSocket-Protocol: chat\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                + "Set-Cookie: id=1; HttpOnly\r\n"
                + "Content-Length: 0\r\n"
                + "X-Server: up1\r\n"
                + "\r\n");
        assertEquals("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                + "Sec-WebSocket-Protocol: chat\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                + "Set-Cookie: id=1; HttpOnly\r\n"
                + "X-Server: up1\r\n"
                + "\r\n", text(HandshakeEncoder.switchingProtocols(upstream)));
    }

    @Test
    void relaysANon101AnswerWithItsDecodedBody() {
        HttpResponse upstream = ResponseParserTest.parse("HTTP/1.0 403 Forbidden by policy\r\n"
                + "Content-Type: text/plain\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "Connection: keep-alive\r\n"
                + "WWW-Authenticate: Bearer\r\n"
                + "\r\n"
                + "3\r\nno!\r\n0\r\n\r\n");
        assertEquals("HTTP/1.1 403 Forbidden by policy\r\n"
                + "Content-Type: text/plain\r\n"
                + "WWW-Authenticate: Bearer\r\n"
                + "Content-Length: 3\r\n"
                + "Connection: close\r\n"
                + "\r\n"
                + "no!", text(HandshakeEncoder.relayedResponse(upstream)));
    }

    @Test
    void relaysAContentLengthBodyWithOurOwnLengthAndNoLengthFor204() {
        HttpResponse withBody = ResponseParserTest.parse("HTTP/1.1 404 \r\ncontent-length: 2\r\n\r\nno");
        assertEquals("HTTP/1.1 404 \r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
                text(HandshakeEncoder.relayedResponse(withBody)));
        HttpResponse noContent = ResponseParserTest.parse("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
        assertEquals("HTTP/1.1 204 No Content\r\nX-A: 1\r\nConnection: close\r\n\r\n",
                text(HandshakeEncoder.relayedResponse(noContent)));
    }

    @Test
    void writesTheProxysOwnErrorWithoutItsDetail() {
        HttpError error = new HttpError(426, "secret detail", "Sec-WebSocket-Version", "13");
        assertEquals("HTTP/1.1 426 Upgrade Required\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: 21\r\n"
                + "Connection: close\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n"
                + "426 Upgrade Required\n", text(HandshakeEncoder.errorResponse(error)));
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: 36\r\n"
                + "Connection: close\r\n"
                + "\r\n"
                + "431 Request Header Fields Too Large\n",
                text(HandshakeEncoder.errorResponse(HttpError.headersTooLarge("x"))));
    }
}
