package io.wsproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on a plain {@link ServerSocket} (127.0.0.1, ephemeral port) that a test scripts step by step:
 * {@link #accept(Duration)} hands over each connection the proxy opens, and the test reads the upgrade request,
 * answers anything (a 403 with a body, a 101 with a wrong Accept, nothing at all, a correct 101), then writes
 * arbitrary bytes, reads the proxy's frames (which must be masked), stops reading, or drops TCP.
 */
public final class RawUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
    private final List<Connection> all = new CopyOnWriteArrayList<>();
    private final AtomicInteger acceptedCount = new AtomicInteger();
    private final Thread acceptor;
    private final int receiveBufferSize;

    private RawUpstream(int receiveBufferSize) throws IOException {
        this.receiveBufferSize = receiveBufferSize;
        server = new ServerSocket();
        if (receiveBufferSize > 0) {
            server.setReceiveBufferSize(receiveBufferSize); // inherited by accepted sockets
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        acceptor = new Thread(this::acceptLoop, "raw-upstream-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static RawUpstream start() throws IOException {
        return new RawUpstream(0);
    }

    /** With a small receive buffer on accepted sockets, so that an upstream that stops reading fills up sooner. */
    public static RawUpstream startWithReceiveBuffer(int bytes) throws IOException {
        return new RawUpstream(bytes);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(5_000);
                Connection connection = new Connection(socket);
                all.add(connection);
                acceptedCount.incrementAndGet();
                accepted.add(connection);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public String uri() {
        return "ws://127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    public int acceptedCount() {
        return acceptedCount.get();
    }

    /** The next connection the proxy opened; fails if none comes within {@code deadline}. */
    public Connection accept(Duration deadline) throws InterruptedException {
        Connection connection = accepted.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(connection, "The proxy opened no connection to the upstream within " + deadline.toMillis() + " ms");
        return connection;
    }

    /** Accepts the next connection and completes the WebSocket handshake on it correctly. */
    public Connection acceptHandshake() throws IOException, InterruptedException {
        Connection connection = accept(Duration.ofSeconds(5));
        connection.completeHandshake();
        return connection;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Connection connection : all) {
            connection.close();
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One connection from the proxy. */
    public final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private HttpHead request;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            this.out = socket.getOutputStream();
        }

        public Socket socket() {
            return socket;
        }

        public InputStream input() {
            return in;
        }

        public OutputStream output() {
            return out;
        }

        /** Reads the proxy's upgrade request head. */
        public HttpHead readRequest() throws IOException {
            request = HttpHead.read(in);
            return request;
        }

        /** The request read by {@link #readRequest()}, or null. */
        public HttpHead request() {
            return request;
        }

        /** Reads the request and answers a correct {@code 101}, echoing a subprotocol if asked for one. */
        public HttpHead completeHandshake() throws IOException {
            HttpHead head = readRequest();
            String key = head.header("Sec-WebSocket-Key");
            assertNotNull(key, () -> "The proxy's upgrade request has no Sec-WebSocket-Key: " + head);
            send("HTTP/1.1 101 Switching Protocols\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + HttpHead.acceptFor(key) + "\r\n\r\n");
            return head;
        }

        public Connection send(String ascii) throws IOException {
            return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        public Connection send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            return this;
        }

        /** Reads the next frame; frames from the proxy to an upstream must be masked, which callers check. */
        public Frame readFrame() throws IOException {
            return Frame.read(in);
        }

        /** Reads the next frame and checks it is a masked Close with {@code code}; returns it. */
        public Frame expectClose(int code) throws IOException {
            Frame frame = readFrame();
            if (!frame.isClose()) {
                fail("Expected a Close " + code + " at the upstream, got " + frame);
            }
            assertEquals(true, frame.masked(), "Close frames from the proxy to an upstream must be masked");
            assertEquals(code, frame.closeCode(), () -> "Close code at the upstream, reason '" + frame.closeReason() + "'");
            return frame;
        }

        /** Fails unless the proxy closes this connection (EOF or reset) within {@code deadline}. */
        public long awaitEof(Duration deadline) throws IOException {
            return RawClient.awaitEof(socket, in, deadline, "upstream connection");
        }

        /** Drops TCP with a reset. */
        public void abort() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "RawUpstream[" + port() + (receiveBufferSize > 0 ? ", rcvbuf " + receiveBufferSize : "") + "]";
    }
}
