package io.wsproxy.tls.internal;

import io.wsproxy.internal.transport.TransportException;

/**
 * A TLS connection failed for good: the engine refused what the peer sent (not TLS at all, a bad record MAC, a
 * protocol version or cipher the other side does not accept, a failed certificate check) or the peer tried to
 * renegotiate. The message is one line fit for a log; the engine's own exception, when there is one, is the cause.
 * A {@link TlsConnection} that threw one is unusable and throws the same instance from every later call.
 */
public final class TlsException extends TransportException {
    private static final long serialVersionUID = 1L;

    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
