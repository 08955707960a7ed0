package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestParserErrorsTest {
    private static final String FIELDS = "Host: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                Arguments.of("no target", "GET HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("two spaces", "GET  /chat HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("trailing space", "GET /chat HTTP/1.1 \r\n" + FIELDS + "\r\n", 400),
                Arguments.of("tab separator", "GET\t/chat HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("only a word", "HELLO\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("lower-case version", "GET /chat http/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("HTTP/1.0", "GET /chat HTTP/1.0\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("HTTP/0.9", "GET /chat HTTP/0.9\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("HTTP/1.2", "GET /chat HTTP/1.2\r\n" + FIELDS + "\r\n", 505),
                Arguments.of("HTTP/2.0", "GET /chat HTTP/2.0\r\n" + FIELDS + "\r\n", 505),
                Arguments.of("two-digit minor", "GET /chat HTTP/1.10\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("version without minor", "GET /chat HTTP/2\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("method not a token", "G(T /chat HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("relative target", "GET chat HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("asterisk target", "GET * HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("fragment in target", "GET /chat#top HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("non-ASCII target", "GET /caf\u00e9 HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("absolute-form, other host",
                        "GET http://evil.example/chat HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("absolute-form with userinfo",
                        "GET http://user@example.com/ HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("absolute-form, other scheme", "GET ftp://example.com/ HTTP/1.1\r\n" + FIELDS + "\r\n",
                        400),
                Arguments.of("missing Host", "GET /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", 400),
                Arguments.of("two Hosts", "GET /chat HTTP/1.1\r\n" + FIELDS + "host: other\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A: a\r\n  b\r\n\r\n", 400),
                Arguments.of("obs-fold with tab", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A: a\r\n\tb\r\n\r\n", 400),
                Arguments.of("space before first field", "GET /chat HTTP/1.1\r\n " + FIELDS + "\r\n", 400),
                Arguments.of("bare LF ending a field", "GET /chat HTTP/1.1\r\nX-A: a\n" + FIELDS + "\r\n", 400),
                Arguments.of("bare LF ending the head", "GET /chat HTTP/1.1\r\n" + FIELDS + "\n", 400),
                Arguments.of("bare LF ending the request line", "GET /chat HTTP/1.1\n" + FIELDS + "\r\n", 400),
                Arguments.of("bare CR in a value", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A: a\rb\r\n\r\n", 400),
                Arguments.of("CR CR LF", "GET /chat HTTP/1.1\r\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("NUL in a value", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A: a\u0000b\r\n\r\n", 400),
                Arguments.of("0x01 in a value", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A: \u0001\r\n\r\n", 400),
                Arguments.of("DEL in a value", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A: a\u007f\r\n\r\n", 400),
                Arguments.of("escape in request line", "GET /ch\u001bat HTTP/1.1\r\n" + FIELDS + "\r\n", 400),
                Arguments.of("space before colon", "GET /chat HTTP/1.1\r\nHost : example.com\r\n\r\n", 400),
                Arguments.of("tab before colon", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A\t: b\r\n\r\n", 400),
                Arguments.of("non-token field name", "GET /chat HTTP/1.1\r\n" + FIELDS + "X(A): b\r\n\r\n", 400),
                Arguments.of("space inside field name", "GET /chat HTTP/1.1\r\n" + FIELDS + "X A: b\r\n\r\n", 400),
                Arguments.of("empty field name", "GET /chat HTTP/1.1\r\n" + FIELDS + ": b\r\n\r\n", 400),
                Arguments.of("field line without colon", "GET /chat HTTP/1.1\r\n" + FIELDS + "X-A b\r\n\r\n", 400),
                Arguments.of("Content-Length 5", "GET /chat HTTP/1.1\r\n" + FIELDS + "Content-Length: 5\r\n\r\n",
                        400),
                Arguments.of("two Content-Lengths", "GET /chat HTTP/1.1\r\n" + FIELDS
                        + "Content-Length: 0\r\nContent-Length: 5\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding", "GET /chat HTTP/1.1\r\n" + FIELDS
                        + "Transfer-Encoding: chunked\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding with Content-Length 0", "GET /chat HTTP/1.1\r\n" + FIELDS
                        + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformedRequests")
    void refusesWithTheExactStatusFedWhole(String name, String head, int status) {
        RequestParser parser = new RequestParser(16384, 100);

        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(head)));

        assertEquals(status, parser.error().status(), parser.error().detail());
        assertEquals(HttpError.reasonPhraseOf(status), parser.error().reasonPhrase());
        assertNull(parser.request());
        // Once failed, the parser stays failed.
        assertEquals(ParseStatus.ERROR, parser.parse(ByteBuffer.wrap(Feeding.bytes("GET / HTTP/1.1\r\n"))));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformedRequests")
    void refusesWithTheSameStatusFedOneByteAtATime(String name, String head, int status) {
        RequestParser parser = new RequestParser(16384, 100);

        Feeding.Outcome outcome = Feeding.feedByteByByte(Feeding.bytes(head), parser::parse);

        assertEquals(ParseStatus.ERROR, outcome.status());
        assertEquals(status, parser.error().status(), parser.error().detail());
    }
}
