package io.wsproxy.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One closed-loop client after its handshake: keeps {@code window} masked binary frames of {@code size} bytes in
 * flight, checks that each echo is the next frame sent (unmasked, same bytes), times it and sends the next one.
 * Loop thread only.
 */
final class EchoClient implements SelectorLoop.Handler {
    /** Counters shared by all clients of one loop. */
    static final class Stats {
        final LatencyHistogram latency = new LatencyHistogram();
        long errors;
    }

    private final SocketChannel channel;
    private final int size;
    private final int window;
    private final Stats stats;
    private final ByteBuffer out;
    private final ByteBuffer in;
    private final int headerLength;
    /** Send time of frame {@code seq} at {@code [seq % window]}, for the frames in flight. */
    private final long[] sentAt;
    private long nextToSend;
    private long nextToReceive;

    EchoClient(SocketChannel channel, int size, int window, Stats stats) {
        this.channel = channel;
        this.size = size;
        this.window = window;
        this.stats = stats;
        this.headerLength = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
        this.out = ByteBuffer.allocate(window * (headerLength + 4 + size));
        this.in = ByteBuffer.allocate(Math.max(64 * 1024, 2 * window * (headerLength + size)));
        this.sentAt = new long[window];
    }

    /** Registers the channel on the loop's selector and sends the first window; loop thread. */
    void start(SelectorLoop loop) throws IOException {
        channel.configureBlocking(false);
        SelectionKey key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
        for (int i = 0; i < window; i++) {
            queueFrame();
        }
        flush(key);
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
        if (key.isWritable()) {
            flush(key);
        }
        if (key.isValid() && key.isReadable()) {
            int read = channel.read(in);
            if (read < 0) {
                throw new IOException("The proxy closed the connection");
            }
            int echoes = receiveFrames();
            for (int i = 0; i < echoes; i++) {
                queueFrame();
            }
            if (echoes > 0) {
                flush(key);
            }
        }
    }

    private void queueFrame() {
        long seq = nextToSend++;
        int maskKey = ThreadLocalRandom.current().nextInt();
        out.put((byte) 0x82); // FIN + binary, RFC 6455 §5.2
        if (headerLength == 2) {
            out.put((byte) (0x80 | size));
        } else if (headerLength == 4) {
            out.put((byte) (0x80 | 126)).putShort((short) size);
        } else {
            out.put((byte) (0x80 | 127)).putLong(size);
        }
        out.putInt(maskKey);
        for (int i = 0; i < size; i++) {
            int maskByte = (maskKey >>> (24 - 8 * (i & 3))) & 0xFF;
            out.put((byte) (payloadByte(seq, i) ^ maskByte));
        }
        sentAt[(int) (seq % window)] = System.nanoTime();
    }

    private static byte payloadByte(long seq, int index) {
        return (byte) (seq * 131 + index);
    }

    /** Checks and counts each complete echo in {@code in}; returns how many. */
    private int receiveFrames() throws IOException {
        in.flip();
        int frameLength = headerLength + size;
        int echoes = 0;
        long now = System.nanoTime();
        while (in.remaining() >= frameLength) {
            int start = in.position();
            int b0 = in.get(start) & 0xFF;
            int b1 = in.get(start + 1) & 0xFF;
            int length = b1 & 0x7F;
            if (headerLength == 4) {
                length = length == 126 ? in.getShort(start + 2) & 0xFFFF : -1;
            } else if (headerLength == 10) {
                length = length == 127 ? (int) in.getLong(start + 2) : -1;
            }
            if (b0 != 0x82 || (b1 & 0x80) != 0 || length != size) {
                stats.errors++;
                throw new IOException("Unexpected echo header " + Integer.toHexString(b0) + " "
                        + Integer.toHexString(b1) + " length " + length);
            }
            long seq = nextToReceive++;
            for (int i = 0; i < size; i++) {
                if (in.get(start + headerLength + i) != payloadByte(seq, i)) {
                    stats.errors++;
                    throw new IOException("Echo of frame " + seq + " differs at byte " + i);
                }
            }
            stats.latency.record(now - sentAt[(int) (seq % window)]);
            in.position(start + frameLength);
            echoes++;
        }
        in.compact();
        return echoes;
    }

    private void flush(SelectionKey key) throws IOException {
        out.flip();
        channel.write(out);
        boolean pending = out.hasRemaining();
        out.compact();
        key.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }
}
