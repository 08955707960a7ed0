package io.wsproxy.benchmarks.load;

import io.wsproxy.benchmarks.WebSocketHandshake;
import io.wsproxy.tls.internal.TlsConnection;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import javax.net.ssl.SSLSession;

/**
 * One load-tool client connection, on its worker's selector thread only: non-blocking connect (from the next
 * {@code --sources} address), upgrade, then the mode's traffic. Outgoing data frames are binary, FIN, masked with a
 * fresh key each; payload byte {@code p} of message {@code seq} is byte {@code p} of the big-endian {@code seq} for
 * {@code p < 8} and {@code pattern[offset(seq) + p]} after that, so every echoed byte is checked (and the order of
 * messages with it). Frames are streamed through the pooled 64 KiB buffers, so any size works.
 *
 * <p>With {@code --tls} the same bytes go through a {@link TlsConnection} started right after the TCP connect; the
 * upgrade request waits in {@code out} until the TLS handshake is done. The plain path differs only by a null test
 * of {@link #tls} per event, flush and buffer release.
 */
final class ClientConnection {
    private static final int CONNECTING = 0;
    private static final int HANDSHAKE = 1;
    private static final int OPEN = 2;
    private static final int CLOSING = 3;
    private static final int DONE = 4;
    /** TLS reads in a row that deliver nothing while the engine still reports buffered input: a stuck engine. */
    private static final int MAX_EMPTY_TLS_READS = 64;

    private final ClientWorker worker;
    final int index;
    private SocketChannel channel;
    private SelectionKey key;
    /** With {@code --tls}, the TLS session over {@link #channel} from the TCP connect on; null without. */
    private TlsConnection tls;
    private int state = CONNECTING;
    private long connectStarted;
    private String expectedAccept;
    private ByteBuffer in; // write mode between calls; null while empty
    private ByteBuffer out; // write mode between calls; null while empty

    // Sending.
    long sendSeq;
    private long sendPos = -1; // payload bytes of message sendSeq written so far; -1 between frames
    private int sendMask;
    /** Rate mode: messages with seq < due are due. */
    long due;
    /** Echo mode: send time of message seq at [seq % window]. */
    private final long[] sentAt;
    private byte[] control; // a masked control frame waiting for a frame boundary
    private int controlLength;

    // Receiving.
    long recvSeq;
    private long frameRemaining = -1; // payload bytes of the current frame still to come; -1 between frames
    private long messagePos; // payload bytes of message recvSeq received so far
    private boolean inMessage;

    ClientConnection(ClientWorker worker, int index) {
        this.worker = worker;
        this.index = index;
        this.sentAt = worker.config.mode == LoadTool.Mode.ECHO ? new long[worker.config.window] : null;
    }

    boolean isOpen() {
        return state == OPEN;
    }

    /** Starts the non-blocking connect; true if it is under way or done. */
    void connect(long now) {
        connectStarted = now;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (worker.config.sources.length > 0) {
                channel.bind(worker.nextSource());
            }
            key = channel.register(worker.selector, SelectionKey.OP_CONNECT, this);
            if (channel.connect(worker.config.target)) {
                connected();
            }
        } catch (IOException | RuntimeException e) {
            fail("connect to " + worker.config.targetText + " failed: " + e);
        }
    }

    void ready(long now) {
        try {
            if (state == CONNECTING) {
                if (key.isConnectable() && channel.finishConnect()) {
                    connected();
                }
                return;
            }
            if (tls != null) {
                readyTls(now);
                return;
            }
            if (key.isWritable()) {
                flush();
            }
            if (key.isValid() && key.isReadable()) {
                if (in == null) {
                    in = worker.pool.take();
                }
                int read = channel.read(in);
                if (read < 0) {
                    peerClosed("the peer closed the TCP connection");
                    return;
                }
                if (state == HANDSHAKE) {
                    handshake(now);
                }
                if (state == OPEN || state == CLOSING) {
                    receive(now);
                }
                if (state == OPEN || state == CLOSING) {
                    send(now);
                }
            }
            releaseEmptyBuffers();
        } catch (IOException | RuntimeException e) {
            fail(describe() + ": " + e);
        }
    }

    /**
     * {@link #ready} with TLS. The engine may hold decrypted bytes or whole records that no selector event will
     * announce, so it reads until {@link TlsConnection#hasBufferedInput()} is false; then it sends what the window or
     * schedule allows in one write (one or a few records) and sets the interest the engine needs.
     */
    private void readyTls(long now) throws IOException {
        if (key.isWritable()) {
            flush();
        }
        if (key.isReadable() || tls.hasBufferedInput()) {
            int empty = 0;
            do {
                if (in == null) {
                    in = worker.pool.take();
                }
                int read = tls.read(in);
                if (read < 0) {
                    peerClosed(tls.truncated() ? "the peer closed the TCP connection"
                            : "the peer ended the TLS session (close_notify)");
                    return;
                }
                if (read > 0) {
                    empty = 0;
                } else if (++empty > MAX_EMPTY_TLS_READS) {
                    throw new IOException("the TLS engine reports buffered input but delivers none");
                }
                if (state == HANDSHAKE) {
                    handshake(now);
                }
                if (state == OPEN || state == CLOSING) {
                    receive(now);
                }
                if (state == DONE) {
                    return;
                }
            } while (tls.hasBufferedInput());
        }
        if (state == OPEN || state == CLOSING) {
            send(now);
        } else {
            flush(); // the upgrade request once the TLS handshake is done; the engine's own messages
            releaseEmptyBuffers();
        }
    }

    private String describe() {
        return "connection " + index;
    }

    private void connected() throws IOException {
        state = HANDSHAKE;
        byte[] keyBytes = new byte[16];
        worker.random.nextBytes(keyBytes);
        String wsKey = Base64.getEncoder().encodeToString(keyBytes);
        expectedAccept = WebSocketHandshake.acceptFor(wsKey);
        String request = "GET " + worker.config.path + " HTTP/1.1\r\n"
                + "Host: " + worker.config.hostHeader + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + wsKey + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        out = worker.pool.take();
        out.put(request.getBytes(StandardCharsets.US_ASCII));
        if (worker.tls != null) {
            tls = worker.tls.open(channel);
        }
        key.interestOps(SelectionKey.OP_READ);
        flush();
    }

    private void handshake(long now) throws IOException {
        int end = WebSocketHandshake.headEnd(in.array(), in.position());
        if (end < 0) {
            if (!in.hasRemaining()) {
                throw new IOException("upgrade response head too large");
            }
            return;
        }
        String head = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("expected 101, got: " + head.lines().findFirst().orElse(""));
        }
        String accept = WebSocketHandshake.headerValue(head, "sec-websocket-accept");
        if (!expectedAccept.equals(accept)) {
            worker.verificationError();
            throw new IOException("wrong Sec-WebSocket-Accept " + accept + ", expected " + expectedAccept);
        }
        in.flip().position(end);
        in.compact();
        state = OPEN;
        if (tls != null) {
            // A resumed session keeps the creation time of the handshake that made it, before this connect.
            SSLSession session = tls.engine().getSession();
            long connectMillis = System.currentTimeMillis() - (System.nanoTime() - connectStarted) / 1_000_000;
            worker.tlsEstablished(session.getProtocol(), session.getCipherSuite(),
                    session.getCreationTime() < connectMillis - 1);
        }
        worker.upgraded(this, now - connectStarted, now);
        if (worker.config.mode == LoadTool.Mode.CHURN || worker.trafficBegun) {
            send(now);
        }
    }

    /** Queues what may be sent now (window, schedule) and writes. */
    void send(long now) throws IOException {
        if (state != OPEN && state != CLOSING) {
            return;
        }
        fill(now);
        flush();
        releaseEmptyBuffers();
    }

    private boolean mayStartMessage() {
        if (state != OPEN) {
            return false;
        }
        switch (worker.config.mode) {
            case ECHO:
                return worker.trafficBegun && sendSeq - recvSeq < worker.config.window;
            case RATE:
                return sendSeq < due;
            case CHURN:
                return sendSeq == 0;
            default:
                return false;
        }
    }

    private void fill(long now) {
        LoadTool.Config config = worker.config;
        int size = config.size;
        while (true) {
            if (sendPos < 0) {
                if (controlLength > 0) {
                    if (out == null) {
                        out = worker.pool.take();
                    }
                    if (out.remaining() < controlLength) {
                        return;
                    }
                    out.put(control, 0, controlLength);
                    controlLength = 0;
                    continue;
                }
                if (!mayStartMessage()) {
                    return;
                }
                if (out == null) {
                    out = worker.pool.take();
                }
                if (out.remaining() < Frames.MAX_HEADER) {
                    return;
                }
                sendMask = worker.nextMask();
                Frames.putHeader(out, 0x80 | Frames.OP_BINARY, size, true, sendMask);
                sendPos = 0;
                if (sentAt != null) {
                    sentAt[(int) (sendSeq % sentAt.length)] = now;
                }
            }
            if (out == null) {
                out = worker.pool.take();
            }
            int n = (int) Math.min(out.remaining(), size - sendPos);
            if (n == 0) {
                return;
            }
            byte[] dst = out.array();
            int o = out.position();
            int i = 0;
            long seq = sendSeq;
            for (; i < n && sendPos + i < 8; i++) {
                long p = sendPos + i;
                dst[o + i] = (byte) ((seq >>> (56 - 8 * p)) ^ (sendMask >>> (24 - 8 * (p & 3))));
            }
            if (i < n) {
                Frames.xorCopy(worker.pattern, patternOffset(seq) + (int) sendPos + i, dst, o + i, n - i, sendMask,
                        sendPos + i);
            }
            out.position(o + n);
            sendPos += n;
            if (sendPos == size) {
                sendPos = -1;
                sendSeq++;
                worker.sent++;
            }
        }
    }

    static int patternOffset(long seq) {
        return (int) ((seq * 37) & 255);
    }

    /** Checks every complete or partial frame in {@code in}. */
    private void receive(long now) throws IOException {
        if (in == null) {
            return; // nothing buffered
        }
        long[] header = worker.header;
        int size = worker.config.size;
        in.flip();
        try {
            while (true) {
                if (frameRemaining < 0) {
                    int headerLength = Frames.parseHeader(in, header);
                    if (headerLength == 0) {
                        return;
                    }
                    int b0 = in.get(in.position()) & 0xFF;
                    int opcode = b0 & 0x0F;
                    long length = header[0];
                    if (header[1] != 0 || (in.get(in.position() + 1) & 0x80) != 0) {
                        worker.verificationError();
                        throw new IOException("masked frame from the server");
                    }
                    if ((opcode & 0x08) != 0) {
                        if (length > 125 || length < 0) {
                            throw new IOException("control frame of " + length + " bytes");
                        }
                        if (in.remaining() < headerLength + length) {
                            return;
                        }
                        int from = in.position() + headerLength;
                        in.position(from + (int) length);
                        if (opcode == Frames.OP_PING) {
                            queueControl(Frames.OP_PONG, in.array(), from, (int) length);
                            worker.pings++;
                        } else if (opcode == Frames.OP_CLOSE) {
                            closeReceived(now);
                            return;
                        }
                        continue;
                    }
                    boolean fin = (b0 & 0x80) != 0;
                    int expectedOpcode = inMessage ? Frames.OP_CONTINUATION : Frames.OP_BINARY;
                    if (opcode != expectedOpcode || (b0 & 0x70) != 0 || length < 0 || messagePos + length > size
                            || (fin != (messagePos + length == size))
                            || recvSeq >= sendSeq + (sendPos >= 0 ? 1 : 0)) {
                        worker.verificationError();
                        throw new IOException("unexpected frame (first byte 0x" + Integer.toHexString(b0)
                                + ", length " + length + ") for message " + recvSeq + " of " + size + " bytes at "
                                + messagePos + ", " + sendSeq + " sent");
                    }
                    in.position(in.position() + headerLength);
                    inMessage = !fin;
                    frameRemaining = length;
                }
                int n = (int) Math.min(frameRemaining, in.remaining());
                verify(in.array(), in.position(), n);
                in.position(in.position() + n);
                frameRemaining -= n;
                messagePos += n;
                if (frameRemaining == 0) {
                    frameRemaining = -1;
                    if (messagePos == size) {
                        messageDone(now);
                    }
                } else {
                    return; // in is empty
                }
            }
        } finally {
            if (in != null) { // null when a Close ended the connection
                in.compact();
            }
        }
    }

    private void verify(byte[] bytes, int at, int n) throws IOException {
        long seq = recvSeq;
        long p = messagePos;
        int i = 0;
        for (; i < n && p + i < 8; i++) {
            if (bytes[at + i] != (byte) (seq >>> (56 - 8 * (p + i)))) {
                mismatch(p + i);
            }
        }
        if (i < n) {
            int from = patternOffset(seq) + (int) p + i;
            int mismatch = Arrays.mismatch(bytes, at + i, at + n, worker.pattern, from, from + n - i);
            if (mismatch >= 0) {
                mismatch(p + i + mismatch);
            }
        }
    }

    private void mismatch(long position) throws IOException {
        worker.verificationError();
        throw new IOException("echo of message " + recvSeq + " differs at byte " + position);
    }

    private void messageDone(long now) {
        long seq = recvSeq++;
        messagePos = 0;
        switch (worker.config.mode) {
            case ECHO:
                worker.message(now, now - sentAt[(int) (seq % sentAt.length)]);
                break;
            case RATE:
                worker.message(now, now - worker.scheduledTime(index, seq));
                break;
            case CHURN:
                queueControl(Frames.OP_CLOSE, new byte[] {0x03, (byte) 0xE8}, 0, 2); // 1000, normal closure
                state = CLOSING;
                break;
            default:
                break;
        }
    }

    private void queueControl(int opcode, byte[] payload, int from, int length) {
        if (control == null) {
            control = new byte[Frames.MAX_HEADER + 125];
        }
        ByteBuffer frame = ByteBuffer.wrap(control);
        int mask = worker.nextMask();
        Frames.putHeader(frame, 0x80 | opcode, length, true, mask);
        Frames.xorCopy(payload, from, control, frame.position(), length, mask, 0);
        controlLength = frame.position() + length;
    }

    private void closeReceived(long now) {
        if (state == CLOSING) {
            state = DONE;
            worker.cycleDone(this, now);
            closeTlsOutbound();
            close();
        } else {
            peerClosed("the peer sent a Close frame");
        }
    }

    private void peerClosed(String what) {
        if (state == DONE) {
            return;
        }
        boolean wasOpen = state == OPEN;
        state = DONE;
        close();
        worker.peerClosed(this, wasOpen, describe() + ": " + what);
    }

    private void flush() throws IOException {
        if (tls != null) {
            flushTls();
            return;
        }
        if (out != null && out.position() > 0) {
            out.flip();
            channel.write(out);
            out.compact();
        }
        boolean pending = out != null && out.position() > 0;
        int ops = pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /**
     * Encrypts what {@code out} holds (nothing before the TLS handshake is done; at most what the socket takes),
     * writes the engine's pending records and handshake messages, and sets the interest the engine asks for.
     */
    private void flushTls() throws IOException {
        boolean pending = out != null && out.position() > 0;
        if (pending) {
            out.flip();
            tls.write(out);
            out.compact();
            pending = out.position() > 0;
        }
        tls.flush();
        int ops = tls.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /** Sends close_notify after a clean close handshake (best effort: the socket is closed next). */
    private void closeTlsOutbound() {
        if (tls == null) {
            return;
        }
        try {
            tls.closeOutbound();
            tls.flush();
        } catch (IOException | RuntimeException ignored) {
            // Closing anyway.
        }
    }

    private void releaseEmptyBuffers() {
        if (in != null && in.position() == 0) {
            worker.pool.give(in);
            in = null;
        }
        if (out != null && out.position() == 0) {
            worker.pool.give(out);
            out = null;
        }
        if (tls != null) {
            tls.releaseBuffers();
        }
    }

    private void fail(String message) {
        if (state == DONE) {
            return;
        }
        boolean wasOpen = state == OPEN;
        state = DONE;
        close();
        worker.failed(this, wasOpen, message);
    }

    /** Closes the socket (no close handshake) and returns the buffers. */
    void close() {
        state = DONE;
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
        if (tls != null) {
            tls.discardBuffers();
        }
        if (in != null) {
            worker.pool.give(in);
            in = null;
        }
        if (out != null) {
            worker.pool.give(out);
            out = null;
        }
    }
}
