package io.wsproxy.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A minimal WebSocket backend on a {@link SelectorLoop}: answers each upgrade with a 101, then echoes every frame
 * it receives (unmasked, same opcode and FIN) until the peer closes. Idle connections hold only their buffers.
 * Loop thread only, except {@link #port()}.
 */
final class EchoBackend {
    private final LoopbackListener listener;
    private final int bufferBytes;

    /**
     * @param bufferBytes size of each connection's input and output buffers; must hold the largest frame plus the
     *                    output of a full input buffer
     */
    EchoBackend(SelectorLoop loop, int bufferBytes) throws IOException {
        this.bufferBytes = bufferBytes;
        this.listener = new LoopbackListener(loop, Connection::new);
    }

    int port() throws IOException {
        return listener.port();
    }

    /** One upstream-side connection: handshake first, then frames. */
    private final class Connection implements SelectorLoop.Handler {
        private final SocketChannel channel;
        private ByteBuffer in = ByteBuffer.allocate(4096);
        private ByteBuffer out;
        private boolean upgraded;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void ready(SelectionKey key) throws IOException {
            if (key.isWritable()) {
                flush(key);
            }
            if (key.isValid() && key.isReadable()) {
                if (channel.read(in) < 0) {
                    key.cancel();
                    channel.close();
                    return;
                }
                if (!upgraded) {
                    handshake(key);
                }
                if (upgraded) {
                    echoFrames();
                    flush(key);
                }
            }
        }

        private void handshake(SelectionKey key) throws IOException {
            int end = WebSocketHandshake.headEnd(in.array(), in.position());
            if (end < 0) {
                if (!in.hasRemaining()) {
                    throw new IOException("Upgrade request head too large");
                }
                return;
            }
            String head = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
            byte[] answer = WebSocketHandshake.switchingProtocolsFor(head);
            if (answer == null) {
                throw new IOException("Not an upgrade request: " + head.lines().findFirst().orElse(""));
            }
            ByteBuffer rest = ByteBuffer.wrap(in.array(), end, in.position() - end);
            in = ByteBuffer.allocate(bufferBytes).put(rest);
            out = ByteBuffer.allocate(bufferBytes).put(answer);
            upgraded = true;
        }

        /** Echoes each complete frame in {@code in}; leaves a partial frame there. RFC 6455 §5.2 framing. */
        private void echoFrames() throws IOException {
            in.flip();
            while (in.remaining() >= 2) {
                int start = in.position();
                int b0 = in.get(start) & 0xFF;
                int b1 = in.get(start + 1) & 0xFF;
                boolean masked = (b1 & 0x80) != 0;
                long length = b1 & 0x7F;
                int headerLength = 2;
                if (length == 126) {
                    headerLength = 4;
                } else if (length == 127) {
                    headerLength = 10;
                }
                if (in.remaining() < headerLength + (masked ? 4 : 0)) {
                    break;
                }
                if (length == 126) {
                    length = in.getShort(start + 2) & 0xFFFF;
                } else if (length == 127) {
                    length = in.getLong(start + 2);
                }
                int payloadStart = start + headerLength + (masked ? 4 : 0);
                long frameLength = payloadStart - start + length;
                if (frameLength > in.capacity() || length + 14 > out.capacity()) {
                    throw new IOException("Frame of " + length + " bytes does not fit the echo buffers");
                }
                if (in.remaining() < frameLength) {
                    break;
                }
                if (out.remaining() < length + 10) {
                    break; // Out is full: the rest waits for the next flush.
                }
                writeHeader(b0, (int) length);
                int maskKey = masked ? in.getInt(start + headerLength) : 0;
                for (int i = 0; i < length; i++) {
                    int maskByte = (maskKey >>> (24 - 8 * (i & 3))) & 0xFF;
                    out.put((byte) (in.get(payloadStart + i) ^ maskByte));
                }
                in.position((int) (start + frameLength));
            }
            in.compact();
        }

        private void writeHeader(int b0, int length) {
            out.put((byte) b0);
            if (length < 126) {
                out.put((byte) length);
            } else if (length <= 0xFFFF) {
                out.put((byte) 126).putShort((short) length);
            } else {
                out.put((byte) 127).putLong(length);
            }
        }

        /** Writes pending output; reads are paused while output cannot drain (backpressure toward the proxy). */
        private void flush(SelectionKey key) throws IOException {
            out.flip();
            channel.write(out);
            boolean pending = out.hasRemaining();
            out.compact();
            key.interestOps(pending ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            if (!pending && in.position() > 0) {
                echoFrames(); // Frames that waited for room in out.
                if (out.position() > 0) {
                    flush(key);
                }
            }
        }
    }
}
