package io.wsproxy.tls.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * A TLS peer for the tests: one selector loop thread that accepts one connection (or, made by {@link #connecting},
 * opens one as the TLS client) and drives a {@link TlsConnection} over it, as a relay would. In {@link Mode#ECHO}
 * it sends back what it reads, stopping to read while the connection does not take its bytes; in {@link Mode#SEND}
 * it sends a fixed pattern of {@code sendTotal} bytes and discards what it reads. What happens is reported through
 * futures and volatile fields, written only by the loop thread. {@link #close()} stops the thread and closes every
 * channel.
 */
final class TlsTestLoop implements AutoCloseable {
    enum Mode { ECHO, SEND }

    /** The byte at offset {@code offset} of the {@link Mode#SEND} stream. */
    static byte patternByte(long offset) {
        return (byte) (offset % 251);
    }

    private static final long DEADLINE_SECONDS = 10;
    private static final com.sun.management.ThreadMXBean ALLOCATION =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final SSLContext context;
    private final Mode mode;
    private final long sendTotal;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final ByteBuffer application;
    private final ByteBuffer pattern;
    private volatile boolean stopping;
    /** Non-null for a loop that connects to this address instead of accepting. */
    private final InetSocketAddress connectTo;
    /** Give the buffers back whenever the connection is idle. */
    volatile boolean releaseWhenIdle;
    /** With {@link #releaseWhenIdle}: the connection held no buffer after an idle moment with the handshake done. */
    final CompletableFuture<Void> idleWithoutBuffers = new CompletableFuture<>();

    final CompletableFuture<String> protocol = new CompletableFuture<>();
    /** The message of the failure the connection reported. */
    final CompletableFuture<String> failure = new CompletableFuture<>();
    /** read returned -1; the value is the truncated flag. */
    final CompletableFuture<Boolean> endOfInput = new CompletableFuture<>();
    /** The server closed the socket. */
    final CompletableFuture<Void> socketClosed = new CompletableFuture<>();
    /** {@link Mode#SEND}: write consumed nothing and the loop waits for OP_WRITE; the value is the bytes sent. */
    final CompletableFuture<Long> stalled = new CompletableFuture<>();
    volatile long sent;
    volatile int maxNetworkIn;
    volatile int maxNetworkOut;
    volatile int maxStaging;
    volatile int packetSize;
    volatile int applicationSize;
    volatile Throwable loopError;
    /** Bytes the loop thread allocated inside TlsConnection calls since the last {@link #resetAllocation()}. */
    volatile long driverAllocated;
    volatile long readsWithData;
    private volatile boolean resetRequested;

    private SocketChannel channel;
    private SSLEngine engine;
    private TlsConnection tls;
    private boolean closingAfterFlush;

    TlsTestLoop(SSLContext context, Mode mode, int applicationBuffer, long sendTotal) throws IOException {
        this(context, mode, applicationBuffer, sendTotal, null);
    }

    /** A loop that connects to {@code port} on the loopback address as a TLS client, in {@link Mode#ECHO}. */
    static TlsTestLoop connecting(SSLContext context, int port) throws IOException {
        return new TlsTestLoop(context, Mode.ECHO, 64 << 10, 0,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    private TlsTestLoop(SSLContext context, Mode mode, int applicationBuffer, long sendTotal,
            InetSocketAddress connectTo) throws IOException {
        this.connectTo = connectTo;
        this.context = context;
        this.mode = mode;
        this.sendTotal = sendTotal;
        this.application = ByteBuffer.allocate(applicationBuffer);
        this.pattern = ByteBuffer.allocate(251 * 256);
        for (int i = 0; i < pattern.capacity(); i++) {
            pattern.put(i, patternByte(i));
        }
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::run, "tls-test-loop");
        thread.start();
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    /** Zeroes {@link #driverAllocated} and {@link #readsWithData} on the loop's next event. */
    void resetAllocation() {
        resetRequested = true;
    }

    private void run() {
        try {
            if (connectTo != null) {
                SocketChannel connected = SocketChannel.open(connectTo);
                SSLEngine clientEngine = context.createSSLEngine("rsa.example.test", connectTo.getPort());
                clientEngine.setUseClientMode(true);
                javax.net.ssl.SSLParameters parameters = clientEngine.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                clientEngine.setSSLParameters(parameters);
                start(connected, clientEngine);
            }
            while (!stopping) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isAcceptable()) {
                        accept(key);
                    } else if (key.isValid()) {
                        handle(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            loopError = e;
        }
    }

    private void accept(SelectionKey key) throws IOException {
        SocketChannel accepted = server.accept();
        if (accepted == null) {
            return;
        }
        if (channel != null) {
            accepted.close();
            return;
        }
        SSLEngine serverEngine = context.createSSLEngine();
        serverEngine.setUseClientMode(false);
        start(accepted, serverEngine);
    }

    private void start(SocketChannel accepted, SSLEngine connectionEngine) throws IOException {
        channel = accepted;
        engine = connectionEngine;
        channel.configureBlocking(false);
        SelectionKey connectionKey = channel.register(selector, 0);
        try {
            tls = new TlsConnection(channel, engine, TlsBuffers.heap());
        } catch (TlsException e) {
            failed(e.getMessage());
            return;
        }
        handle(connectionKey);
    }

    private void handle(SelectionKey key) throws IOException {
        if (resetRequested) {
            resetRequested = false;
            driverAllocated = 0;
            readsWithData = 0;
        }
        long before = ALLOCATION.getCurrentThreadAllocatedBytes();
        try {
            if (mode == Mode.ECHO) {
                echo();
            } else {
                send();
            }
            boolean flushed = tls.flush();
            driverAllocated += ALLOCATION.getCurrentThreadAllocatedBytes() - before;
            if (tls.handshakeDone() && !protocol.isDone()) {
                protocol.complete(engine.getSession().getProtocol());
            }
            if (closingAfterFlush && flushed) {
                closeSocket();
                return;
            }
        } catch (TlsException e) {
            failed(e.getMessage());
            return;
        } catch (IOException e) {
            failed(e.toString());
            return;
        }
        recordCapacities();
        if (!endOfInput.isDone() || closingAfterFlush) {
            int wants = 0;
            if (!endOfInput.isDone() && application.position() == 0) {
                wants |= SelectionKey.OP_READ;
            }
            if (application.position() > 0 || mode == Mode.SEND && sent < sendTotal) {
                wants |= SelectionKey.OP_WRITE;
            }
            key.interestOps(tls.interestOps(wants));
        }
    }

    private void echo() throws IOException {
        while (true) {
            if (application.position() > 0) {
                application.flip();
                tls.write(application);
                application.compact();
                if (application.position() > 0) {
                    return;
                }
            }
            int count = tls.read(application);
            if (count > 0) {
                readsWithData++;
                continue;
            }
            if (count < 0) {
                inputEnded();
                return;
            }
            if (!tls.hasBufferedInput()) {
                if (releaseWhenIdle && application.position() == 0 && tls.handshakeDone() && tls.flush()
                        && tls.releaseBuffers()) {
                    idleWithoutBuffers.complete(null);
                }
                return;
            }
        }
    }

    private void send() throws IOException {
        ByteBuffer discard = application.clear();
        int count;
        while ((count = tls.read(discard)) > 0 || count == 0 && tls.hasBufferedInput()) {
            discard.clear();
        }
        if (count < 0) {
            inputEnded();
            return;
        }
        while (tls.handshakeDone() && sent < sendTotal && !closingAfterFlush) {
            int at = (int) (sent % 251);
            pattern.limit((int) Math.min(pattern.capacity(), at + sendTotal - sent)).position(at);
            int written = tls.write(pattern);
            sent += written;
            if (written == 0) {
                stalled.complete(sent);
                return;
            }
        }
        if (sent == sendTotal && !closingAfterFlush) {
            tls.closeOutbound();
            closingAfterFlush = true;
        }
    }

    private void inputEnded() throws IOException {
        endOfInput.complete(tls.truncated());
        if (tls.truncated()) {
            closeSocket();
        } else {
            tls.closeOutbound();
            closingAfterFlush = true;
        }
    }

    private void recordCapacities() {
        if (tls.handshakeDone() && packetSize == 0) {
            packetSize = engine.getSession().getPacketBufferSize();
            applicationSize = engine.getSession().getApplicationBufferSize();
        }
        maxNetworkIn = Math.max(maxNetworkIn, tls.networkInCapacity());
        maxNetworkOut = Math.max(maxNetworkOut, tls.networkOutCapacity());
        maxStaging = Math.max(maxStaging, tls.stagingCapacity());
    }

    private void failed(String message) throws IOException {
        failure.complete(message);
        closeSocket();
    }

    private void closeSocket() throws IOException {
        channel.close();
        socketClosed.complete(null);
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while stopping the loop thread", e);
        }
        if (channel != null) {
            channel.close();
        }
        server.close();
        selector.close();
        if (thread.isAlive()) {
            throw new AssertionError("The loop thread did not stop within " + DEADLINE_SECONDS + " s");
        }
        if (loopError != null) {
            throw new AssertionError("The loop failed", loopError);
        }
    }

}
