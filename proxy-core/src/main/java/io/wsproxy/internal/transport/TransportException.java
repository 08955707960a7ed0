package io.wsproxy.internal.transport;

import java.io.IOException;

/**
 * The transport's own protocol failed, as opposed to the socket: a TLS alert, a refused certificate, bytes that are
 * not TLS at all. The message is one line that says what happened, fit for the connection's log line; the relay
 * logs it without a stack trace.
 */
public class TransportException extends IOException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
