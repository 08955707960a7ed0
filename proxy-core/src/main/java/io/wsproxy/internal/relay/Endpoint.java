package io.wsproxy.internal.relay;

import io.wsproxy.internal.codec.FrameScanner;
import io.wsproxy.internal.loop.BufferPool;
import io.wsproxy.internal.loop.ChannelHandler;
import io.wsproxy.internal.loop.TimerTask;
import io.wsproxy.internal.transport.Transport;
import io.wsproxy.internal.transport.TransportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a connection pair, the client's or the upstream's socket: its transport (plain TCP or TLS), channel and
 * selection key, the bytes held back from it or for it, and where its WebSocket conversation stands. The relay logic lives in
 * {@link ProxyConnection}; an endpoint only moves bytes and keeps its own flags consistent.
 *
 * <p>Buffers are borrowed from the loop's {@link BufferPool} only while bytes are held, so an idle endpoint holds
 * none. I/O failures are not thrown: a failed read reads as end of stream and a failed write marks the endpoint
 * {@link #broken}, so the connection decides what the other side is told.
 *
 * <p>Loop-thread only.
 */
final class Endpoint implements ChannelHandler {
    private static final Logger log = LoggerFactory.getLogger(Endpoint.class);

    final ProxyConnection connection;
    /** True for the client's side, false for the upstream's. */
    final boolean client;
    /** Every read, write, end of output and close goes through it. */
    final Transport transport;
    /** {@code transport.channel()}: registered with the loop's selector, connected or accepted. */
    final SocketChannel channel;
    SelectionKey key;
    /** The other side of the pair; null while the upstream is not chosen yet. */
    Endpoint peer;

    /** Scans the frames this side sends; null before the relay starts. */
    FrameScanner scanner;
    /** Bytes read from this side and not forwarded yet (write mode: position = bytes held); null when none. */
    ByteBuffer inbound;
    /** Bytes for this side not written yet (read mode); null when none. */
    ByteBuffer outbound;

    /** The connection wants to read from this side (while the peer can take more). */
    boolean reading;
    /** An outgoing connect is in progress. */
    boolean connecting;
    /** Nothing more from this side is forwarded: it sent a Close, ended its stream, broke the protocol or failed. */
    boolean inputDone;
    /** Nothing more is forwarded to this side: a Close was put into its stream, or its stream was abandoned. */
    boolean outputDone;
    /** This side sent a Close frame. */
    boolean closeReceived;
    /** A write failed or the send timeout expired: the socket is unusable. */
    boolean broken;
    boolean channelClosed;
    /** Our direction is ended with a FIN; the socket is closed when the peer's end of stream arrives. */
    boolean outputShut;
    /**
     * Close the socket as soon as this side is done instead of sending a FIN and waiting for its end of stream:
     * it ended its direction already (a half close after its Close), or it is presumed dead (heartbeat timeout).
     */
    boolean noLinger;
    /** The proxy's pings to this side; null when the heartbeat does not cover it. */
    Heartbeat heartbeat;
    /** A Close for this side waiting for a frame boundary of its stream (graceful shutdown); 0 when none. */
    int pendingCloseCode;
    String pendingCloseReason;
    /**
     * Graceful shutdown of the client side: the Close it gets once the upstream has closed (upstream first, so
     * everything the upstream sent before its Close still reaches the client); 0 when none is planned.
     */
    int shutdownCloseCode;
    String shutdownCloseReason;

    /** Why the transport failed (a TLS alert, a refused certificate), for the log line; null when it did not. */
    String failure;
    /** The loop will dispatch this side again for input its transport already holds; see {@link #updateInterest}. */
    private boolean readAgainQueued;
    private int interestOps = -1;
    private final SendTimer sendTimer = new SendTimer();

    Endpoint(ProxyConnection connection, boolean client, Transport transport) {
        this.connection = connection;
        this.client = client;
        this.transport = transport;
        this.channel = transport.channel();
    }

    @Override
    public void ready(SelectionKey key, int readyOps) {
        readAgainQueued = false;
        connection.ready(this, readyOps);
    }

    @Override
    public void failed(Throwable cause) {
        connection.failed(this, cause);
    }

    /**
     * Reads into {@code buffer} (write mode). Returns the bytes read, 0 when none are available, -1 at end of
     * stream or when the read failed (a reset), which the caller treats alike.
     */
    int read(ByteBuffer buffer) {
        try {
            return transport.read(buffer);
        } catch (TransportException e) {
            // The caller logs it once, with what it means for the connection.
            failure = e.getMessage();
            return -1;
        } catch (IOException e) {
            log.debug("{}: reading from the {} failed: {}", connection, side(), e.toString());
            return -1;
        }
    }

    /**
     * Writes {@code bytes} (read mode, consumed entirely) after anything already pending: directly when nothing is
     * pending, and whatever the socket does not take now is copied into {@link #outbound}. Returns false when the
     * endpoint is broken (the bytes are dropped).
     */
    boolean send(ByteBuffer bytes) {
        if (broken) {
            bytes.position(bytes.limit());
            return false;
        }
        if (outbound == null) {
            if (!write(bytes)) {
                return false;
            }
            if (!bytes.hasRemaining()) {
                return true;
            }
            outbound = borrow(bytes.remaining());
            outbound.put(bytes).flip();
            connection.loop.timers().schedule(sendTimer, connection.loop.now() + connection.config.sendTimeoutNanos);
            return true;
        }
        outbound.compact();
        if (outbound.remaining() < bytes.remaining()) {
            // More than a pooled buffer holds: only a handshake answer or a control frame behind a full buffer.
            ByteBuffer larger = ByteBuffer.allocate(outbound.position() + bytes.remaining());
            outbound.flip();
            larger.put(outbound);
            giveBack(outbound);
            outbound = larger;
        }
        outbound.put(bytes).flip();
        return true;
    }

    /** Writes pending bytes, then whatever the transport holds; returns true when none remain. */
    boolean flush() {
        if (outbound == null) {
            return flushTransport();
        }
        int before = outbound.remaining();
        if (!write(outbound)) {
            return false;
        }
        if (outbound.hasRemaining()) {
            if (outbound.remaining() < before) {
                connection.loop.timers().schedule(sendTimer, connection.loop.now() + connection.config.sendTimeoutNanos);
            }
            return false;
        }
        giveBack(outbound);
        outbound = null;
        connection.loop.timers().cancel(sendTimer);
        return flushTransport();
    }

    private boolean flushTransport() {
        if (broken) {
            return true; // nothing more can be sent
        }
        try {
            return transport.flush();
        } catch (IOException e) {
            writeFailed(e);
            return false;
        }
    }

    /** A write or flush failed: the socket is unusable. */
    private void writeFailed(IOException e) {
        if (e instanceof TransportException) {
            failure = e.getMessage();
        }
        log.debug("{}: writing to the {} failed: {}", connection, side(), e.toString());
        broken = true;
    }

    private boolean write(ByteBuffer bytes) {
        try {
            transport.write(bytes);
            return true;
        } catch (IOException e) {
            writeFailed(e);
            bytes.position(bytes.limit());
            return false;
        }
    }

    /** Keeps {@code buffer[from, to)} as bytes read from this side and not forwarded yet. */
    void holdInbound(ByteBuffer buffer, int from, int to) {
        int length = to - from;
        if (inbound == buffer) {
            // Already ours: move the tail to the front.
            for (int i = 0; i < length; i++) {
                buffer.put(i, buffer.get(from + i));
            }
            buffer.clear().position(length);
            return;
        }
        if (inbound == null) {
            inbound = borrow(length);
        }
        int at = inbound.position();
        inbound.put(at, buffer, from, length).position(at + length);
    }

    /** Drops any bytes held back from this side. */
    void releaseInbound() {
        if (inbound != null) {
            giveBack(inbound);
            inbound = null;
        }
    }

    /** Drops every buffer and cancels the send timer; the endpoint holds nothing afterwards. */
    void releaseAll() {
        releaseInbound();
        if (outbound != null) {
            giveBack(outbound);
            outbound = null;
        }
        connection.loop.timers().cancel(sendTimer);
        if (heartbeat != null) {
            heartbeat.stop();
        }
    }

    /** Applies the interest set that the endpoint's state calls for, touching the key only on a change. */
    void updateInterest() {
        if (channelClosed || key == null || !key.isValid()) {
            return;
        }
        int ops;
        if (connecting) {
            ops = SelectionKey.OP_CONNECT;
        } else {
            ops = outbound != null && !broken ? SelectionKey.OP_WRITE : 0;
            // Backpressure: stop reading while the other side has not taken what this side sent before.
            boolean peerFull = peer != null && peer.outbound != null && !peer.outputDone;
            if (reading && !peerFull) {
                ops |= SelectionKey.OP_READ;
            }
            if ((ops & SelectionKey.OP_READ) != 0 && !readAgainQueued && transport.hasBufferedInput()) {
                // The transport holds input the selector will not announce: read it before the loop blocks.
                readAgainQueued = true;
                connection.loop.readAgain(this);
            }
            ops = transport.interestOps(ops);
        }
        if (ops != interestOps) {
            key.interestOps(ops);
            interestOps = ops;
        }
    }

    /**
     * Ends this direction with a FIN once nothing is pending, then waits for the peer's end of stream before
     * closing: closing a socket with unread input would send a reset that can destroy the last frames in flight.
     */
    void shutdownOutput() {
        if (outputShut || channelClosed) {
            return;
        }
        outputShut = true;
        try {
            transport.shutdownOutput();
        } catch (IOException e) {
            log.debug("{}: ending output to the {} failed: {}", connection, side(), e.toString());
            close();
        }
    }

    /** Closes the socket (idempotent) and releases everything. */
    void close() {
        releaseAll();
        if (channelClosed) {
            return;
        }
        channelClosed = true;
        if (key != null) {
            key.cancel();
        }
        try {
            transport.close();
        } catch (IOException e) {
            log.debug("{}: closing the {} socket failed: {}", connection, side(), e.toString());
        }
    }

    String side() {
        return client ? "client" : "upstream";
    }

    private ByteBuffer borrow(int length) {
        BufferPool pool = connection.loop.bufferPool();
        return length <= pool.bufferSize() ? pool.acquire() : ByteBuffer.allocate(length);
    }

    private void giveBack(ByteBuffer buffer) {
        BufferPool pool = connection.loop.bufferPool();
        if (buffer.isDirect() && buffer.capacity() == pool.bufferSize()) {
            pool.release(buffer);
        }
    }

    /** Fires when this side accepted no byte for the send timeout while bytes were pending for it. */
    private final class SendTimer extends TimerTask {
        @Override
        protected void expired(long now) {
            connection.sendTimedOut(Endpoint.this);
        }

        @Override
        protected void failed(Throwable cause) {
            connection.failed(Endpoint.this, cause);
        }
    }
}
