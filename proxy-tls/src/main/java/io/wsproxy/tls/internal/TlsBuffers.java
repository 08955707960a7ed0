package io.wsproxy.tls.internal;

import java.nio.ByteBuffer;

/**
 * Where a {@link TlsConnection} gets its network and staging buffers while it holds bytes, and where it gives them
 * back. A selector loop can plug its own pool in; {@link #heap()} allocates and lets the garbage collector reclaim.
 *
 * <p>Implementations are used by one loop thread at a time.
 */
public interface TlsBuffers {
    /** A buffer of at least {@code capacity} bytes, cleared (position 0, limit = capacity). */
    ByteBuffer acquire(int capacity);

    /** Takes back a buffer from {@link #acquire(int)} that the connection no longer uses. */
    void release(ByteBuffer buffer);

    /** Heap buffers of exactly the requested capacity; release drops them. */
    static TlsBuffers heap() {
        return HeapBuffers.INSTANCE;
    }

    /** The allocator behind {@link #heap()}. */
    final class HeapBuffers implements TlsBuffers {
        private static final HeapBuffers INSTANCE = new HeapBuffers();

        private HeapBuffers() {
        }

        @Override
        public ByteBuffer acquire(int capacity) {
            return ByteBuffer.allocate(capacity);
        }

        @Override
        public void release(ByteBuffer buffer) {
            // Nothing to do: the buffer becomes garbage.
        }
    }
}
