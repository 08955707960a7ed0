package io.wsproxy.tls.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The three buffers of a {@link TlsConnection} and the socket I/O on them: ciphertext read and not yet decrypted,
 * ciphertext not yet written, and decrypted bytes not yet delivered. Each is taken from {@link TlsBuffers} on first
 * need, at the size the caller names (the session's packet or application buffer size), grown only on the engine's
 * demand, and given back by {@link #releaseEmpty()} once it holds nothing. Between calls every buffer is in read
 * mode: position to limit are the bytes it holds.
 *
 * <p>Loop-thread only, as its connection.
 */
final class RecordBuffers {
    /** A TLS record header: type, version (2 bytes), length (2 bytes). */
    private static final int RECORD_HEADER = 5;

    private final SocketChannel channel;
    private final TlsBuffers buffers;
    /** Ciphertext read and not yet decrypted; null when not held. */
    private ByteBuffer networkIn;
    /** Ciphertext not yet written to the socket; null when not held. */
    private ByteBuffer networkOut;
    /** Decrypted bytes not yet delivered; null when not held. */
    private ByteBuffer staging;
    /** The socket reached end of stream. */
    private boolean socketEnded;

    RecordBuffers(SocketChannel channel, TlsBuffers buffers) {
        this.channel = channel;
        this.buffers = buffers;
    }

    /** The undecrypted ciphertext for the engine to unwrap from; null when none is held. */
    ByteBuffer networkIn() {
        return networkIn;
    }

    boolean hasNetworkInput() {
        return networkIn != null && networkIn.hasRemaining();
    }

    /** Reads from the socket after the bytes held; the count, 0 when nothing came, -1 at end of stream. */
    int fill(int capacity) throws IOException {
        if (socketEnded) {
            return -1;
        }
        if (networkIn == null) {
            networkIn = buffers.acquire(capacity).flip();
        }
        ByteBuffer in = networkIn.compact();
        int count;
        try {
            count = channel.read(in);
        } finally {
            in.flip();
        }
        if (count < 0) {
            socketEnded = true;
        }
        return count;
    }

    boolean socketEnded() {
        return socketEnded;
    }

    /** Whether the held ciphertext fills its whole buffer, so that a partial record cannot grow in place. */
    boolean networkInFull() {
        return networkIn != null && networkIn.remaining() == networkIn.capacity();
    }

    void growNetworkIn(int capacity) {
        networkIn = replace(networkIn, capacity);
    }

    /** Whether the held ciphertext contains at least one whole record. */
    boolean completeRecordBuffered() {
        if (networkIn == null || networkIn.remaining() < RECORD_HEADER) {
            return false;
        }
        int at = networkIn.position();
        int length = (networkIn.get(at + 3) & 0xff) << 8 | networkIn.get(at + 4) & 0xff;
        return networkIn.remaining() >= RECORD_HEADER + length;
    }

    /** The network output in write mode after its pending bytes, for the engine to wrap into; then {@link #wrapped}. */
    ByteBuffer networkOutForWrap(int capacity) {
        if (networkOut == null) {
            networkOut = buffers.acquire(capacity);
            return networkOut;
        }
        return networkOut.compact();
    }

    /** Ends a wrap started with {@link #networkOutForWrap}: back to read mode. */
    void wrapped() {
        networkOut.flip();
    }

    boolean outputPending() {
        return networkOut != null && networkOut.hasRemaining();
    }

    void growNetworkOut(int capacity) {
        networkOut = replace(networkOut, capacity);
    }

    int networkOutCapacity() {
        return networkOut == null ? 0 : networkOut.capacity();
    }

    /** Writes pending ciphertext; true when none remains. */
    boolean writeNetworkOut() throws IOException {
        if (!outputPending()) {
            return true;
        }
        channel.write(networkOut);
        return !networkOut.hasRemaining();
    }

    /** The empty staging buffer in write mode for the engine to unwrap into; then {@link #unwrappedToStaging}. */
    ByteBuffer staging(int capacity) {
        if (staging != null && staging.capacity() < capacity) {
            buffers.release(staging);
            staging = null;
        }
        if (staging == null) {
            staging = buffers.acquire(capacity);
        }
        return staging.clear();
    }

    boolean isStaging(ByteBuffer buffer) {
        return buffer == staging;
    }

    void unwrappedToStaging() {
        staging.flip();
    }

    boolean hasStagedBytes() {
        return staging != null && staging.hasRemaining();
    }

    /** Moves what fits of the staged bytes into {@code destination}; returns how many. */
    int deliver(ByteBuffer destination) {
        if (!hasStagedBytes()) {
            return 0;
        }
        int count = Math.min(staging.remaining(), destination.remaining());
        int limit = staging.limit();
        staging.limit(staging.position() + count);
        destination.put(staging);
        staging.limit(limit);
        return count;
    }

    /** Gives back every buffer that holds nothing; true when none is held. */
    boolean releaseEmpty() {
        if (networkIn != null && !networkIn.hasRemaining()) {
            buffers.release(networkIn);
            networkIn = null;
        }
        if (networkOut != null && !networkOut.hasRemaining()) {
            buffers.release(networkOut);
            networkOut = null;
        }
        if (staging != null && !staging.hasRemaining()) {
            buffers.release(staging);
            staging = null;
        }
        return networkIn == null && networkOut == null && staging == null;
    }

    /** Gives back every buffer, dropping what they hold. */
    void releaseAll() {
        if (networkIn != null) {
            networkIn.clear().flip();
        }
        if (networkOut != null) {
            networkOut.clear().flip();
        }
        if (staging != null) {
            staging.clear().flip();
        }
        releaseEmpty();
    }

    int networkInCapacity() {
        return networkIn == null ? 0 : networkIn.capacity();
    }

    int stagingCapacity() {
        return staging == null ? 0 : staging.capacity();
    }

    /** A buffer of {@code capacity} holding the bytes of {@code old}; gives back the old one. */
    private ByteBuffer replace(ByteBuffer old, int capacity) {
        ByteBuffer larger = buffers.acquire(capacity);
        larger.put(old).flip();
        buffers.release(old);
        return larger;
    }
}
