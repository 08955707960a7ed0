package io.wsproxy.internal.loop;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A loop's free list of direct buffers, all of one capacity, lent to connections only while they hold bytes that
 * could not be sent or parsed yet, so an idle connection holds none. At most {@code maxRetained} free buffers are
 * kept; more are left to the garbage collector.
 *
 * <p>Not thread-safe: loop-thread only.
 */
public final class BufferPool {
    private final int bufferSize;
    private final int maxRetained;
    private final ArrayDeque<ByteBuffer> free;
    /** Buffers lent and not yet returned; for leak checks. */
    private int lent;

    public BufferPool(int bufferSize, int maxRetained) {
        this.bufferSize = bufferSize;
        this.maxRetained = maxRetained;
        this.free = new ArrayDeque<>(Math.min(maxRetained, 1024));
    }

    /** Capacity of every pooled buffer. */
    public int bufferSize() {
        return bufferSize;
    }

    /** A cleared buffer of {@link #bufferSize()} bytes. */
    public ByteBuffer acquire() {
        lent++;
        ByteBuffer buffer = free.pollFirst();
        return buffer != null ? buffer : ByteBuffer.allocateDirect(bufferSize);
    }

    /** Returns a buffer from {@link #acquire()}; the caller keeps no reference to it. */
    public void release(ByteBuffer buffer) {
        lent--;
        if (free.size() < maxRetained) {
            buffer.clear();
            free.addFirst(buffer);
        }
    }

    /** Buffers currently lent out. */
    public int lent() {
        return lent;
    }

    /** Free buffers kept for reuse. */
    public int retained() {
        return free.size();
    }
}
