package io.wsproxy.internal.handshake;

import static io.wsproxy.internal.handshake.Feeding.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResponseParserErrorsTest {
    private static final String CHUNKED_HEAD = "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n";

    static Stream<Arguments> malformedResponses() {
        return Stream.of(
                Arguments.of("not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", "malformed upstream status line"),
                Arguments.of("lower-case version", "http/1.1 101 Switching\r\n\r\n", "malformed upstream status line"),
                Arguments.of("two-digit status", "HTTP/1.1 10 Switching\r\n\r\n", "malformed upstream status line"),
                Arguments.of("four-digit status", "HTTP/1.1 1010 Switching\r\n\r\n",
                        "malformed upstream status line"),
                Arguments.of("letters in status", "HTTP/1.1 1o1 Switching\r\n\r\n", "malformed upstream status line"),
                Arguments.of("two spaces", "HTTP/1.1  101 Switching\r\n\r\n", "malformed upstream status line"),
                Arguments.of("status out of range", "HTTP/1.1 600 Nope\r\n\r\n",
                        "upstream status code 600 out of range"),
                Arguments.of("HTTP/2.0", "HTTP/2.0 101 Switching\r\n\r\n", "upstream answered in HTTP/2.0"),
                Arguments.of("101 in HTTP/1.0", "HTTP/1.0 101 Switching\r\n\r\n", "upstream sent 101 in HTTP/1.0"),
                Arguments.of("bare LF", "HTTP/1.1 101 Switching\nUpgrade: websocket\r\n\r\n",
                        "malformed upstream response: bare LF (not preceded by CR)"),
                Arguments.of("obs-fold", "HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\n ,x\r\n\r\n",
                        "malformed upstream response: obsolete line folding or whitespace before a field name"),
                Arguments.of("space before colon", "HTTP/1.1 101 Switching\r\nUpgrade : websocket\r\n\r\n",
                        "malformed upstream response: whitespace between field name and colon"),
                Arguments.of("both framings",
                        "HTTP/1.1 403 F\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "upstream response has both Transfer-Encoding and Content-Length"),
                Arguments.of("gzip coding", "HTTP/1.1 403 F\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                        "upstream response has an unsupported Transfer-Encoding"),
                Arguments.of("differing Content-Lengths",
                        "HTTP/1.1 403 F\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                        "upstream response has an invalid Content-Length"),
                Arguments.of("signed Content-Length", "HTTP/1.1 403 F\r\nContent-Length: +3\r\n\r\nabc",
                        "upstream response has an invalid Content-Length"),
                Arguments.of("bad chunk size", CHUNKED_HEAD + "zz\r\n",
                        "upstream response malformed chunk size line"),
                Arguments.of("chunk longer than its size", CHUNKED_HEAD + "2\r\nabc\r\n",
                        "upstream response chunk data longer than its chunk size"),
                Arguments.of("bare LF after chunk size", CHUNKED_HEAD + "2\nab\r\n",
                        "upstream response malformed chunked body: bare LF (not preceded by CR)"),
                Arguments.of("malformed trailer", CHUNKED_HEAD + "0\r\nX : y\r\n\r\n",
                        "upstream response malformed trailer section: whitespace between field name and colon"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedResponses")
    void answers502WithADetailFedWhole(String name, String message, String detail) {
        ResponseParser parser = ResponseParserTest.parser();

        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(message)));

        assertEquals(502, parser.error().status());
        assertEquals("Bad Gateway", parser.error().reasonPhrase());
        assertEquals(detail, parser.error().detail());
        assertNull(parser.response());
        assertEquals(ParseStatus.ERROR, parser.endOfInput());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedResponses")
    void answers502WithTheSameDetailFedOneByteAtATime(String name, String message, String detail) {
        ResponseParser parser = ResponseParserTest.parser();
        assertEquals(ParseStatus.ERROR, Feeding.feedByteByByte(bytes(message), parser::parse).status());
        assertEquals(detail, parser.error().detail());
    }

    @Test
    void answers502ForATruncatedContentLengthBody() {
        ResponseParser parser = ResponseParserTest.parser();
        String truncated = "HTTP/1.1 403 F\r\nContent-Length: 10\r\n\r\nabc";
        assertEquals(ParseStatus.NEED_MORE, parser.parse(Feeding.buffer(truncated)));

        assertEquals(ParseStatus.ERROR, parser.endOfInput());

        assertEquals(502, parser.error().status());
        assertEquals("upstream closed the connection before the end of the response body", parser.error().detail());
    }

    @Test
    void answers502ForATruncatedChunkedBodyOrHead() {
        ResponseParser chunked = ResponseParserTest.parser();
        chunked.parse(Feeding.buffer(CHUNKED_HEAD + "5\r\nab"));
        assertEquals(ParseStatus.ERROR, chunked.endOfInput());
        assertEquals(502, chunked.error().status());

        ResponseParser head = ResponseParserTest.parser();
        assertEquals(ParseStatus.NEED_MORE, head.parse(Feeding.buffer("HTTP/1.1 101 Switching Protocols\r\nUpg")));
        assertEquals(ParseStatus.ERROR, head.endOfInput());
        assertEquals("upstream closed the connection before the end of the response head", head.error().detail());
    }

    @Test
    void answers502ForAnOversizedHeadAsSoonAsItCrossesTheLimit() {
        ResponseParser parser = new ResponseParser(100, 65536);
        Feeding.Outcome outcome = Feeding.feedByteByByte(
                bytes("HTTP/1.1 101 Switching Protocols\r\nX-Long: " + "x".repeat(1000)), parser::parse);

        assertEquals(ParseStatus.ERROR, outcome.status());
        assertEquals(101, outcome.offered());
        assertEquals(502, parser.error().status());
        assertEquals("upstream response head exceeds 100 bytes or 1000 fields", parser.error().detail());
    }

    @Test
    void countsInterimHeadsTowardTheHeadLimit() {
        ResponseParser parser = new ResponseParser(60, 65536);
        String interim = "HTTP/1.1 100 Continue\r\n\r\n"; // 25 bytes
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(interim + interim + interim)));
        assertEquals(502, parser.error().status());
    }

    @Test
    void answers502ForAnOversizedContentLengthBodyBeforeReadingIt() {
        ResponseParser parser = new ResponseParser(16384, 65536);
        String head = "HTTP/1.1 403 F\r\nContent-Length: 65537\r\n\r\n";
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(head)));
        assertEquals("upstream response body exceeds 65536 bytes", parser.error().detail());
    }

    @Test
    void answers502ForAnOversizedChunkedBody() {
        ResponseParser parser = new ResponseParser(16384, 5);
        String message = CHUNKED_HEAD + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(message)));
        assertEquals("upstream response body exceeds 5 bytes", parser.error().detail());

        ResponseParser huge = new ResponseParser(16384, 65536);
        assertEquals(ParseStatus.ERROR,
                huge.parse(Feeding.buffer(CHUNKED_HEAD + "FFFFFFFFFFFFFFFFFFFF\r\n")));
        assertEquals("upstream response body exceeds 65536 bytes", huge.error().detail());
    }

    @Test
    void answers502ForAnOversizedBodyDelimitedByTheClose() {
        ResponseParser parser = new ResponseParser(16384, 5);
        assertEquals(ParseStatus.NEED_MORE, parser.parse(Feeding.buffer("HTTP/1.1 500 E\r\n\r\nabc")));
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer("def")));
        assertEquals("upstream response body exceeds 5 bytes", parser.error().detail());
    }
}
