package io.wsproxy.internal.codec;

import static io.wsproxy.internal.codec.Frames.closePayload;
import static io.wsproxy.internal.codec.Frames.concat;
import static io.wsproxy.internal.codec.Frames.frame;
import static io.wsproxy.internal.codec.Frames.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameScannerTest {
    private static final boolean CLIENT = true;
    private static final boolean SERVER = false;
    private static final long UNLIMITED = 0;
    private static final String PROTOCOL = "violation 1002 ";

    // RFC 6455 §5.7 examples.
    private static final byte[] HELLO_UNMASKED = hex("81 05 48 65 6c 6c 6f");
    private static final byte[] HELLO_MASKED = hex("81 85 37 fa 21 3d 7f 9f 4d 51 58");
    private static final byte[] HEL = hex("01 03 48 65 6c");
    private static final byte[] LO = hex("80 02 6c 6f");
    private static final byte[] PING_UNMASKED = hex("89 05 48 65 6c 6c 6f");
    private static final byte[] PONG_MASKED = hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58");

    // --- RFC 6455 §5.7 examples, fed whole, byte by byte and split at every position -----------------------------

    @Test
    void singleFrameUnmaskedText() {
        assertAllWays(SERVER, UNLIMITED, HELLO_UNMASKED, List.of(), 7);
    }

    @Test
    void singleFrameMaskedText() {
        assertAllWays(CLIENT, UNLIMITED, HELLO_MASKED, List.of(), 11);
    }

    @Test
    void fragmentedUnmaskedText() {
        assertAllWays(SERVER, UNLIMITED, concat(HEL, LO), List.of(), 9);
    }

    @Test
    void unmaskedPing() {
        assertAllWays(SERVER, UNLIMITED, PING_UNMASKED, List.of("control 0x9 length 7 code 1005 at 7"), 7);
    }

    @Test
    void maskedPong() {
        assertAllWays(CLIENT, UNLIMITED, PONG_MASKED, List.of("control 0xa length 11 code 1005 at 11"), 11);
    }

    @Test
    void binary256BytesInOneUnmaskedFrame() {
        byte[] frame = concat(hex("82 7e 01 00"), new byte[256]);
        assertAllWays(SERVER, UNLIMITED, concat(frame, PING_UNMASKED),
                List.of("control 0x9 length 7 code 1005 at 267"), 267);
    }

    @Test
    void binary64KiBInOneUnmaskedFrame() {
        byte[] frame = concat(hex("82 7f 00 00 00 00 00 01 00 00"), new byte[65536]);
        assertAllWays(SERVER, UNLIMITED, concat(frame, PING_UNMASKED),
                List.of("control 0x9 length 7 code 1005 at 65553"), 65553);
    }

    @Test
    void binary64KiBInOneMaskedFrame() {
        byte[] frame = concat(hex("82 ff 00 00 00 00 00 01 00 00 37 fa 21 3d"), new byte[65536]);
        assertAllWays(CLIENT, UNLIMITED, concat(frame, PONG_MASKED),
                List.of("control 0xa length 11 code 1005 at 65561"), 65561);
    }

    // --- Control frames between fragments (§5.4) and the state at every point ------------------------------------

    @Test
    void controlFrameBetweenFragments() {
        byte[] ping = hex("89 00");
        assertAllWays(SERVER, UNLIMITED, concat(HEL, ping, LO), List.of("control 0x9 length 2 code 1005 at 7"), 11);
        byte[] close = frame(0x88, CLIENT, closePayload(1000, new byte[0]));
        assertAllWays(CLIENT, UNLIMITED,
                concat(frame(0x02, CLIENT, new byte[3]), frame(0x8a, CLIENT, new byte[0]), frame(0x00, CLIENT, new byte[1]),
                        close, frame(0x80, CLIENT, new byte[2])),
                List.of("control 0xa length 6 code 1005 at 15", "control 0x8 length 8 code 1000 at 30"), 38);
    }

    @Test
    void frameBoundaryAndFragmentedMessageAfterEachByte() {
        // Hel | ping | lo: B = at a frame boundary, F = in a fragmented message (lower case: not).
        byte[] stream = concat(HEL, hex("89 00"), LO);
        ScanDriver driver = new ScanDriver(SERVER, UNLIMITED);
        StringBuilder states = new StringBuilder();
        for (int i = 0; i < stream.length; i++) {
            driver.feed(stream, i, i + 1);
            states.append(driver.scanner.atFrameBoundary() ? 'B' : 'b')
                    .append(driver.scanner.inFragmentedMessage() ? 'F' : 'f')
                    .append(driver.consumed())
                    .append(' ');
        }
        assertEquals("Bf0 bF2 bF3 bF4 BF5 BF5 BF7 BF7 bF9 bF10 Bf11 ", states.toString());
        assertEquals(List.of("control 0x9 length 2 code 1005 at 7"), driver.events());
    }

    @Test
    void fragmentedMessageEndsAfterAnEmptyFinalContinuation() {
        ScanDriver driver = new ScanDriver(SERVER, UNLIMITED);
        driver.feed(hex("02 00"));
        assertTrue(driver.scanner.inFragmentedMessage());
        assertTrue(driver.scanner.atFrameBoundary());
        driver.feed(hex("80 00"));
        assertFalse(driver.scanner.inFragmentedMessage());
        driver.feed(hex("81 00"));
        assertEquals("[] consumed 6", driver.record());
    }

    // --- Random splits over a long stream of mixed frames ---------------------------------------------------------

    @Test
    void longMixedStreamFedInRandomPiecesServerToClient() {
        assertRandomSplits(SERVER, 1);
    }

    @Test
    void longMixedStreamFedInRandomPiecesClientToServer() {
        assertRandomSplits(CLIENT, 2);
    }

    private static void assertRandomSplits(boolean masked, long seed) {
        Random random = new Random(seed);
        List<byte[]> frames = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        long offset = 0;
        int[] lengths = {0, 1, 5, 125, 126, 127, 1000, 65535, 65536, 70000};
        for (int message = 0; message < 300; message++) {
            int fragments = 1 + random.nextInt(4);
            for (int fragment = 0; fragment < fragments; fragment++) {
                int opcode = fragment == 0 ? 1 + random.nextInt(2) : 0;
                int fin = fragment == fragments - 1 ? 0x80 : 0;
                byte[] data = frame(fin | opcode, masked, random.nextInt(), new byte[lengths[random.nextInt(lengths.length)]]);
                frames.add(data);
                offset += data.length;
                if (random.nextInt(3) == 0) {
                    int kind = random.nextInt(3);
                    int opcodeOfControl = kind == 0 ? 0x8 : kind == 1 ? 0x9 : 0xa;
                    byte[] payload = kind == 0
                            ? closePayload(1000 + random.nextInt(4), "é bye".getBytes(StandardCharsets.UTF_8))
                            : new byte[random.nextInt(126)];
                    byte[] control = frame(0x80 | opcodeOfControl, masked, random.nextInt(), payload);
                    frames.add(control);
                    offset += control.length;
                    int code = kind == 0 ? ((payload[0] & 0xff) << 8 | (payload[1] & 0xff)) : 1005;
                    expected.add(String.format("control 0x%x length %d code %d at %d",
                            opcodeOfControl, control.length, code, offset));
                }
            }
        }
        byte[] stream = concat(frames.toArray(new byte[0][]));
        ScanDriver driver = new ScanDriver(masked, UNLIMITED);
        for (int from = 0; from < stream.length; ) {
            int piece = random.nextBoolean() ? 1 + random.nextInt(20) : 1 + random.nextInt(100_000);
            int to = Math.min(stream.length, from + piece);
            driver.feed(stream, from, to);
            from = to;
        }
        assertTrue(expected.size() > 100, "too few control frames: " + expected.size());
        assertEquals(expected, driver.events());
        assertEquals(stream.length, driver.consumed());
        assertEquals(0, driver.pending());
        assertTrue(driver.scanner.atFrameBoundary());
        assertEquals(record(masked, UNLIMITED, stream), driver.record());
    }

    // --- Length boundaries and encodings (§5.2) -------------------------------------------------------------------

    @Test
    void dataFrameLengthBoundaries() {
        int[] lengths = {0, 1, 2, 3, 4, 5, 125, 126, 127, 128, 129, 65535, 65536, 65537, 65538, 65539};
        for (boolean masked : new boolean[] {SERVER, CLIENT}) {
            for (int length : lengths) {
                byte[] data = frame(0x82, masked, new byte[length]);
                int header = (length <= 125 ? 2 : length <= 65535 ? 4 : 10) + (masked ? 4 : 0);
                assertEquals(header + length, data.length);
                byte[] ping = frame(0x89, masked, new byte[0]);
                int end = data.length + ping.length;
                assertAllWays(masked, UNLIMITED, concat(data, ping),
                        List.of("control 0x9 length " + ping.length + " code 1005 at " + end), end);

                ScanDriver driver = new ScanDriver(masked, UNLIMITED);
                driver.feed(data, 0, header);
                assertEquals(header, driver.consumed(), "length " + length);
                assertEquals(length == 0, driver.scanner.atFrameBoundary(), "length " + length);
                if (length > 0) {
                    driver.feed(data, header, data.length - 1);
                    assertFalse(driver.scanner.atFrameBoundary(), "length " + length);
                    driver.feed(data, data.length - 1, data.length);
                    assertTrue(driver.scanner.atFrameBoundary(), "length " + length);
                }
                assertEquals(data.length, driver.consumed(), "length " + length);
            }
        }
    }

    @Test
    void largestLengthWithoutTheTopBitIsAccepted() {
        ScanDriver driver = new ScanDriver(SERVER, UNLIMITED);
        driver.feed(hex("82 7f 7f ff ff ff ff ff ff ff 00 00 00"));
        assertEquals("[] consumed 13", driver.record());
        assertFalse(driver.scanner.atFrameBoundary());
    }

    @Test
    void nonMinimalLengthEncodingsAreRejected() {
        String reason = "Frame length must use the minimal encoding";
        assertViolation(SERVER, UNLIMITED, hex("82 7e 00 00"), 1002, reason, 0);
        assertViolation(SERVER, UNLIMITED, concat(hex("82 7e 00 7d"), new byte[125]), 1002, reason, 0);
        assertViolation(SERVER, UNLIMITED, hex("82 7f 00 00 00 00 00 00 00 00"), 1002, reason, 0);
        assertViolation(SERVER, UNLIMITED, concat(hex("82 7f 00 00 00 00 00 00 00 7d"), new byte[125]), 1002, reason, 0);
        // Headers alone: the violation is found before any payload byte.
        assertViolation(SERVER, UNLIMITED, hex("82 7f 00 00 00 00 00 00 ff ff"), 1002, reason, 0);
        assertViolation(CLIENT, UNLIMITED, hex("81 fe 00 05 37 fa 21 3d 7f 9f 4d 51 58"), 1002, reason, 0);
        assertViolation(SERVER, UNLIMITED, concat(HELLO_UNMASKED, hex("82 7e 00 7d")), 1002, reason, 7);
    }

    @Test
    void lengthWithTheTopBitSetIsRejected() {
        String reason = "Frame length must not set the most significant bit";
        assertViolation(SERVER, UNLIMITED, hex("82 7f 80 00 00 00 00 00 00 00"), 1002, reason, 0);
        assertViolation(SERVER, UNLIMITED, hex("82 7f ff ff ff ff ff ff ff ff"), 1002, reason, 0);
        assertViolation(CLIENT, UNLIMITED, hex("82 ff 80 00 00 00 00 01 00 00 37 fa 21 3d"), 1002, reason, 0);
    }

    // --- Violations, each with its close code and reason ----------------------------------------------------------

    @Test
    void unmaskedClientFrame() {
        assertViolation(CLIENT, UNLIMITED, HELLO_UNMASKED, 1002, "Unmasked client frame", 0);
        assertViolation(CLIENT, UNLIMITED, concat(HELLO_MASKED, PING_UNMASKED), 1002, "Unmasked client frame", 11);
    }

    @Test
    void maskedServerFrame() {
        assertViolation(SERVER, UNLIMITED, HELLO_MASKED, 1002, "Masked server frame", 0);
        assertViolation(SERVER, UNLIMITED, PONG_MASKED, 1002, "Masked server frame", 0);
    }

    @Test
    void reservedOpcodes() {
        for (int opcode : new int[] {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
            assertViolation(SERVER, UNLIMITED, frame(0x80 | opcode, SERVER, new byte[1]), 1002, "Reserved opcode", 0);
            assertViolation(CLIENT, UNLIMITED, frame(0x80 | opcode, CLIENT, new byte[1]), 1002, "Reserved opcode", 0);
        }
    }

    @Test
    void reservedBitsWithoutExtension() {
        for (int rsv : new int[] {0x40, 0x20, 0x10, 0x70}) {
            assertViolation(SERVER, UNLIMITED, frame(0x81 | rsv, SERVER, new byte[1]), 1002,
                    "Reserved bits set without a negotiated extension", 0);
            assertViolation(CLIENT, UNLIMITED, frame(0x89 | rsv, CLIENT, new byte[1]), 1002,
                    "Control frames must not set reserved bits", 0);
        }
    }

    @Test
    void negotiatedRsv1IsAllowedOnDataFramesOnly() {
        ScanDriver driver = new ScanDriver(CLIENT, UNLIMITED);
        driver.scanner.allowRsv(WebSocketProtocol.B0_FLAG_RSV1);
        driver.feed(concat(frame(0x41, CLIENT, new byte[3]), frame(0x80, CLIENT, new byte[3]), frame(0xc2, CLIENT, new byte[1])));
        assertEquals("[] consumed 25", driver.record());
        driver.feed(frame(0xc9, CLIENT, new byte[0]));
        assertEquals("[violation 1002 Control frames must not set reserved bits at 25] consumed 25", driver.record());

        ScanDriver rsv2 = new ScanDriver(CLIENT, UNLIMITED);
        rsv2.scanner.allowRsv(WebSocketProtocol.B0_FLAG_RSV1);
        rsv2.feed(frame(0xe1, CLIENT, new byte[1]));
        assertEquals("[violation 1002 Reserved bits set without a negotiated extension at 0] consumed 0", rsv2.record());
    }

    @Test
    void allowRsvRejectsOtherBits() {
        FrameScanner scanner = new FrameScanner(CLIENT, UNLIMITED);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scanner.allowRsv(0x80));
        assertEquals("Not RSV bits: 0x80", e.getMessage());
    }

    @Test
    void controlFrameWithoutFin() {
        assertViolation(SERVER, UNLIMITED, hex("09 00"), 1002, "Control frames must be final", 0);
        assertViolation(SERVER, UNLIMITED, hex("08 02 03 e8"), 1002, "Control frames must be final", 0);
        assertViolation(CLIENT, UNLIMITED, concat(frame(0x01, CLIENT, new byte[2]), frame(0x0a, CLIENT, new byte[0])),
                1002, "Control frames must be final", 8);
    }

    @Test
    void controlFramePayloadOver125Bytes() {
        assertAllWays(SERVER, UNLIMITED, frame(0x89, SERVER, new byte[125]), List.of("control 0x9 length 127 code 1005 at 127"), 127);
        assertViolation(SERVER, UNLIMITED, concat(hex("89 7e 00 7e"), new byte[126]), 1002,
                "Control frame payload must not exceed 125 bytes", 0);
        assertViolation(CLIENT, UNLIMITED, hex("88 ff 00 00 00 00 00 01 00 00"), 1002,
                "Control frame payload must not exceed 125 bytes", 0);
    }

    @Test
    void closePayloadOfOneByte() {
        assertViolation(SERVER, UNLIMITED, hex("88 01 03"), 1002, "Close frame payload must not be 1 byte", 0);
        assertViolation(CLIENT, UNLIMITED, frame(0x88, CLIENT, new byte[1]), 1002, "Close frame payload must not be 1 byte", 0);
    }

    @Test
    void emptyCloseHasNoStatus() {
        assertAllWays(SERVER, UNLIMITED, hex("88 00"), List.of("control 0x8 length 2 code 1005 at 2"), 2);
    }

    @Test
    void invalidCloseCodes() {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            assertViolation(SERVER, UNLIMITED, frame(0x88, SERVER, closePayload(code, new byte[0])), 1002, "Invalid close code", 0);
            assertViolation(CLIENT, UNLIMITED, frame(0x88, CLIENT, closePayload(code, new byte[] {'x'})), 1002, "Invalid close code", 0);
        }
    }

    @Test
    void validCloseCodes() {
        for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999}) {
            byte[] unmasked = frame(0x88, SERVER, closePayload(code, new byte[0]));
            assertAllWays(SERVER, UNLIMITED, unmasked, List.of("control 0x8 length 4 code " + code + " at 4"), 4);
            byte[] masked = frame(0x88, CLIENT, closePayload(code, "done".getBytes(StandardCharsets.UTF_8)));
            assertAllWays(CLIENT, UNLIMITED, masked, List.of("control 0x8 length 12 code " + code + " at 12"), 12);
        }
    }

    @Test
    void closeReasonMustBeUtf8() {
        String reason = "Close reason must be valid UTF-8";
        String[] invalid = {"80", "ff", "c0 80", "c1 bf", "e0 80 80", "ed a0 80", "f4 90 80 80", "f5 80 80 80", "e2 82", "41 f0 9f 98"};
        for (String bytes : invalid) {
            byte[] payload = closePayload(1000, hex(bytes));
            assertViolation(SERVER, UNLIMITED, frame(0x88, SERVER, payload), 1007, reason, 0);
            assertViolation(CLIENT, UNLIMITED, frame(0x88, CLIENT, payload), 1007, reason, 0);
            // Every masking key position: the reason starts at payload index 2.
            assertViolation(CLIENT, UNLIMITED, frame(0x88, CLIENT, 0x01020304, payload), 1007, reason, 0);
        }
        byte[] valid = closePayload(1001, "Gehe weg — 👋 ½".getBytes(StandardCharsets.UTF_8));
        int length = 2 + 4 + valid.length;
        assertAllWays(CLIENT, UNLIMITED, frame(0x88, CLIENT, 0x9a8b7c6d, valid),
                List.of("control 0x8 length " + length + " code 1001 at " + length), length);
        byte[] longest = closePayload(4000, "é".repeat(61).concat("x").getBytes(StandardCharsets.UTF_8));
        assertEquals(125, longest.length);
        assertAllWays(SERVER, UNLIMITED, frame(0x88, SERVER, longest), List.of("control 0x8 length 127 code 4000 at 127"), 127);
    }

    @Test
    void continuationWithoutMessage() {
        String reason = "Continuation frame without a message in progress";
        assertViolation(SERVER, UNLIMITED, hex("80 00"), 1002, reason, 0);
        assertViolation(SERVER, UNLIMITED, concat(HEL, LO, LO), 1002, reason, 9);
        assertViolation(CLIENT, UNLIMITED, concat(HELLO_MASKED, frame(0x00, CLIENT, new byte[2])), 1002, reason, 11);
    }

    @Test
    void newDataFrameInsideFragmentedMessage() {
        String reason = "Expected a continuation frame of the fragmented message";
        assertViolation(SERVER, UNLIMITED, concat(HEL, HELLO_UNMASKED), 1002, reason, 5);
        assertAllWays(SERVER, UNLIMITED, concat(HEL, hex("89 00"), hex("02 00")),
                List.of("control 0x9 length 2 code 1005 at 7", PROTOCOL + reason + " at 7"), 7);
        assertViolation(CLIENT, UNLIMITED, concat(frame(0x02, CLIENT, new byte[4]), frame(0x81, CLIENT, new byte[0])), 1002, reason, 10);
    }

    @Test
    void messageSizeLimitCountsAllFragments() {
        String reason = "Message exceeds the maximum size";
        byte[] five = frame(0x01, SERVER, new byte[5]);
        byte[] moreFive = frame(0x00, SERVER, new byte[5]);
        byte[] lastOne = frame(0x80, SERVER, new byte[1]);
        byte[] lastEmpty = frame(0x80, SERVER, new byte[0]);
        // Exactly at the limit, then a new message starts counting from zero.
        assertAllWays(SERVER, 10, concat(five, moreFive, lastEmpty, frame(0x82, SERVER, new byte[10])), List.of(), 28);
        assertViolation(SERVER, 10, concat(five, moreFive, lastOne), 1009, reason, 14);
        assertAllWays(SERVER, 10, concat(five, hex("89 00"), moreFive, hex("8a 00"), lastOne), List.of(
                "control 0x9 length 2 code 1005 at 9", "control 0xa length 2 code 1005 at 18", "violation 1009 " + reason + " at 18"), 18);
        assertViolation(SERVER, 10, frame(0x82, SERVER, new byte[11]), 1009, reason, 0);
        assertViolation(CLIENT, 65536, hex("82 ff 00 00 00 00 00 01 00 01 37 fa 21 3d"), 1009, reason, 0);
        assertAllWays(CLIENT, 65536, frame(0x82, CLIENT, new byte[65536]), List.of(), 65550);
        // Control frames do not count.
        assertAllWays(SERVER, 10, concat(five, frame(0x89, SERVER, new byte[100]), frame(0x80, SERVER, new byte[5])),
                List.of("control 0x9 length 102 code 1005 at 109"), 116);
    }

    @Test
    void afterViolationEveryScanReturnsZero() {
        FrameScanner scanner = new FrameScanner(SERVER, UNLIMITED);
        ByteBuffer bad = ByteBuffer.wrap(concat(HELLO_UNMASKED, hex("83 00")));
        assertEquals(7, scanner.scan(bad, 0, bad.limit()));
        assertEquals(FrameScanner.Event.VIOLATION, scanner.event());
        assertEquals(1002, scanner.violationCode());
        assertEquals("Reserved opcode", scanner.violationReason());
        ByteBuffer good = ByteBuffer.wrap(concat(HELLO_UNMASKED, PING_UNMASKED));
        for (int i = 0; i < 3; i++) {
            assertEquals(0, scanner.scan(good, 0, good.limit()));
            assertEquals(FrameScanner.Event.VIOLATION, scanner.event());
            assertEquals(0, scanner.scan(good, 0, 0));
            assertEquals(FrameScanner.Event.VIOLATION, scanner.event());
        }
        assertEquals(1002, scanner.violationCode());
    }

    @Test
    void beforeAnyViolationThereIsNoCodeOrReason() {
        FrameScanner scanner = new FrameScanner(CLIENT, UNLIMITED);
        assertEquals(0, scanner.violationCode());
        assertEquals(null, scanner.violationReason());
        assertEquals(FrameScanner.Event.NONE, scanner.event());
        assertTrue(scanner.atFrameBoundary());
        assertFalse(scanner.inFragmentedMessage());
    }

    @Test
    void scanRejectsARangeOutsideTheLimit() {
        FrameScanner scanner = new FrameScanner(SERVER, UNLIMITED);
        ByteBuffer buf = ByteBuffer.wrap(HELLO_UNMASKED).limit(5);
        assertThrows(IndexOutOfBoundsException.class, () -> scanner.scan(buf, 0, 7));
        assertThrows(IndexOutOfBoundsException.class, () -> scanner.scan(buf, -1, 2));
        assertEquals(0, scanner.scan(buf, 5, 0));
    }

    @Test
    void scanningAllocatesNothing() {
        byte[] stream = concat(HEL, PING_UNMASKED, LO, frame(0x88, SERVER, closePayload(1000, "bye".getBytes(StandardCharsets.UTF_8))));
        ByteBuffer buf = ByteBuffer.wrap(stream);
        FrameScanner scanner = new FrameScanner(SERVER, UNLIMITED);
        // The stream is whole messages, so scanning it again continues the same valid stream.
        AllocationMeter.assertNoAllocation(() -> {
            int offset = 0;
            while (offset < stream.length) {
                offset += scanner.scan(buf, offset, stream.length - offset);
            }
        });
        assertEquals(FrameScanner.Event.CONTROL_FRAME, scanner.event());
        assertEquals(1000, scanner.closeCode());
    }

    // --- Helpers ---------------------------------------------------------------------------------------------------

    /** The record of feeding {@code stream} whole. */
    private static String record(boolean expectMasked, long maxMessageBytes, byte[] stream) {
        ScanDriver driver = new ScanDriver(expectMasked, maxMessageBytes);
        driver.feed(stream);
        return driver.record();
    }

    /** Feeds {@code stream} whole, byte by byte and split at every position; each must give the expected record. */
    static void assertAllWays(boolean expectMasked, long maxMessageBytes, byte[] stream, List<String> events, long consumed) {
        String expected = events + " consumed " + consumed;
        assertEquals(expected, record(expectMasked, maxMessageBytes, stream), "whole");

        ScanDriver bytewise = new ScanDriver(expectMasked, maxMessageBytes);
        for (int i = 0; i < stream.length; i++) {
            bytewise.feed(stream, i, i + 1);
        }
        assertEquals(expected, bytewise.record(), "byte by byte");

        for (int split = 0; split <= stream.length; split++) {
            ScanDriver driver = new ScanDriver(expectMasked, maxMessageBytes);
            driver.feed(stream, 0, split);
            driver.feed(stream, split, stream.length);
            assertEquals(expected, driver.record(), "split at " + split);
        }
    }

    static void assertViolation(boolean expectMasked, long maxMessageBytes, byte[] stream, int code, String reason, long at) {
        assertAllWays(expectMasked, maxMessageBytes, stream, List.of("violation " + code + " " + reason + " at " + at), at);
    }
}
