package io.wsproxy.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One idle WebSocket endpoint of {@link HeartbeatLoad} on a {@link SelectorLoop}: sends nothing of its own and
 * answers every ping with the pong RFC 6455 §5.5.3 asks for (same payload). As a <em>client</em> it expects the
 * proxy's frames unmasked and masks its pongs (random key); as a <em>backend</em> it first answers the upgrade, then
 * expects masked frames, unmasks the ping's payload and sends the pong unmasked. A Close, any other frame, a frame
 * masked the wrong way, end of stream or an I/O error is counted in {@link Counters}; the connection stays open
 * unless the peer closed it or it failed. Loop thread only.
 */
final class PongEndpoint implements SelectorLoop.Handler {
    /** Largest control frame: 2 header bytes, 4 mask bytes, 125 payload bytes (RFC 6455 §5.5). */
    private static final int MAX_CONTROL_FRAME = 2 + 4 + 125;
    private static final int HANDSHAKE_BUFFER = 8 * 1024;
    private static final int FRAME_BUFFER = 256;

    /**
     * What the endpoints of one loop saw. Each field is written only by that loop's thread (so {@code ++} on a
     * volatile is safe) and read by any thread.
     */
    static final class Counters {
        /** Connections registered and not closed. */
        volatile long open;
        volatile long pingsAnswered;
        volatile long closesReceived;
        /** Data frames, pongs, continuation frames: none is expected from the proxy here. */
        volatile long otherFrames;
        /** Frames masked the wrong way for the direction, bad lengths, a bad upgrade request. */
        volatile long protocolErrors;
        /** Connections the proxy closed (end of stream). */
        volatile long endOfStreams;
        /** Connections closed by an I/O error. */
        volatile long ioErrors;
        /** Most pings answered in one 10 ms slice of the clock since {@link #takeMaxBurst()}: how bunched they come. */
        private volatile long maxBurst;
        private long burstSlice;
        private long burst;

        /** Loop thread: one more ping answered now. */
        void pingAnswered() {
            pingsAnswered++;
            long slice = System.nanoTime() / 10_000_000L;
            if (slice != burstSlice) {
                burstSlice = slice;
                burst = 0;
            }
            if (++burst > maxBurst) {
                maxBurst = burst;
            }
        }

        /** Any thread: the largest burst since the last call, and start over (a race may lose one burst). */
        long takeMaxBurst() {
            long max = maxBurst;
            maxBurst = 0;
            return max;
        }
    }

    private final SocketChannel channel;
    private final boolean client;
    private final Counters counters;
    private ByteBuffer in;
    private final ByteBuffer out = ByteBuffer.allocate(FRAME_BUFFER);
    private boolean upgraded;
    private boolean closed;

    private PongEndpoint(SocketChannel channel, boolean client, Counters counters) {
        this.channel = channel;
        this.client = client;
        this.counters = counters;
        this.upgraded = client; // the client's handshake was done, blocking, before registration
        this.in = ByteBuffer.allocate(client ? FRAME_BUFFER : HANDSHAKE_BUFFER);
    }

    /**
     * Registers an upgraded client channel (nothing read past the 101) on {@code loop}; call on the loop thread.
     */
    static void registerClient(SocketChannel channel, SelectorLoop loop, Counters counters) throws IOException {
        channel.configureBlocking(false);
        channel.register(loop.selector(), SelectionKey.OP_READ, new PongEndpoint(channel, true, counters));
        counters.open++;
    }

    /** The backend's listening socket on 127.0.0.1; each accepted connection becomes a backend endpoint. */
    static final class Backend {
        private final LoopbackListener listener;

        Backend(SelectorLoop loop, Counters counters) throws IOException {
            this.listener = new LoopbackListener(loop, channel -> {
                counters.open++;
                return new PongEndpoint(channel, false, counters);
            });
        }

        int port() throws IOException {
            return listener.port();
        }
    }

    @Override
    public void ready(SelectionKey key) {
        try {
            if (key.isWritable()) {
                flush(key);
            }
            if (key.isValid() && key.isReadable()) {
                int read = channel.read(in);
                if (read < 0) {
                    counters.endOfStreams++;
                    close(key);
                    return;
                }
                if (!upgraded) {
                    handshake();
                }
                if (upgraded) {
                    readFrames();
                }
                flush(key);
            }
        } catch (IOException | RuntimeException e) {
            counters.ioErrors++;
            System.err.println("load: " + (client ? "client" : "backend") + " connection failed: " + e);
            close(key);
        }
    }

    private void handshake() throws IOException {
        int end = WebSocketHandshake.headEnd(in.array(), in.position());
        if (end < 0) {
            if (!in.hasRemaining()) {
                counters.protocolErrors++;
                throw new IOException("Upgrade request head too large");
            }
            return;
        }
        String head = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
        byte[] answer = WebSocketHandshake.switchingProtocolsFor(head);
        if (answer == null) {
            counters.protocolErrors++;
            throw new IOException("Not an upgrade request: " + head.lines().findFirst().orElse(""));
        }
        ByteBuffer rest = ByteBuffer.wrap(in.array(), end, in.position() - end);
        in = ByteBuffer.allocate(FRAME_BUFFER).put(rest);
        if (answer.length > out.remaining()) {
            throw new IOException("The 101 answer does not fit the output buffer"); // ~130 bytes: cannot happen
        }
        out.put(answer);
        upgraded = true;
    }

    /** Handles each complete frame in {@code in}; leaves a partial frame there. RFC 6455 §5.2 framing. */
    private void readFrames() throws IOException {
        in.flip();
        while (in.remaining() >= 2) {
            int start = in.position();
            int b0 = in.get(start) & 0xFF;
            int b1 = in.get(start + 1) & 0xFF;
            int opcode = b0 & 0x0F;
            boolean masked = (b1 & 0x80) != 0;
            int length = b1 & 0x7F;
            if (length > 125) {
                // Only control frames are expected, and they are at most 125 bytes long.
                counters.protocolErrors++;
                throw new IOException("Unexpected frame with extended length, opcode " + opcode);
            }
            int headerLength = 2 + (masked ? 4 : 0);
            int frameLength = headerLength + length;
            if (in.remaining() < frameLength) {
                break;
            }
            if (masked == client) {
                // RFC 6455 §5.1: frames toward a client are unmasked, frames toward a server masked.
                counters.protocolErrors++;
            }
            if (opcode == 0x9) {
                answerPing(start + headerLength, length, masked ? in.getInt(start + 2) : 0);
            } else if (opcode == 0x8) {
                counters.closesReceived++;
            } else {
                counters.otherFrames++;
            }
            in.position(start + frameLength);
        }
        in.compact();
    }

    private void answerPing(int payloadStart, int length, int receivedMask) throws IOException {
        if (out.remaining() < MAX_CONTROL_FRAME) {
            counters.protocolErrors++;
            throw new IOException("The proxy sends pings faster than they can be answered");
        }
        int sendMask = client ? ThreadLocalRandom.current().nextInt() : 0;
        out.put((byte) 0x8A); // FIN + pong
        out.put((byte) ((client ? 0x80 : 0) | length));
        if (client) {
            out.putInt(sendMask);
        }
        for (int i = 0; i < length; i++) {
            int shift = 24 - 8 * (i & 3);
            int plain = (in.get(payloadStart + i) ^ (receivedMask >>> shift)) & 0xFF;
            out.put((byte) (plain ^ (sendMask >>> shift)));
        }
        counters.pingAnswered();
    }

    private void flush(SelectionKey key) throws IOException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        channel.write(out);
        boolean pending = out.hasRemaining();
        out.compact();
        key.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void close(SelectionKey key) {
        if (closed) {
            return;
        }
        closed = true;
        counters.open--;
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // Counted already.
        }
    }
}
