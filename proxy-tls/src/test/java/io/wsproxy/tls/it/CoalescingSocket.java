package io.wsproxy.tls.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A TCP socket whose output can be held back and then written with one write call, to lay an {@link SSLSocket}
 * over: what the TLS layer writes after {@link #hold()} (its last data record and its close_notify, say) reaches
 * the peer in one TCP segment, followed by the FIN when the socket is closed. The JDK's TLS socket writes each
 * record on its own, so without this the peer sees them together only by chance; a peer that writes them back to
 * back (Java-WebSocket's TLS server does) delivers them together most of the time.
 *
 * <p>Meant for one thread that writes and then closes; the methods the TLS layer calls are synchronized.
 */
final class CoalescingSocket extends Socket {
    private HoldingOutput output;

    CoalescingSocket() {
    }

    /**
     * From now on, writes are kept until {@link #shutdownOutput()} or {@link #close()}, which write them in one call
     * before the FIN.
     */
    void hold() throws IOException {
        holdingOutput().holding = true;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        return holdingOutput();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (output != null && !isClosed() && !isOutputShutdown()) {
                output.release();
            }
        } finally {
            super.close();
        }
    }

    /** The TLS layer ends its direction before closing: what was held goes first. */
    @Override
    public synchronized void shutdownOutput() throws IOException {
        if (output != null && !isClosed() && !isOutputShutdown()) {
            output.release();
        }
        super.shutdownOutput();
    }

    private synchronized HoldingOutput holdingOutput() throws IOException {
        if (output == null) {
            output = new HoldingOutput(super.getOutputStream());
        }
        return output;
    }

    /** A coalescing socket connected to 127.0.0.1:{@code port}. */
    static CoalescingSocket connect(int port) throws IOException {
        CoalescingSocket socket = new CoalescingSocket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        return socket;
    }

    /** A TLS client over this socket, handshake done; closing it closes this socket. */
    SSLSocket startTlsClient(SSLContext context, String host) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(this, host, getPort(), true);
        socket.startHandshake();
        return socket;
    }

    /** A TLS server over this (accepted) socket, handshake done; closing it closes this socket. */
    SSLSocket startTlsServer(SSLContext context) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(this, null, true);
        socket.setUseClientMode(false);
        socket.startHandshake();
        return socket;
    }

    /** A loopback listener whose accepted sockets are coalescing sockets. */
    static final class Listener extends ServerSocket {
        Listener() throws IOException {
            super(0, 50, InetAddress.getLoopbackAddress());
        }

        @Override
        public CoalescingSocket accept() throws IOException {
            CoalescingSocket socket = new CoalescingSocket();
            implAccept(socket);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            return socket;
        }
    }

    private static final class HoldingOutput extends OutputStream {
        private final OutputStream socket;
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();
        private boolean holding;

        HoldingOutput(OutputStream socket) {
            this.socket = socket;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (holding) {
                held.write(bytes, offset, length);
            } else {
                socket.write(bytes, offset, length);
            }
        }

        @Override
        public void flush() throws IOException {
            if (!holding) {
                socket.flush();
            }
        }

        /** Writes what was held, in one call. */
        void release() throws IOException {
            if (held.size() > 0) {
                socket.write(held.toByteArray());
                socket.flush();
                held.reset();
            }
        }
    }
}
