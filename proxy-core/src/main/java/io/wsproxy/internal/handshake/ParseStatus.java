package io.wsproxy.internal.handshake;

/** Outcome of feeding bytes to a parser. */
public enum ParseStatus {
    /** Every byte offered was consumed and the message is not complete yet: feed more bytes. */
    NEED_MORE,
    /** The message is complete; bytes after it were left unconsumed. */
    COMPLETE,
    /** The peer broke the protocol; the parser's {@code error()} says how. Nothing more is consumed. */
    ERROR
}
