package io.wsproxy.internal.codec;

import static io.wsproxy.internal.codec.Frames.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameWriterTest {
    private static final int KEY = 0x37fa213d;

    @Test
    void unmaskedCloseExactBytes() {
        assertArrayEquals(hex("88 05 03 e9 62 79 65"), close(1001, "bye", false, 0));
        assertArrayEquals(hex("88 02 03 e8"), close(1000, null, false, 0));
        assertArrayEquals(hex("88 02 0f a0"), close(4000, "", false, 0));
    }

    @Test
    void maskedCloseExactBytes() {
        // 03 e9 62 79 65 XOR 37 fa 21 3d 37.
        assertArrayEquals(hex("88 85 37 fa 21 3d 34 13 43 44 52"), close(1001, "bye", true, KEY));
    }

    @Test
    void maskedCloseUnmasksToThePayload() {
        byte[] frame = close(1011, "internal error ü", true, 0xcafebabe);
        assertEquals(FrameWriter.closeFrameLength("internal error ü", true), frame.length);
        byte[] payload = Frames.unmask(frame, 6, frame.length - 6);
        byte[] expected = Frames.closePayload(1011, "internal error ü".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(expected, payload);
    }

    @Test
    void closeFramesParseBackInTheirDirection() {
        byte[] toUpstream = close(1001, "Going away ✈", true, 0x12345678);
        assertParsedAs(true, toUpstream, "control 0x8 length " + toUpstream.length + " code 1001 at " + toUpstream.length);
        byte[] toClient = close(1014, "Bad gateway", false, 0x12345678);
        assertParsedAs(false, toClient, "control 0x8 length 15 code 1014 at 15");
    }

    @Test
    void pingAndPongExactBytes() {
        ByteBuffer dst = ByteBuffer.allocate(32);
        FrameWriter.writePing(dst, 0x0102030405060708L, false, 0);
        FrameWriter.writePong(dst, -2L, false, 0);
        assertArrayEquals(hex("89 08 01 02 03 04 05 06 07 08 8a 08 ff ff ff ff ff ff ff fe"), written(dst));

        ByteBuffer masked = ByteBuffer.allocate(14);
        FrameWriter.writePing(masked, 0x0102030405060708L, true, KEY);
        assertArrayEquals(hex("89 88 37 fa 21 3d 36 f8 22 39 32 fc 26 35"), written(masked));
    }

    @Test
    void maskedPingAndPongRoundTrip() {
        for (long value : new long[] {0, 1, -1, Long.MIN_VALUE, 0x7ff0_1234_5678_9abcL}) {
            ByteBuffer dst = ByteBuffer.allocate(FrameWriter.pingFrameLength(true) * 2);
            FrameWriter.writePing(dst, value, true, 0x80ff0001);
            FrameWriter.writePong(dst, value, true, 0xdeadbeef);
            byte[] frames = written(dst);
            assertEquals(28, frames.length);
            assertEquals(value, ByteBuffer.wrap(Frames.unmask(frames, 6, 8)).getLong());
            assertEquals(value, ByteBuffer.wrap(Frames.unmask(frames, 20, 8)).getLong());
            assertParsedAs(true, frames, "control 0x9 length 14 code 1005 at 14", "control 0xa length 14 code 1005 at 28");
        }
        ByteBuffer unmasked = ByteBuffer.allocate(20);
        FrameWriter.writePing(unmasked, 42, false, 0);
        FrameWriter.writePong(unmasked, 42, false, 0);
        assertParsedAs(false, written(unmasked), "control 0x9 length 10 code 1005 at 10", "control 0xa length 10 code 1005 at 20");
    }

    @Test
    void longReasonIsCutAtACharacterBoundary() {
        assertReasonCut("a".repeat(200), "a".repeat(123));
        assertReasonCut("a".repeat(123), "a".repeat(123));
        assertReasonCut("é".repeat(70), "é".repeat(61)); // 2 bytes each: 122, the 62nd would need 124
        assertReasonCut("a" + "€".repeat(50), "a" + "€".repeat(40)); // 1 + 3 * 40 = 121
        assertReasonCut("abc" + "😀".repeat(40), "abc" + "😀".repeat(30)); // 3 + 4 * 30 = 123
        assertReasonCut("ab" + "😀".repeat(40), "ab" + "😀".repeat(30)); // 122: a 4-byte character does not fit in 1
    }

    @Test
    void unpairedSurrogateIsWrittenAsQuestionMark() {
        String reason = "x\ud800y\udc00z";
        byte[] frame = close(1000, reason, false, 0);
        assertArrayEquals(reason.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(frame, 4, frame.length));
        assertArrayEquals("x?y?z".getBytes(StandardCharsets.US_ASCII), Arrays.copyOfRange(frame, 4, frame.length));
    }

    @Test
    void invalidCloseCodesAreRejected() {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, -1, 65536 + 1000}) {
            ByteBuffer dst = ByteBuffer.allocate(200);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FrameWriter.writeClose(dst, code, "x", false, 0));
            assertEquals("Close code " + code + " must not be sent on the wire", e.getMessage());
            assertEquals(0, dst.position());
        }
    }

    @Test
    void tooSmallBufferIsLeftUntouched() {
        ByteBuffer close = ByteBuffer.allocate(6).position(1);
        assertThrows(BufferOverflowException.class, () -> FrameWriter.writeClose(close, 1000, "bye", false, 0));
        assertEquals(1, close.position());
        assertArrayEquals(new byte[6], close.array());
        ByteBuffer ping = ByteBuffer.allocate(13);
        assertThrows(BufferOverflowException.class, () -> FrameWriter.writePing(ping, 1, true, KEY));
        assertEquals(0, ping.position());
        assertArrayEquals(new byte[13], ping.array());
    }

    @Test
    void writesAtThePositionAndAdvancesIt() {
        ByteBuffer dst = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        dst.position(3);
        FrameWriter.writeClose(dst, 1000, "ok", true, KEY);
        assertEquals(3 + 10, dst.position());
        FrameWriter.writePong(dst, 7, true, KEY);
        assertEquals(3 + 10 + 14, dst.position());
        assertArrayEquals(new byte[3], Arrays.copyOf(dst.array(), 3));
        assertParsedAs(true, Arrays.copyOfRange(dst.array(), 3, 27),
                "control 0x8 length 10 code 1000 at 10", "control 0xa length 14 code 1005 at 24");
    }

    @Test
    void frameLengthsFitTheLargestControlFrame() {
        assertEquals(2 + 2, FrameWriter.closeFrameLength(null, false));
        assertEquals(6 + 2 + 3, FrameWriter.closeFrameLength("bye", true));
        assertEquals(6 + 125, FrameWriter.closeFrameLength("z".repeat(500), true));
        assertEquals(true, FrameWriter.closeFrameLength("z".repeat(500), true) <= WebSocketProtocol.MAX_CONTROL_FRAME_BYTES);
        assertEquals(10, FrameWriter.pingFrameLength(false));
        assertEquals(14, FrameWriter.pingFrameLength(true));
    }

    @Test
    void writingAllocatesNothing() {
        ByteBuffer dst = ByteBuffer.allocate(1024);
        String reason = "Server shutting down";
        AllocationMeter.assertNoAllocation(() -> {
            dst.clear();
            FrameWriter.writeClose(dst, 1001, reason, true, 0x01020304);
            FrameWriter.writePing(dst, 123L, true, 0x01020304);
            FrameWriter.writePong(dst, 456L, false, 0);
        });
        assertEquals(6 + 2 + 20 + 14 + 10, dst.position());
    }

    private static void assertReasonCut(String reason, String expectedReason) {
        for (boolean masked : new boolean[] {false, true}) {
            byte[] frame = close(3000, reason, masked, KEY);
            int header = masked ? 6 : 2;
            assertEquals(FrameWriter.closeFrameLength(reason, masked), frame.length);
            byte[] payload = masked ? Frames.unmask(frame, header, frame.length - header) : Arrays.copyOfRange(frame, header, frame.length);
            assertArrayEquals(Frames.closePayload(3000, expectedReason.getBytes(StandardCharsets.UTF_8)), payload);
            assertParsedAs(masked, frame, "control 0x8 length " + frame.length + " code 3000 at " + frame.length);
        }
    }

    private static byte[] close(int code, String reason, boolean masked, int key) {
        ByteBuffer dst = ByteBuffer.allocate(WebSocketProtocol.MAX_CONTROL_FRAME_BYTES);
        FrameWriter.writeClose(dst, code, reason, masked, key);
        return written(dst);
    }

    private static byte[] written(ByteBuffer dst) {
        return Arrays.copyOf(dst.array(), dst.position());
    }

    private static void assertParsedAs(boolean masked, byte[] frames, String... events) {
        FrameScannerTest.assertAllWays(masked, 0, frames, Arrays.asList(events), frames.length);
    }
}
