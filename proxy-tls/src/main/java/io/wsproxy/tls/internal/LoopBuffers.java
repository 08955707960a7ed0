package io.wsproxy.tls.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The record buffers of the TLS connections of one event-loop thread: a free list of heap buffers of one size, large
 * enough for any TLS record or its plaintext, so that connections borrow a buffer only while it holds bytes and
 * steady traffic allocates none. Larger requests (the engine asking for more than a standard record) are allocated
 * and dropped. The free list keeps at most {@value #MAX_FREE} buffers, about 4.5 MiB per loop.
 *
 * <p>One instance per thread ({@link #current()}); heap buffers because the JDK's ciphers work on arrays, and the
 * socket copies through its own cached direct buffer either way.
 */
public final class LoopBuffers implements TlsBuffers {
    /** Above the JDK's packet buffer size (16,709 bytes for TLS 1.2 and 1.3) and its application buffer size. */
    static final int SIZE = 17 * 1024;
    private static final int MAX_FREE = 256;
    private static final ThreadLocal<LoopBuffers> PER_THREAD = ThreadLocal.withInitial(LoopBuffers::new);

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>(MAX_FREE);

    private LoopBuffers() {
    }

    /** The calling thread's buffers. */
    public static LoopBuffers current() {
        return PER_THREAD.get();
    }

    @Override
    public ByteBuffer acquire(int capacity) {
        if (capacity > SIZE) {
            return ByteBuffer.allocate(capacity);
        }
        ByteBuffer buffer = free.pollFirst();
        return buffer != null ? buffer.clear() : ByteBuffer.allocate(SIZE);
    }

    @Override
    public void release(ByteBuffer buffer) {
        if (buffer.capacity() == SIZE && free.size() < MAX_FREE) {
            free.addFirst(buffer);
        }
    }

    /** Buffers on the free list, for tests. */
    int freeCount() {
        return free.size();
    }
}
