package io.wsproxy.internal.codec;

/**
 * Constants of the RFC 6455 frame format (§5.2). Stateless, so usable from any thread.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  | |1|2|3|       |K|             |                               |
 *  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *  |     Extended payload length continued, if payload len == 127  |
 *  + - - - - - - - - - - - - - - - +-------------------------------+
 *  |                               |Masking-key, if MASK set to 1  |
 *  +-------------------------------+-------------------------------+
 *  | Masking-key (continued)       |          Payload Data         |
 *  +-------------------------------- - - - - - - - - - - - - - - - +
 *  :                     Payload Data continued ...                :
 *  + - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - +
 *  |                     Payload Data continued ...                |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class WebSocketProtocol {
    /** Byte 0: this frame is the final fragment of its message. */
    public static final int B0_FLAG_FIN = 0x80;
    /** Byte 0: reserved bit 1, used by permessage-deflate (RFC 7692). */
    public static final int B0_FLAG_RSV1 = 0x40;
    /** Byte 0: reserved bit 2. */
    public static final int B0_FLAG_RSV2 = 0x20;
    /** Byte 0: reserved bit 3. */
    public static final int B0_FLAG_RSV3 = 0x10;
    /** Byte 0: all three reserved bits. */
    public static final int B0_MASK_RSV = 0x70;
    /** Byte 0: the opcode. */
    public static final int B0_MASK_OPCODE = 0x0f;

    /** Byte 1: the payload is masked and a 4-byte masking key follows the length. */
    public static final int B1_FLAG_MASK = 0x80;
    /** Byte 1: the 7-bit payload length, or {@link #PAYLOAD_SHORT} / {@link #PAYLOAD_LONG}. */
    public static final int B1_MASK_LENGTH = 0x7f;

    public static final int OPCODE_CONTINUATION = 0x0;
    public static final int OPCODE_TEXT = 0x1;
    public static final int OPCODE_BINARY = 0x2;
    public static final int OPCODE_CLOSE = 0x8;
    public static final int OPCODE_PING = 0x9;
    public static final int OPCODE_PONG = 0xa;
    /** Opcodes with this bit set are control frames (§5.5). */
    public static final int OPCODE_FLAG_CONTROL = 0x8;

    /** Largest payload length that fits in the 7-bit length field; also the control frame payload limit (§5.5). */
    public static final int PAYLOAD_BYTE_MAX = 125;
    /** 7-bit length value announcing a 16-bit extended length. */
    public static final int PAYLOAD_SHORT = 126;
    /** Largest payload length that fits in the 16-bit extended length. */
    public static final int PAYLOAD_SHORT_MAX = 0xffff;
    /** 7-bit length value announcing a 64-bit extended length. */
    public static final int PAYLOAD_LONG = 127;

    /** Longest frame header: 2 bytes, 8 bytes of extended length, 4 bytes of masking key. */
    public static final int MAX_HEADER_BYTES = 14;
    /** Longest control frame, header included. */
    public static final int MAX_CONTROL_FRAME_BYTES = MAX_HEADER_BYTES + PAYLOAD_BYTE_MAX;

    private WebSocketProtocol() {
    }

    /** Whether {@code opcode} denotes a control frame (close, ping, pong or a reserved control opcode). */
    public static boolean isControl(int opcode) {
        return (opcode & OPCODE_FLAG_CONTROL) != 0;
    }
}
