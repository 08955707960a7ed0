package io.wsproxy.internal.handshake;

import static io.wsproxy.internal.handshake.Feeding.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseParserTest {
    static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            + "\r\n";
    private static final String CHUNKED = "HTTP/1.1 403 Forbidden\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "Content-Type: text/plain\r\n"
            + "\r\n"
            + "7\r\nnot for\r\n"
            + "1;name=value;other=\"quoted\"\r\n \r\n"
            + "A\r\nyou, go 0x\r\n"
            + "0\r\n"
            + "X-Trailer: dropped\r\n"
            + "\r\n";
    private static final String CHUNKED_BODY = "not for you, go 0x";

    static ResponseParser parser() {
        return new ResponseParser(16384, 65536);
    }

    static String bodyText(HttpResponse response) {
        return new String(response.body(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void completesA101AtTheEndOfItsHeadLeavingFramesUnconsumed() {
        byte[] head = bytes(SWITCHING);
        byte[] frames = {(byte) 0x81, 0x02, 'h', 'i', (byte) 0x89, 0x00};
        ByteBuffer in = ByteBuffer.allocate(head.length + frames.length).put(head).put(frames).flip();
        ResponseParser parser = parser();

        assertEquals(ParseStatus.COMPLETE, parser.parse(in));

        assertEquals(head.length, in.position());
        assertEquals(frames.length, in.remaining());
        HttpResponse response = parser.response();
        assertEquals(101, response.status());
        assertEquals("Switching Protocols", response.reasonPhrase());
        assertEquals(1, response.minorVersion());
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.headers().first("sec-websocket-accept"));
        assertEquals(0, response.body().length);
        assertEquals(ParseStatus.COMPLETE, parser.parse(in));
        assertEquals(head.length, in.position());
    }

    @Test
    void parsesA101FedOneByteAtATime() {
        ResponseParser parser = parser();
        Feeding.Outcome outcome = Feeding.feedByteByByte(bytes(SWITCHING + "frame"), parser::parse);
        assertEquals(ParseStatus.COMPLETE, outcome.status());
        assertEquals(SWITCHING.length(), outcome.consumed());
    }

    @Test
    void acceptsAStatusLineWithoutReasonPhrase() {
        assertEquals("", parse("HTTP/1.1 101 \r\nUpgrade: websocket\r\n\r\n").reasonPhrase());
        assertEquals("", parse("HTTP/1.1 101\r\nUpgrade: websocket\r\n\r\n").reasonPhrase());
        assertEquals("Not  Found  ", parse("HTTP/1.1 404 Not  Found  \r\nContent-Length: 0\r\n\r\n").reasonPhrase());
    }

    @Test
    void readsAContentLengthBody() {
        String message = "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nContent-Type: text/plain\r\n\r\nforbidden";
        ResponseParser parser = parser();
        ByteBuffer in = Feeding.buffer(message + "LEFTOVER");

        assertEquals(ParseStatus.COMPLETE, parser.parse(in));

        assertEquals(message.length(), in.position());
        assertEquals(403, parser.response().status());
        assertEquals("Forbidden", parser.response().reasonPhrase());
        assertEquals("forbidden", bodyText(parser.response()));
    }

    @Test
    void readsAContentLengthBodySplitAtEveryPosition() {
        String message = "HTTP/1.0 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!";
        for (int split = 0; split <= message.length(); split++) {
            ResponseParser parser = parser();
            Feeding.Outcome outcome = Feeding.feed(bytes(message), parser::parse, split);
            assertEquals(ParseStatus.COMPLETE, outcome.status(), "split at " + split);
            assertEquals("nope!", bodyText(parser.response()));
            assertEquals(0, parser.response().minorVersion());
        }
    }

    @Test
    void decodesAChunkedBody() {
        ResponseParser parser = parser();
        ByteBuffer in = Feeding.buffer(CHUNKED + "NEXT");

        assertEquals(ParseStatus.COMPLETE, parser.parse(in));

        assertEquals(CHUNKED_BODY, bodyText(parser.response()));
        assertEquals(CHUNKED.length(), in.position());
        assertNull(parser.response().headers().first("X-Trailer"), "trailers are dropped");
    }

    @Test
    void decodesAChunkedBodySplitAtEveryPosition() {
        for (int split = 0; split <= CHUNKED.length(); split++) {
            ResponseParser parser = parser();
            Feeding.Outcome outcome = Feeding.feed(bytes(CHUNKED), parser::parse, split);
            assertEquals(ParseStatus.COMPLETE, outcome.status(), "split at " + split);
            assertEquals(CHUNKED_BODY, bodyText(parser.response()), "split at " + split);
        }
    }

    @Test
    void decodesAChunkedBodyFedOneByteAtATime() {
        ResponseParser parser = parser();
        Feeding.Outcome outcome = Feeding.feedByteByByte(bytes(CHUNKED), parser::parse);
        assertEquals(ParseStatus.COMPLETE, outcome.status());
        assertEquals(CHUNKED_BODY, bodyText(parser.response()));
    }

    @Test
    void readsABodyDelimitedByTheClose() {
        ResponseParser parser = parser();
        assertEquals(ParseStatus.NEED_MORE, parser.parse(Feeding.buffer("HTTP/1.1 500 Oops\r\n\r\npart one, ")));
        assertEquals(ParseStatus.NEED_MORE, parser.parse(Feeding.buffer("part two")));
        assertNull(parser.response());

        assertEquals(ParseStatus.COMPLETE, parser.endOfInput());

        assertEquals(500, parser.response().status());
        assertEquals("part one, part two", bodyText(parser.response()));
    }

    @Test
    void hasNoBodyFor204And304WhateverTheFieldsSay() {
        ResponseParser parser = parser();
        ByteBuffer in = Feeding.buffer("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nNEXT");
        assertEquals(ParseStatus.COMPLETE, parser.parse(in));
        assertEquals(4, in.remaining());
        assertEquals(0, parser.response().body().length);

        assertEquals(304, parse("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n").status());
    }

    @Test
    void skipsInterimResponsesBeforeTheFinalOne() {
        ResponseParser parser = parser();
        Feeding.Outcome outcome = Feeding.feedByteByByte(
                bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\n" + SWITCHING),
                parser::parse);
        assertEquals(ParseStatus.COMPLETE, outcome.status());
        assertEquals(101, parser.response().status());
        assertNull(parser.response().headers().first("X-A"));
    }

    @Test
    void acceptsAnEmptyContentLengthBody() {
        ResponseParser parser = parser();
        ByteBuffer in = Feeding.buffer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\nNEXT");
        assertEquals(ParseStatus.COMPLETE, parser.parse(in));
        assertEquals(4, in.remaining());
        assertEquals(0, parser.response().body().length);
    }

    @Test
    void acceptsRepeatedIdenticalContentLengths() {
        assertArrayEquals(bytes("ab"), parse("HTTP/1.1 400 Bad\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab")
                .body());
    }

    @Test
    void keepsTheBodyAtTheLimit() {
        ResponseParser parser = new ResponseParser(16384, 4);
        String message = "HTTP/1.1 403 F\r\nContent-Length: 4\r\n\r\nabcd";
        assertEquals(ParseStatus.COMPLETE, parser.parse(Feeding.buffer(message)));
        assertEquals("abcd", bodyText(parser.response()));
    }

    static HttpResponse parse(String message) {
        ResponseParser parser = parser();
        ParseStatus status = parser.parse(Feeding.buffer(message));
        assertEquals(ParseStatus.COMPLETE, status, () -> String.valueOf(parser.error()));
        return parser.response();
    }
}
