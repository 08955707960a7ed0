package io.wsproxy.internal.handshake;

import static io.wsproxy.internal.handshake.Feeding.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RequestParserTest {
    static final String VALID = "GET /chat?room=1 HTTP/1.1\r\n"
            + "Host: example.com:8080\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Origin: http://example.com\r\n"
            + "X-Tabbed:\tvalue with\ttab \t\r\n"
            + "\r\n";
    static final String EXPECTED = "GET /chat?room=1 path=/chat query=room=1 minor=1 "
            + "[Host=example.com:8080, Upgrade=websocket, Connection=Upgrade, "
            + "Sec-WebSocket-Key=dGhlIHNhbXBsZSBub25jZQ==, Sec-WebSocket-Version=13, Origin=http://example.com, "
            + "X-Tabbed=value with\ttab]";

    static RequestParser parser() {
        return new RequestParser(16384, 100);
    }

    /** Everything the parser produced, as one comparable string. */
    static String describe(HttpRequest request) {
        StringBuilder fields = new StringBuilder();
        HttpHeaders headers = request.headers();
        for (int i = 0; i < headers.size(); i++) {
            fields.append(i == 0 ? "" : ", ").append(headers.name(i)).append('=').append(headers.value(i));
        }
        return request.method() + " " + request.target() + " path=" + request.path() + " query=" + request.query()
                + " minor=" + request.minorVersion() + " [" + fields + "]";
    }

    @Test
    void parsesAValidRequestFedWhole() {
        RequestParser parser = parser();
        ByteBuffer in = Feeding.buffer(VALID);

        assertEquals(ParseStatus.COMPLETE, parser.parse(in));

        assertEquals(EXPECTED, describe(parser.request()));
        assertEquals(VALID.length(), in.position());
        assertEquals(VALID.length(), parser.bytesConsumed());
        assertNull(parser.error());
    }

    @Test
    void parsesAValidRequestFedOneByteAtATime() {
        RequestParser parser = parser();

        Feeding.Outcome outcome = Feeding.feedByteByByte(bytes(VALID), parser::parse);

        assertEquals(ParseStatus.COMPLETE, outcome.status());
        assertEquals(VALID.length(), outcome.consumed());
        assertEquals(EXPECTED, describe(parser.request()));
    }

    @Test
    void parsesAValidRequestSplitAtEveryPosition() {
        for (int split = 0; split <= VALID.length(); split++) {
            RequestParser parser = parser();
            Feeding.Outcome outcome = Feeding.feed(bytes(VALID), parser::parse, split);
            assertEquals(ParseStatus.COMPLETE, outcome.status(), "split at " + split);
            assertEquals(EXPECTED, describe(parser.request()), "split at " + split);
        }
    }

    @Test
    void parsesAValidRequestInRandomSplits() {
        Random random = new Random(6455);
        for (int round = 0; round < 200; round++) {
            int[] splits = random.ints(5, 0, VALID.length() + 1).sorted().toArray();
            RequestParser parser = parser();
            Feeding.Outcome outcome = Feeding.feed(bytes(VALID), parser::parse, splits);
            assertEquals(ParseStatus.COMPLETE, outcome.status(), java.util.Arrays.toString(splits));
            assertEquals(EXPECTED, describe(parser.request()));
        }
    }

    @Test
    void leavesBytesAfterTheHeadUnconsumed() {
        byte[] frame = {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        byte[] head = bytes(VALID);
        ByteBuffer in = ByteBuffer.allocate(head.length + frame.length).put(head).put(frame).flip();
        RequestParser parser = parser();

        assertEquals(ParseStatus.COMPLETE, parser.parse(in));

        assertEquals(head.length, in.position());
        assertEquals(frame.length, in.remaining());
        assertEquals((byte) 0x81, in.get(in.position()));
        // Once complete, more calls consume nothing.
        assertEquals(ParseStatus.COMPLETE, parser.parse(in));
        assertEquals(head.length, in.position());
    }

    @Test
    void neverCompletesOnATruncatedRequest() {
        byte[] whole = bytes(VALID);
        for (int length = 0; length < whole.length; length++) {
            RequestParser parser = parser();
            ByteBuffer in = ByteBuffer.wrap(whole, 0, length);
            assertEquals(ParseStatus.NEED_MORE, parser.parse(in), "prefix of " + length);
            assertEquals(length, in.position(), "a truncated head is consumed whole");
            assertNull(parser.request());
        }
    }

    @Test
    void skipsAFewEmptyLinesBeforeTheRequestLine() {
        RequestParser parser = parser();
        assertEquals(ParseStatus.COMPLETE, parser.parse(Feeding.buffer("\r\n\r\n" + VALID)));
        assertEquals(EXPECTED, describe(parser.request()));
    }

    @Test
    void refusesManyEmptyLinesBeforeTheRequestLine() {
        RequestParser parser = parser();
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer("\r\n".repeat(5) + VALID)));
        assertEquals(400, parser.error().status());
    }

    @Test
    void reportsAbsentAndEmptyQueries() {
        assertNull(parse("GET /chat HTTP/1.1\r\nHost: a\r\n\r\n").query());
        assertEquals("", parse("GET /chat? HTTP/1.1\r\nHost: a\r\n\r\n").query());
        assertEquals("/chat", parse("GET /chat? HTTP/1.1\r\nHost: a\r\n\r\n").path());
    }

    @Test
    void reducesAnAbsoluteFormTargetNamingTheHostToOriginForm() {
        assertEquals("/chat?x=1", parse("GET http://Example.com:80/chat?x=1 HTTP/1.1\r\nHost: example.com:80\r\n\r\n")
                .target());
        assertEquals("/", parse("GET ws://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").target());
        assertEquals("/?q", parse("GET wss://example.com?q HTTP/1.1\r\nHost: example.com\r\n\r\n").target());
    }

    @Test
    void acceptsObsTextAndEmptyValues() {
        HttpRequest request = parse("GET / HTTP/1.1\r\nHost: a\r\nX-Latin: caf\u00e9\r\nX-Empty:\r\n\r\n");
        assertEquals("caf\u00e9", request.headers().first("x-latin"));
        assertEquals("", request.headers().first("X-Empty"));
    }

    @Test
    void acceptsContentLengthZero() {
        assertEquals("/", parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").target());
    }

    @Test
    void exposesHeadersAsALowerCaseMap() {
        HttpHeaders headers = parse("GET / HTTP/1.1\r\nHost: a\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n").headers();
        assertEquals(Map.of("host", List.of("a"), "x-multi", List.of("1", "2")), headers.asMap());
    }

    static HttpRequest parse(String head) {
        RequestParser parser = parser();
        ParseStatus status = parser.parse(Feeding.buffer(head));
        assertEquals(ParseStatus.COMPLETE, status, () -> String.valueOf(parser.error()));
        return parser.request();
    }
}
