package io.wsproxy.internal.handshake;

import static io.wsproxy.internal.handshake.Feeding.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class RequestParserLimitsTest {
    private static final int LIMIT = 16384;

    /** A request of exactly {@code length} bytes, padded by one X-Pad field. */
    private static String requestOfLength(int length) {
        String start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        String end = "\r\n\r\n";
        return start + "p".repeat(length - start.length() - end.length()) + end;
    }

    @Test
    void acceptsAHeadOfExactlyTheLimit() {
        String request = requestOfLength(LIMIT);
        RequestParser parser = new RequestParser(LIMIT, 100);

        assertEquals(ParseStatus.COMPLETE, parser.parse(Feeding.buffer(request)));
        assertEquals(LIMIT, parser.bytesConsumed());
    }

    @Test
    void refusesAHeadOneByteOverTheLimitWith431() {
        RequestParser parser = new RequestParser(LIMIT, 100);

        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(requestOfLength(LIMIT + 1))));
        assertEquals(431, parser.error().status());
        assertEquals("Request Header Fields Too Large", parser.error().reasonPhrase());
    }

    @Test
    void refusesAHeaderLineThatNeverEndsAsSoonAsItCrossesTheLimit() {
        RequestParser parser = new RequestParser(LIMIT, 100);
        ByteBuffer first = Feeding.buffer("GET / HTTP/1.1\r\nHost: a\r\nX-Huge: " + "h".repeat(10_000));
        assertEquals(ParseStatus.NEED_MORE, parser.parse(first));

        ByteBuffer second = Feeding.buffer("h".repeat(10_000));
        assertEquals(ParseStatus.ERROR, parser.parse(second));

        assertEquals(431, parser.error().status());
        assertEquals(LIMIT, parser.bytesConsumed(), "nothing past the limit is taken");
        assertTrue(second.hasRemaining());
    }

    @Test
    void refusesARequestLineThatNeverEndsFedByteByByte() {
        RequestParser parser = new RequestParser(LIMIT, 100);
        byte[] endless = bytes("GET /" + "a".repeat(LIMIT * 2));

        Feeding.Outcome outcome = Feeding.feedByteByByte(endless, parser::parse);

        assertEquals(ParseStatus.ERROR, outcome.status());
        assertEquals(431, parser.error().status());
        assertEquals(LIMIT + 1, outcome.offered(), "detected at the first byte over the limit");
        assertEquals(LIMIT, outcome.consumed());
    }

    @Test
    void acceptsExactlyTheMaximumFieldCount() {
        RequestParser parser = new RequestParser(LIMIT, 100);
        assertEquals(ParseStatus.COMPLETE, parser.parse(Feeding.buffer(requestWithFields(100))));
        assertEquals(100, parser.request().headers().size());
    }

    @Test
    void refusesTooManyFieldsWith431() {
        RequestParser parser = new RequestParser(LIMIT, 100);
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(requestWithFields(101))));
        assertEquals(431, parser.error().status());
    }

    @Test
    void refusesTooManyFieldsBeforeTheHeadEnds() {
        RequestParser parser = new RequestParser(LIMIT, 3);
        String unfinished = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n";
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer(unfinished)));
        assertEquals(431, parser.error().status());
    }

    @Test
    void countsLeadingEmptyLinesTowardTheLimit() {
        RequestParser parser = new RequestParser(20, 100);
        assertEquals(ParseStatus.ERROR, parser.parse(Feeding.buffer("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")));
        assertEquals(431, parser.error().status());
    }

    private static String requestWithFields(int count) {
        StringBuilder request = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i < count; i++) {
            request.append("X-F").append(i).append(": ").append(i).append("\r\n");
        }
        return request.append("\r\n").toString();
    }
}
