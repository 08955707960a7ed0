package io.wsproxy.internal.transport;

import io.wsproxy.TlsInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * How one endpoint of a connection pair moves application bytes over its socket: plain TCP, or TLS records. The
 * relay registers {@link #channel()} with its selector, connects and accepts it, and does every read, write, end of
 * output and close through the transport, asking it which selector events it needs.
 *
 * <p>Loop-thread only: an endpoint and its transport are touched by the thread of the loop that owns the
 * connection, so implementations need no locks.
 */
public interface Transport {

    /** The socket underneath, for registration, connecting and addresses. */
    SocketChannel channel();

    /**
     * Reads application bytes into {@code destination} (write mode): how many, 0 when none are available now, -1 at
     * the end of the input.
     *
     * @throws IOException when the input failed (a reset, a TLS error); the caller treats it as the end of input,
     *                     and logs a {@link TransportException}'s message as the reason
     */
    int read(ByteBuffer destination) throws IOException;

    /**
     * Takes what it can of {@code source} (read mode) without blocking and returns how many bytes it took; bytes it
     * took are its responsibility from then on (see {@link #flush()}).
     */
    int write(ByteBuffer source) throws IOException;

    /** Sends bytes the transport itself still holds (TLS records); true when none remain. */
    boolean flush() throws IOException;

    /**
     * The selector interest for the channel, given the endpoint's own ({@code OP_READ} while it wants input,
     * {@code OP_WRITE} while it has bytes waiting): the same for TCP; TLS adds what its records and handshake need.
     */
    int interestOps(int wanted);

    /** Ends this direction: a FIN for TCP (after close_notify for TLS); input may still arrive. */
    void shutdownOutput() throws IOException;

    /** Closes the socket (after a best-effort close_notify for TLS) and gives back what the transport holds. */
    void close() throws IOException;

    /**
     * Whether {@link #read} may return bytes without a new selector event, because the transport already took them
     * from the socket (a TLS record decrypted only in part). The relay then reads again without waiting for the
     * selector. Always false for TCP.
     */
    default boolean hasBufferedInput() {
        return false;
    }

    /** Whether the transport's own handshake (TLS) is complete, so that application bytes can flow. */
    default boolean established() {
        return true;
    }

    /** What the TLS handshake settled, once {@link #established()}; null for TCP. */
    default TlsInfo tlsInfo() {
        return null;
    }
}
