package io.wsproxy.tls.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;

/**
 * An {@link SSLEngine} over a non-blocking {@link SocketChannel}, used by a selector loop like the plain socket:
 * {@link #read} yields application bytes, {@link #write} takes what it can encrypt, {@link #flush} writes pending
 * ciphertext, and {@link #interestOps} says which selector events the engine needs. The handshake, TLS 1.3
 * post-handshake messages (session tickets, key updates) and close_notify all happen inside these calls.
 *
 * <p>Memory: at most three buffers ({@link RecordBuffers}), each taken from {@link TlsBuffers} on first need and
 * sized from the session: network input and output ({@code getPacketBufferSize()}, about 16.7 KiB) and a plaintext
 * staging buffer ({@code getApplicationBufferSize()}, about 16.4 KiB) used only when the caller's buffer is smaller
 * than a record; records are decrypted straight into a large enough caller buffer. Buffers stay between calls, so
 * steady traffic allocates none; {@link #releaseBuffers()} gives back every one that holds nothing. An idle
 * connection, after that call, holds only what it must keep: a partial record received, ciphertext the socket has
 * not taken, or decrypted bytes the caller has not read; otherwise nothing beyond the engine's session state and
 * keys. The write side holds at most one record of ciphertext, so a slow peer stops {@link #write} from consuming
 * instead of growing memory.
 *
 * <p>Delegated tasks (certificate checks, key agreement) run inline on the calling thread, at most {@value
 * #MAX_TASKS_PER_CALL} per call (the JDK makes a handful per handshake, each a signature, key agreement or chain
 * validation of about a millisecond); when more remain, {@link #hasBufferedInput()} is true and the caller calls
 * {@link #read} again. Moving them to an executor would only change {@code serviceEngine}. TLS 1.2 renegotiation
 * is refused: a handshake that starts after the first one completed fails the connection. Engine failures are
 * thrown as a {@link TlsException} with a one-line message, after which every call throws it again; socket
 * {@link IOException}s pass through as they are.
 *
 * <p>Loop-thread only: not thread-safe, no locks.
 */
public final class TlsConnection {
    /** How many delegated tasks one call runs before it returns to the loop. */
    public static final int MAX_TASKS_PER_CALL = 8;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final SSLEngine engine;
    private final RecordBuffers buffers;
    /** The single source or destination handed to the engine, so that no array is allocated per call. */
    private final ByteBuffer[] single = new ByteBuffer[1];
    private int packetSize;
    private int applicationSize;

    private boolean handshakeDone;
    private boolean tls13;
    /** The peer's close_notify arrived. */
    private boolean inboundDone;
    /** The input ended without close_notify. */
    private boolean truncated;
    /** The peer's first byte was looked at: see {@link #plainTextPeer()}. */
    private boolean firstByteChecked;
    private boolean plainTextPeer;
    /** {@link #read} returned -1. Until then an end of input it has seen is still to be reported. */
    private boolean endReported;
    private boolean outboundClosed;
    /** Set once; the connection is unusable afterwards. */
    private TlsException failure;

    /**
     * Starts the handshake of {@code engine}, whose client or server mode and parameters are already set.
     *
     * @throws TlsException when the engine cannot begin (for example no protocol is enabled)
     */
    public TlsConnection(SocketChannel channel, SSLEngine engine, TlsBuffers buffers) throws TlsException {
        this.engine = engine;
        this.buffers = new RecordBuffers(channel, buffers);
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.applicationSize = engine.getSession().getApplicationBufferSize();
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            failure = new TlsException("TLS handshake failed: " + oneLine(e), e);
            throw failure;
        }
    }

    /**
     * Reads application bytes into {@code destination} (write mode). Returns how many, 0 when none are available
     * now (call again after OP_READ), -1 when the input has ended: after the peer's close_notify, or at the socket's
     * end of stream (then {@link #truncated()} is true). Like a socket, read until it returns 0 or -1.
     */
    public int read(ByteBuffer destination) throws IOException {
        checkUsable();
        int produced = buffers.deliver(destination);
        boolean useStaging = false;
        while (destination.hasRemaining() && !inboundDone && serviceEngine()) {
            if (!buffers.hasNetworkInput() && buffers.fill(packetSize) <= 0) {
                break;
            }
            if (!firstByteChecked) {
                checkFirstByte();
            }
            // Decrypt straight into the caller's buffer when a whole record fits, else through the staging buffer.
            useStaging |= handshakeDone && destination.remaining() < applicationSize;
            ByteBuffer target = useStaging ? buffers.staging(applicationSize) : destination;
            SSLEngineResult result = unwrap(target);
            if (buffers.isStaging(target)) {
                buffers.unwrappedToStaging();
                produced += buffers.deliver(destination);
            } else {
                produced += result.bytesProduced();
            }
            Status status = result.getStatus();
            if (status == Status.CLOSED) {
                inboundDone = true;
                serviceEngine();
            } else if (status == Status.BUFFER_OVERFLOW) {
                int needed = engine.getSession().getApplicationBufferSize();
                if (buffers.isStaging(target) && buffers.stagingCapacity() >= needed) {
                    throw new IllegalStateException("The engine finds no room in an empty staging buffer of "
                            + buffers.stagingCapacity() + " bytes");
                }
                applicationSize = needed;
                useStaging = true;
            } else if (status == Status.BUFFER_UNDERFLOW || result.bytesConsumed() == 0
                    && result.bytesProduced() == 0 && !engineHasWork(result.getHandshakeStatus())) {
                growNetworkInIfFull();
                if (buffers.fill(packetSize) <= 0) {
                    break;
                }
            }
        }
        if (produced > 0 || buffers.hasStagedBytes()) {
            return produced;
        }
        if (inboundDone) {
            endReported = true;
            return -1;
        }
        if (buffers.socketEnded() && !buffers.completeRecordBuffered()) {
            truncated = true;
            endReported = true;
            return -1;
        }
        return 0;
    }

    /**
     * Encrypts bytes of {@code source} (read mode) and writes them; returns how many it consumed, which is 0 while
     * the handshake is under way (call again once {@link #handshakeDone()}) or while the socket has not taken the
     * previous record (call again after OP_WRITE). Holds at most one record of ciphertext; never blocks.
     *
     * @throws IllegalStateException after {@link #closeOutbound()}
     */
    public int write(ByteBuffer source) throws IOException {
        checkUsable();
        if (outboundClosed) {
            throw new IllegalStateException("Cannot write after closeOutbound()");
        }
        int consumed = 0;
        while (source.hasRemaining() && serviceEngine() && handshakeDone && buffers.writeNetworkOut()) {
            SSLEngineResult result = wrap(source);
            if (result == null) {
                break;
            }
            consumed += result.bytesConsumed();
            if (result.getStatus() == Status.CLOSED) {
                throw new TlsException("Cannot write: the TLS connection is closed for sending");
            }
        }
        return consumed;
    }

    /** Writes pending ciphertext and handshake messages; true when nothing remains to be sent. */
    public boolean flush() throws IOException {
        checkUsable();
        return buffers.writeNetworkOut() && serviceEngine()
                && engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP && !buffers.outputPending();
    }

    /** Queues close_notify and writes what the socket takes; {@link #flush()} sends the rest. Idempotent. */
    public void closeOutbound() throws IOException {
        if (failure != null || outboundClosed) {
            return;
        }
        outboundClosed = true;
        engine.closeOutbound();
        serviceEngine();
    }

    /**
     * The selector interest the connection needs, given the caller's own ({@code OP_READ} when it wants
     * application bytes, {@code OP_WRITE} when it has bytes to send): OP_WRITE while ciphertext or a handshake
     * message waits, OP_READ while the handshake waits for the peer, and the caller's interest once the engine
     * can serve it. 0 after a failure.
     */
    public int interestOps(int callerInterest) {
        if (failure != null) {
            return 0;
        }
        HandshakeStatus status = engine.getHandshakeStatus();
        boolean outputPending = buffers.outputPending();
        int ops = 0;
        if (outputPending || status == HandshakeStatus.NEED_WRAP) {
            ops |= SelectionKey.OP_WRITE;
        }
        boolean inputOpen = !inboundDone && !buffers.socketEnded();
        boolean engineWaitsForPeer = status == HandshakeStatus.NEED_UNWRAP
                || status == HandshakeStatus.NEED_UNWRAP_AGAIN;
        // A message the engine must send first (a key update answer) blocks decryption until the socket takes it.
        boolean wrapBlocked = status == HandshakeStatus.NEED_WRAP && outputPending;
        if (inputOpen && (engineWaitsForPeer || (callerInterest & SelectionKey.OP_READ) != 0 && !wrapBlocked)) {
            ops |= SelectionKey.OP_READ;
        }
        if ((callerInterest & SelectionKey.OP_WRITE) != 0 && handshakeDone && !outboundClosed) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops;
    }

    /**
     * Whether {@link #read} may return bytes, or the end of the input, without a new selector event: decrypted
     * bytes are waiting, a complete record is buffered, delegated tasks remain, or the input ended and no read has
     * returned -1 yet.
     */
    public boolean hasBufferedInput() {
        if (failure != null) {
            return false;
        }
        HandshakeStatus status = engine.getHandshakeStatus();
        // A record cannot be decrypted while a message the engine must send first (a key update answer) waits for
        // the socket: OP_WRITE comes first then, and reading again now would only spin.
        boolean wrapBlocked = status == HandshakeStatus.NEED_WRAP && buffers.outputPending();
        // The end of the input (close_notify, or the socket's end of stream) may arrive with the last records: the
        // read that decrypts them returns their bytes, and no selector event announces the end afterwards.
        boolean endPending = !endReported && (inboundDone || buffers.socketEnded());
        return buffers.hasStagedBytes() || !inboundDone && !wrapBlocked && buffers.completeRecordBuffered()
                || status == HandshakeStatus.NEED_TASK || endPending;
    }

    /**
     * Whether the peer spoke plain text instead of TLS: its first byte was an upper-case letter, as an HTTP request
     * line or status line begins, where a TLS record begins with its content type (20 to 23) and an SSLv2-style hello
     * with its high bit set. The connection failed with a message that says so.
     */
    public boolean plainTextPeer() {
        return plainTextPeer;
    }

    public boolean handshakeDone() {
        return handshakeDone;
    }

    /** The engine, for what its session settled (protocol, peer certificates); not for driving it. */
    public SSLEngine engine() {
        return engine;
    }

    /** Whether close_notify was queued by {@link #closeOutbound()}. */
    public boolean outboundClosed() {
        return outboundClosed;
    }

    /** Gives back every buffer, dropping what it holds: the connection is being closed. */
    public void discardBuffers() {
        buffers.releaseAll();
    }

    /** Whether the input ended at the socket's end of stream without the peer's close_notify. */
    public boolean truncated() {
        return truncated;
    }

    /** The failure that made the connection unusable; null while it is usable. */
    public TlsException failure() {
        return failure;
    }

    /**
     * Gives back every buffer that holds no bytes; returns true when the connection holds none at all. Call it when
     * the connection goes idle (read returned 0, flush returned true); buffers are taken again on the next need.
     */
    public boolean releaseBuffers() {
        return buffers.releaseEmpty();
    }

    int networkInCapacity() {
        return buffers.networkInCapacity();
    }

    int networkOutCapacity() {
        return buffers.networkOutCapacity();
    }

    int stagingCapacity() {
        return buffers.stagingCapacity();
    }

    /**
     * Runs delegated tasks and wraps what the engine wants to send (handshake messages, key update answers,
     * close_notify). Returns false when it must wait: for the socket to take pending ciphertext, or for the next
     * call after {@value #MAX_TASKS_PER_CALL} tasks.
     */
    private boolean serviceEngine() throws IOException {
        int tasks = 0;
        while (true) {
            HandshakeStatus status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                Runnable task = tasks < MAX_TASKS_PER_CALL ? engine.getDelegatedTask() : null;
                if (task == null) {
                    return false;
                }
                tasks++;
                task.run();
            } else if (status == HandshakeStatus.NEED_WRAP) {
                SSLEngineResult result = wrap(EMPTY);
                if (result == null || result.bytesProduced() == 0
                        && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    return false;
                }
            } else {
                return true;
            }
        }
    }

    private static boolean engineHasWork(HandshakeStatus status) {
        return status == HandshakeStatus.NEED_TASK || status == HandshakeStatus.NEED_WRAP;
    }

    /** Wraps {@code source} into the network output and writes it; null when pending output leaves no room. */
    private SSLEngineResult wrap(ByteBuffer source) throws IOException {
        while (true) {
            ByteBuffer out = buffers.networkOutForWrap(packetSize);
            SSLEngineResult result;
            single[0] = source;
            try {
                result = engine.wrap(single, 0, 1, out);
            } catch (SSLException e) {
                buffers.wrapped();
                throw fail(e);
            } finally {
                single[0] = null;
            }
            buffers.wrapped();
            if (result.getStatus() != Status.BUFFER_OVERFLOW) {
                afterOperation(result);
                buffers.writeNetworkOut();
                return result;
            }
            if (buffers.outputPending()) {
                if (!buffers.writeNetworkOut()) {
                    return null;
                }
            } else {
                packetSize = engine.getSession().getPacketBufferSize();
                if (buffers.networkOutCapacity() >= packetSize) {
                    throw new IllegalStateException("The engine finds no room in an empty network buffer of "
                            + buffers.networkOutCapacity() + " bytes");
                }
                buffers.growNetworkOut(packetSize);
            }
        }
    }

    private SSLEngineResult unwrap(ByteBuffer target) throws IOException {
        single[0] = target;
        try {
            SSLEngineResult result = engine.unwrap(buffers.networkIn(), single, 0, 1);
            afterOperation(result);
            return result;
        } catch (SSLException e) {
            throw fail(e);
        } finally {
            single[0] = null;
        }
    }

    /** Notes the end of the first handshake, and fails the connection when a later one starts (TLS 1.2). */
    private void afterOperation(SSLEngineResult result) throws TlsException {
        HandshakeStatus status = result.getHandshakeStatus();
        if (!handshakeDone) {
            if (status == HandshakeStatus.FINISHED
                    || status == HandshakeStatus.NOT_HANDSHAKING && result.getStatus() == Status.OK) {
                handshakeDone = true;
                tls13 = "TLSv1.3".equals(engine.getSession().getProtocol());
                packetSize = engine.getSession().getPacketBufferSize();
                applicationSize = engine.getSession().getApplicationBufferSize();
            }
            return;
        }
        // TLS 1.3 has no renegotiation; its post-handshake messages (tickets, key updates) may ask for a wrap.
        boolean closing = result.getStatus() == Status.CLOSED || outboundClosed || engine.isInboundDone();
        if (!tls13 && !closing && status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED) {
            failure = new TlsException("The peer started a TLS renegotiation, which is refused");
            buffers.releaseAll();
            throw failure;
        }
    }

    /** A partial record fills the whole network input: take a buffer of the session's packet size. */
    private void growNetworkInIfFull() throws TlsException {
        if (!buffers.networkInFull()) {
            return;
        }
        packetSize = engine.getSession().getPacketBufferSize();
        if (buffers.networkInCapacity() >= packetSize) {
            failure = new TlsException("The peer sent a TLS record larger than " + packetSize + " bytes");
            buffers.releaseAll();
            throw failure;
        }
        buffers.growNetworkIn(packetSize);
    }

    private void checkFirstByte() throws TlsException {
        firstByteChecked = true;
        ByteBuffer in = buffers.networkIn();
        byte first = in.get(in.position());
        if (first >= 'A' && first <= 'Z') {
            plainTextPeer = true;
            failure = new TlsException(engine.getUseClientMode()
                    ? "TLS handshake failed: the upstream answered in plain text, not TLS (is it a ws:// server?)"
                    : "TLS handshake failed: a plain-text request (HTTP?) arrived on a TLS port");
            buffers.releaseAll();
            throw failure;
        }
    }

    private void checkUsable() throws TlsException {
        if (failure != null) {
            throw failure;
        }
    }

    /** Records the failure, sends the alert the engine prepared (if the socket takes it now), drops the buffers. */
    private TlsException fail(SSLException cause) {
        String stage = handshakeDone ? "TLS connection failed: " : "TLS handshake failed: ";
        failure = new TlsException(stage + oneLine(cause), cause);
        try {
            single[0] = EMPTY;
            engine.wrap(single, 0, 1, buffers.networkOutForWrap(packetSize));
            buffers.wrapped();
            buffers.writeNetworkOut();
        } catch (IOException | RuntimeException e) {
            // Best effort: the connection is closed next anyway.
        } finally {
            single[0] = null;
        }
        buffers.releaseAll();
        return failure;
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return message.replace('\n', ' ').replace('\r', ' ');
    }
}
