package io.wsproxy.benchmarks.load;

import io.wsproxy.benchmarks.Args;
import io.wsproxy.benchmarks.ProcessStats;
import io.wsproxy.benchmarks.WebSocketHandshake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A standalone WebSocket echo backend: {@code --threads T} NIO selector threads (the first also accepts), no thread
 * per connection. Answers each upgrade with a 101 (extensions and subprotocols ignored), then echoes every data frame
 * as one unmasked frame with the same first byte (FIN, opcode) and payload, streaming it through bounded buffers
 * (64 KiB in, 64 KiB out per busy connection, pooled per thread; idle connections hold none) and reading nothing
 * more from a connection whose output cannot drain. Answers pings with pongs, ignores pongs, echoes a Close and then
 * closes the TCP connection.
 *
 * <pre>java -cp wsproxy-benchmarks.jar io.wsproxy.benchmarks.load.EchoServerMain [--listen HOST:PORT (127.0.0.1:9000)] [--threads T (1)]</pre>
 */
public final class EchoServerMain {
    static final String USAGE = "EchoServerMain [--listen HOST:PORT (127.0.0.1:9000)] [--threads T (1)]";
    private static final int BUFFER = 64 * 1024;
    private static final int MAX_HEAD = 16 * 1024;

    private EchoServerMain() {
    }

    public static void main(String[] argv) throws Exception {
        Args args;
        InetSocketAddress listen;
        int threads;
        try {
            args = Args.parse(argv, Set.of("listen", "threads"), USAGE);
            threads = args.intValue("threads", 1, 1);
            listen = LoadTool.hostPort(args.stringValue("listen", "127.0.0.1:9000"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            server.bind(listen, 16_384);
        } catch (IOException e) {
            System.err.println("cannot listen on " + listen.getHostString() + ":" + listen.getPort() + ": " + e);
            System.exit(1);
            return;
        }
        server.configureBlocking(false);
        Worker[] workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(i, workers);
        }
        server.register(workers[0].selector, SelectionKey.OP_ACCEPT, server);
        for (Worker worker : workers) {
            Thread thread = new Thread(worker::run, "echo-server-" + worker.id);
            thread.setDaemon(true);
            thread.start();
        }
        long startCpu = ProcessStats.processCpuNanos();
        long startNanos = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long connections = 0;
            long frames = 0;
            long bytes = 0;
            for (Worker worker : workers) {
                connections += worker.accepted;
                frames += worker.frames;
                bytes += worker.bytes;
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            System.out.printf(java.util.Locale.ROOT,
                    "echo-server: %d connections, %d frames echoed, %d payload bytes, CPU %.2f s in %.1f s%n",
                    connections, frames, bytes, (ProcessStats.processCpuNanos() - startCpu) / 1e9, seconds);
        }));
        InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
        System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }

    /** One selector thread. */
    private static final class Worker {
        final int id;
        final Selector selector;
        final Worker[] all;
        final ConcurrentLinkedQueue<SocketChannel> handoff = new ConcurrentLinkedQueue<>();
        final BufferPool pool = new BufferPool(BUFFER);
        final long[] header = new long[2];
        int nextWorker;
        // Counters read (racily) by the shutdown hook.
        long accepted;
        long frames;
        long bytes;

        Worker(int id, Worker[] all) throws IOException {
            this.id = id;
            this.all = all;
            this.selector = Selector.open();
        }

        void run() {
            try {
                while (true) {
                    selector.select();
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        Object attachment = key.attachment();
                        if (attachment instanceof ServerSocketChannel) {
                            accept((ServerSocketChannel) attachment);
                        } else {
                            Connection connection = (Connection) attachment;
                            try {
                                connection.ready();
                            } catch (IOException | RuntimeException e) {
                                connection.close();
                            }
                        }
                    }
                    SocketChannel channel;
                    while ((channel = handoff.poll()) != null) {
                        register(channel);
                    }
                }
            } catch (IOException e) {
                e.printStackTrace();
                System.exit(1);
            }
        }

        private void accept(ServerSocketChannel server) throws IOException {
            SocketChannel channel;
            while ((channel = server.accept()) != null) {
                Worker target = all[nextWorker];
                nextWorker = (nextWorker + 1) % all.length;
                if (target == this) {
                    register(channel);
                } else {
                    target.handoff.add(channel);
                    target.selector.wakeup();
                }
            }
        }

        private void register(SocketChannel channel) {
            accepted++;
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection connection = new Connection(this, channel);
                connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
            } catch (IOException e) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // Already gone.
                }
            }
        }
    }

    /** One client connection: the upgrade request, then frames. */
    private static final class Connection {
        private final Worker worker;
        private final SocketChannel channel;
        SelectionKey key;
        private ByteBuffer in; // write mode between calls; null while empty
        private ByteBuffer out; // write mode between calls; null while empty
        private boolean upgraded;
        /** Payload bytes of the current data frame still to copy; -1 between frames. */
        private long remaining = -1;
        private long position;
        private int mask;
        /** A Close was echoed: close once the output has drained; read nothing more. */
        private boolean closing;

        Connection(Worker worker, SocketChannel channel) {
            this.worker = worker;
            this.channel = channel;
        }

        void ready() throws IOException {
            if (key.isWritable()) {
                if (!flush()) {
                    return;
                }
                process(); // input that waited for room
                if (!key.isValid()) {
                    return;
                }
            }
            if (key.isReadable() && !closing) {
                if (in == null) {
                    in = worker.pool.take();
                }
                int read = channel.read(in);
                if (read < 0) {
                    close();
                    return;
                }
                process();
            }
        }

        /** Handles buffered input as far as the output allows, writes, and releases empty buffers. */
        private void process() throws IOException {
            while (true) {
                if (in != null && in.position() > 0 && !closing) {
                    if (out == null) {
                        out = worker.pool.take();
                    }
                    in.flip();
                    if (upgraded) {
                        echo();
                    } else {
                        handshake();
                    }
                    in.compact();
                }
                if (!flush()) {
                    return; // output pending: wait for OP_WRITE, read nothing meanwhile
                }
                // Output drained: more input may now fit, unless none is left or it is an incomplete frame.
                if (in == null || in.position() == 0 || closing || !progressPossible()) {
                    break;
                }
            }
            if (in != null && in.position() == 0) {
                worker.pool.give(in);
                in = null;
            }
        }

        /** Whether a pass over the buffered input would copy something (called with empty output). */
        private boolean progressPossible() {
            if (!upgraded) {
                return false; // handshake waits for more bytes
            }
            if (remaining > 0) {
                return true;
            }
            in.flip();
            int header = Frames.parseHeader(in, worker.header);
            boolean possible = header > 0 && ((in.get(in.position()) & 0x08) == 0
                    ? true : in.remaining() >= header + worker.header[0]);
            in.compact();
            return possible;
        }

        private void handshake() throws IOException {
            int end = WebSocketHandshake.headEnd(in.array(), in.limit());
            if (end < 0) {
                if (in.limit() >= MAX_HEAD) {
                    throw new IOException("request head too large");
                }
                return;
            }
            String head = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
            byte[] answer = WebSocketHandshake.switchingProtocolsFor(head);
            if (answer == null) {
                answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
                closing = true;
            } else {
                upgraded = true;
            }
            out.put(answer);
            in.position(end);
        }

        /** Copies frames from {@code in} (read mode) to {@code out} while both allow. */
        private void echo() throws IOException {
            long[] header = worker.header;
            while (true) {
                if (remaining < 0) {
                    int headerLength = Frames.parseHeader(in, header);
                    if (headerLength == 0) {
                        return;
                    }
                    int b0 = in.get(in.position()) & 0xFF;
                    int opcode = b0 & 0x0F;
                    long length = header[0];
                    if (length < 0) {
                        throw new IOException("bad frame length");
                    }
                    if ((opcode & 0x08) != 0) { // control frame: whole, ≤ 125 bytes
                        if (length > 125) {
                            throw new IOException("control frame of " + length + " bytes");
                        }
                        if (in.remaining() < headerLength + length) {
                            return;
                        }
                        if (opcode == Frames.OP_PONG) {
                            in.position(in.position() + headerLength + (int) length);
                            continue;
                        }
                        if (out.remaining() < 2 + length) {
                            return;
                        }
                        int reply = opcode == Frames.OP_PING ? Frames.OP_PONG : opcode;
                        Frames.putHeader(out, 0x80 | reply, length, false, 0);
                        int from = in.position() + headerLength;
                        Frames.xorCopy(in.array(), from, out.array(), out.position(), (int) length,
                                (int) header[1], 0);
                        out.position(out.position() + (int) length);
                        in.position(from + (int) length);
                        if (opcode == Frames.OP_CLOSE) {
                            closing = true;
                            in.position(in.limit()); // nothing after a Close counts
                            return;
                        }
                        continue;
                    }
                    if (out.remaining() < 10) {
                        return;
                    }
                    Frames.putHeader(out, b0, length, false, 0);
                    in.position(in.position() + headerLength);
                    remaining = length;
                    position = 0;
                    mask = (int) header[1];
                    worker.frames++;
                }
                int n = (int) Math.min(remaining, Math.min(in.remaining(), out.remaining()));
                if (n == 0 && remaining > 0) {
                    return;
                }
                Frames.xorCopy(in.array(), in.position(), out.array(), out.position(), n, mask, position);
                in.position(in.position() + n);
                out.position(out.position() + n);
                position += n;
                remaining -= n;
                worker.bytes += n;
                if (remaining == 0) {
                    remaining = -1;
                }
            }
        }

        /** Writes pending output; true when it all went (then reads are on), false when some waits for OP_WRITE. */
        private boolean flush() throws IOException {
            if (out != null && out.position() > 0) {
                out.flip();
                channel.write(out);
                out.compact();
            }
            if (out != null && out.position() > 0) {
                key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
            if (out != null) {
                worker.pool.give(out);
                out = null;
            }
            if (closing) {
                close();
                return false;
            }
            key.interestOps(SelectionKey.OP_READ);
            return true;
        }

        void close() {
            key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing anyway.
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
}
