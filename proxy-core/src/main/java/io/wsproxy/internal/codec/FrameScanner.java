package io.wsproxy.internal.codec;

import static io.wsproxy.internal.codec.WebSocketProtocol.B0_FLAG_FIN;
import static io.wsproxy.internal.codec.WebSocketProtocol.B0_MASK_OPCODE;
import static io.wsproxy.internal.codec.WebSocketProtocol.B0_MASK_RSV;
import static io.wsproxy.internal.codec.WebSocketProtocol.B1_FLAG_MASK;
import static io.wsproxy.internal.codec.WebSocketProtocol.B1_MASK_LENGTH;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_BINARY;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_CLOSE;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_CONTINUATION;
import static io.wsproxy.internal.codec.WebSocketProtocol.OPCODE_PONG;
import static io.wsproxy.internal.codec.WebSocketProtocol.PAYLOAD_BYTE_MAX;
import static io.wsproxy.internal.codec.WebSocketProtocol.PAYLOAD_LONG;
import static io.wsproxy.internal.codec.WebSocketProtocol.PAYLOAD_SHORT;
import static io.wsproxy.internal.codec.WebSocketProtocol.PAYLOAD_SHORT_MAX;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Scans one direction of a WebSocket stream (RFC 6455 §5) as its bytes pass through the relay, to track frame
 * boundaries and detect protocol violations. Payloads are never copied, unmasked or buffered: the scanner reads
 * frame headers and counts data payload down as it passes. Only control frames (at most
 * {@link WebSocketProtocol#MAX_CONTROL_FRAME_BYTES} bytes) are read whole, so that the caller finds each one in
 * one contiguous region.
 *
 * <p>{@link #scan} consumes what it can and leaves the rest to be presented again, followed by newly read bytes:
 * a trailing incomplete header or incomplete control frame is never consumed, so the consumed bytes always end
 * at a frame boundary or inside a data payload, and {@link #atFrameBoundary()} tells which. {@code scan}
 * allocates nothing.
 *
 * <p>Not thread-safe: one instance per direction of a connection, used only by that connection's loop thread.
 */
public final class FrameScanner {

    /** What stopped the last {@link #scan}. */
    public enum Event {
        /** Nothing to report: every byte was consumed except a trailing incomplete header or control frame. */
        NONE,
        /** A complete control frame ends exactly at the consumed count; see {@link #controlOpcode()}. */
        CONTROL_FRAME,
        /** The frame starting at the consumed count breaks the protocol; see {@link #violationCode()}. */
        VIOLATION
    }

    private enum State {
        /** The next byte is the first byte of a frame header. */
        FRAME_START,
        /** Inside the payload of a data frame, {@link #remainingPayload} bytes of it still to pass. */
        DATA_PAYLOAD,
        /** A violation was found; nothing more is consumed. */
        FAILED
    }

    private static final String RESERVED_OPCODE = "Reserved opcode";
    private static final String CONTROL_FRAME_RESERVED_BITS = "Control frames must not set reserved bits";
    private static final String RESERVED_BITS = "Reserved bits set without a negotiated extension";
    private static final String UNMASKED_CLIENT_FRAME = "Unmasked client frame";
    private static final String MASKED_SERVER_FRAME = "Masked server frame";
    private static final String CONTROL_FRAME_NOT_FINAL = "Control frames must be final";
    private static final String CONTROL_FRAME_TOO_LONG = "Control frame payload must not exceed 125 bytes";
    private static final String CLOSE_PAYLOAD_ONE_BYTE = "Close frame payload must not be 1 byte";
    private static final String INVALID_CLOSE_CODE = "Invalid close code";
    private static final String CLOSE_REASON_NOT_UTF8 = "Close reason must be valid UTF-8";
    private static final String LENGTH_MOST_SIGNIFICANT_BIT = "Frame length must not set the most significant bit";
    private static final String LENGTH_NOT_MINIMAL = "Frame length must use the minimal encoding";
    private static final String CONTINUATION_WITHOUT_MESSAGE = "Continuation frame without a message in progress";
    private static final String DATA_FRAME_INSIDE_MESSAGE = "Expected a continuation frame of the fragmented message";
    private static final String MESSAGE_TOO_BIG = "Message exceeds the maximum size";

    private final boolean expectMasked;
    /** Largest payload sum of one message; {@code Long.MAX_VALUE} when unlimited. */
    private final long maxMessageBytes;
    /** RSV bits that negotiated extensions allow on data frames; a subset of {@link WebSocketProtocol#B0_MASK_RSV}. */
    private int allowedRsv;

    private State state = State.FRAME_START;
    /** Payload bytes of the current data frame still to pass; positive exactly in state DATA_PAYLOAD. */
    private long remainingPayload;
    /** A non-final data frame has passed, so the next data frame must be a continuation (§5.4). */
    private boolean expectContinuation;
    /** Payload bytes of the open message's frames so far; never above {@link #maxMessageBytes}. */
    private long messageBytes;
    /** From the header of a non-final data frame until the last byte of its message's final frame has passed. */
    private boolean fragmentedMessage;

    private Event event = Event.NONE;
    private int controlOpcode;
    private int controlFrameLength;
    private int closeCode = CloseCodes.NO_STATUS;
    private int violationCode;
    private String violationReason;

    /**
     * @param expectMasked    true for the client-to-server direction (frames must be masked), false for
     *                        server-to-client (frames must not be masked)
     * @param maxMessageBytes the largest sum of payload lengths of one data message; zero or less for no limit
     */
    public FrameScanner(boolean expectMasked, long maxMessageBytes) {
        this.expectMasked = expectMasked;
        this.maxMessageBytes = maxMessageBytes <= 0 ? Long.MAX_VALUE : maxMessageBytes;
    }

    /** Allows the given RSV bits (of {@link WebSocketProtocol#B0_MASK_RSV}) on data frames, as negotiated extensions define them. */
    public void allowRsv(int rsvBits) {
        if ((rsvBits & ~B0_MASK_RSV) != 0) {
            throw new IllegalArgumentException("Not RSV bits: 0x" + Integer.toHexString(rsvBits));
        }
        allowedRsv = rsvBits;
    }

    /**
     * Scans {@code buf.get(offset)} to {@code buf.get(offset + length - 1)} with absolute gets, leaving the
     * buffer's position and limit alone, and returns the number of bytes consumed. See {@link Event} for where
     * the scan stops; after a violation every call returns 0 with {@link Event#VIOLATION}.
     */
    public int scan(ByteBuffer buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.limit());
        event = Event.NONE;
        if (state == State.FAILED) {
            event = Event.VIOLATION;
            return 0;
        }
        int position = offset;
        int end = offset + length;
        while (true) {
            if (state == State.DATA_PAYLOAD) {
                int available = end - position;
                if (remainingPayload > available) {
                    remainingPayload -= available;
                    return length;
                }
                position += (int) remainingPayload;
                endDataFrame();
            }
            if (end - position < 2) {
                return position - offset;
            }
            int consumed = scanFrame(buf, position, end - position);
            position += consumed;
            if (consumed == 0 || event == Event.CONTROL_FRAME) {
                return position - offset;
            }
        }
    }

    /** The event of the last {@link #scan}. */
    public Event event() {
        return event;
    }

    /** True when the bytes consumed so far end with a complete frame. */
    public boolean atFrameBoundary() {
        return remainingPayload == 0;
    }

    /** True from the header of a non-final data frame until its message's final frame has passed entirely. */
    public boolean inFragmentedMessage() {
        return fragmentedMessage;
    }

    /** Opcode of the control frame of the last {@link Event#CONTROL_FRAME} event. */
    public int controlOpcode() {
        return controlOpcode;
    }

    /** Length, header included, of the control frame of the last {@link Event#CONTROL_FRAME} event. */
    public int controlFrameLength() {
        return controlFrameLength;
    }

    /**
     * Status code of the close frame of the last {@link Event#CONTROL_FRAME} event, or
     * {@link CloseCodes#NO_STATUS} when its payload is empty (or the frame is a ping or pong).
     */
    public int closeCode() {
        return closeCode;
    }

    /**
     * {@link CloseCodes#PROTOCOL_ERROR}, {@link CloseCodes#INVALID_PAYLOAD} (a close reason that is not UTF-8) or
     * {@link CloseCodes#MESSAGE_TOO_BIG} after a violation, else 0.
     */
    public int violationCode() {
        return violationCode;
    }

    /** Human-readable reason for the violation, suitable as a close reason, or null before any violation. */
    public String violationReason() {
        return violationReason;
    }

    /**
     * Scans the frame starting at {@code start}, of which {@code available >= 2} bytes are present. Returns the
     * bytes consumed: the header of a data frame, or a whole control frame; 0 when the header (or the control
     * frame) is incomplete, or after recording a violation.
     */
    private int scanFrame(ByteBuffer buf, int start, int available) {
        int b0 = buf.get(start) & 0xff;
        int b1 = buf.get(start + 1) & 0xff;
        boolean fin = (b0 & B0_FLAG_FIN) != 0;
        int rsv = b0 & B0_MASK_RSV;
        int opcode = b0 & B0_MASK_OPCODE;
        boolean masked = (b1 & B1_FLAG_MASK) != 0;
        int length7 = b1 & B1_MASK_LENGTH;
        boolean control = WebSocketProtocol.isControl(opcode);

        // §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved.
        if (opcode > OPCODE_PONG || (opcode > OPCODE_BINARY && opcode < OPCODE_CLOSE)) {
            return fail(CloseCodes.PROTOCOL_ERROR, RESERVED_OPCODE);
        }
        // §5.2: RSV bits are 0 unless an extension defines them; RFC 7692 §6: never on control frames.
        if (control && rsv != 0) {
            return fail(CloseCodes.PROTOCOL_ERROR, CONTROL_FRAME_RESERVED_BITS);
        }
        if ((rsv & ~allowedRsv) != 0) {
            return fail(CloseCodes.PROTOCOL_ERROR, RESERVED_BITS);
        }
        // §5.1, §5.3: a client masks every frame it sends; a server masks none.
        if (masked != expectMasked) {
            return fail(CloseCodes.PROTOCOL_ERROR, expectMasked ? UNMASKED_CLIENT_FRAME : MASKED_SERVER_FRAME);
        }
        if (control) {
            // §5.5: control frames must not be fragmented and carry at most 125 bytes.
            if (!fin) {
                return fail(CloseCodes.PROTOCOL_ERROR, CONTROL_FRAME_NOT_FINAL);
            }
            if (length7 > PAYLOAD_BYTE_MAX) {
                return fail(CloseCodes.PROTOCOL_ERROR, CONTROL_FRAME_TOO_LONG);
            }
            // §5.5.1: a close payload is empty or starts with a 2-byte status code.
            if (opcode == OPCODE_CLOSE && length7 == 1) {
                return fail(CloseCodes.PROTOCOL_ERROR, CLOSE_PAYLOAD_ONE_BYTE);
            }
        } else if (opcode == OPCODE_CONTINUATION) {
            // §5.4: a continuation frame continues a message started by a non-final text or binary frame.
            if (!expectContinuation) {
                return fail(CloseCodes.PROTOCOL_ERROR, CONTINUATION_WITHOUT_MESSAGE);
            }
        } else if (expectContinuation) {
            // §5.4: fragments of one message must not be interleaved with another message.
            return fail(CloseCodes.PROTOCOL_ERROR, DATA_FRAME_INSIDE_MESSAGE);
        }

        int lengthBytes = length7 == PAYLOAD_SHORT ? 2 : length7 == PAYLOAD_LONG ? 8 : 0;
        int headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        if (available < headerLength) {
            return 0;
        }
        long payloadLength = length7;
        if (lengthBytes > 0) {
            payloadLength = 0;
            for (int i = 0; i < lengthBytes; i++) {
                payloadLength = payloadLength << 8 | (buf.get(start + 2 + i) & 0xff);
            }
            // §5.2: the most significant bit of a 64-bit length must be 0.
            if (payloadLength < 0) {
                return fail(CloseCodes.PROTOCOL_ERROR, LENGTH_MOST_SIGNIFICANT_BIT);
            }
            // §5.2: "the minimal number of bytes MUST be used to encode the length".
            long smallestAllowed = lengthBytes == 2 ? PAYLOAD_BYTE_MAX + 1 : PAYLOAD_SHORT_MAX + 1L;
            if (payloadLength < smallestAllowed) {
                return fail(CloseCodes.PROTOCOL_ERROR, LENGTH_NOT_MINIMAL);
            }
        }
        if (control) {
            return scanControlFrame(buf, start, available, opcode, masked, headerLength, length7);
        }
        return startDataFrame(fin, opcode, headerLength, payloadLength);
    }

    private int scanControlFrame(
            ByteBuffer buf, int start, int available, int opcode, boolean masked, int headerLength, int payloadLength) {
        int frameLength = headerLength + payloadLength;
        if (available < frameLength) {
            return 0;
        }
        int code = CloseCodes.NO_STATUS;
        if (opcode == OPCODE_CLOSE && payloadLength >= 2) {
            int payloadStart = start + headerLength;
            int high = buf.get(payloadStart) & 0xff;
            int low = buf.get(payloadStart + 1) & 0xff;
            if (masked) {
                // §5.3: the masking key is the 4 bytes right before the payload.
                high ^= buf.get(payloadStart - 4) & 0xff;
                low ^= buf.get(payloadStart - 3) & 0xff;
            }
            code = high << 8 | low;
            // §7.4.1, §7.4.2: only defined and registered codes may be sent.
            if (!CloseCodes.isValidOnWire(code)) {
                return fail(CloseCodes.PROTOCOL_ERROR, INVALID_CLOSE_CODE);
            }
            // §5.5.1: the reason after the code is UTF-8; §8.1: invalid UTF-8 fails the connection, and §7.4.1
            // gives 1007 for data inconsistent with its type. The reason is unmasked on the fly, byte by byte; the
            // key is rotated because the reason starts at payload index 2.
            int maskKey = masked ? readInt(buf, payloadStart - 4) : 0;
            if (!Utf8.isValid(buf, payloadStart + 2, payloadLength - 2, Integer.rotateLeft(maskKey, 16))) {
                return fail(CloseCodes.INVALID_PAYLOAD, CLOSE_REASON_NOT_UTF8);
            }
        }
        event = Event.CONTROL_FRAME;
        controlOpcode = opcode;
        controlFrameLength = frameLength;
        closeCode = code;
        return frameLength;
    }

    private int startDataFrame(boolean fin, int opcode, int headerLength, long payloadLength) {
        long previousBytes = opcode == OPCODE_CONTINUATION ? messageBytes : 0;
        // RFC 6455 §10.4 lets endpoints limit message size; §7.4.1: 1009 reports a message too big.
        if (payloadLength > maxMessageBytes - previousBytes) {
            return fail(CloseCodes.MESSAGE_TOO_BIG, MESSAGE_TOO_BIG);
        }
        expectContinuation = !fin;
        messageBytes = fin ? 0 : previousBytes + payloadLength;
        if (!fin) {
            fragmentedMessage = true;
        }
        remainingPayload = payloadLength;
        if (payloadLength > 0) {
            state = State.DATA_PAYLOAD;
        } else {
            endDataFrame();
        }
        return headerLength;
    }

    private void endDataFrame() {
        remainingPayload = 0;
        state = State.FRAME_START;
        if (!expectContinuation) {
            fragmentedMessage = false;
        }
    }

    /** Big-endian int at {@code index}, whatever the buffer's byte order. */
    private static int readInt(ByteBuffer buf, int index) {
        return (buf.get(index) & 0xff) << 24
                | (buf.get(index + 1) & 0xff) << 16
                | (buf.get(index + 2) & 0xff) << 8
                | (buf.get(index + 3) & 0xff);
    }

    private int fail(int code, String reason) {
        state = State.FAILED;
        event = Event.VIOLATION;
        violationCode = code;
        violationReason = reason;
        return 0;
    }
}
