package io.wsproxy.benchmarks.load;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Heap buffers of one size, reused by the connections of one selector thread so that idle connections hold none and
 * busy ones allocate none in steady state. Single-threaded.
 */
final class BufferPool {
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final int size;

    BufferPool(int size) {
        this.size = size;
    }

    /** A cleared buffer. */
    ByteBuffer take() {
        ByteBuffer buffer = free.pollLast();
        return buffer != null ? buffer : ByteBuffer.allocate(size);
    }

    void give(ByteBuffer buffer) {
        buffer.clear();
        free.addLast(buffer);
    }
}
