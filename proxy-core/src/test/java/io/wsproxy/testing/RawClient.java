package io.wsproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client on a plain {@link Socket}: sends arbitrary bytes (also one at a time), reads an HTTP response head and
 * body, and reads and writes WebSocket frames without any library in between. Every read has a timeout (5 s by
 * default) so a test fails instead of hanging.
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String hostHeader;

    private RawClient(Socket socket, InetSocketAddress address) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
        this.hostHeader = address.getHostString() + ":" + address.getPort();
    }

    public static RawClient connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5_000);
        socket.connect(address, 5_000);
        return new RawClient(socket, address);
    }

    /**
     * Connects over TLS with {@code factory} (an {@code SSLSocketFactory}, whose trust decides what the proxy's
     * certificate must be) and completes the TLS handshake; the WebSocket handshake is the caller's.
     */
    public static RawClient connectTls(InetSocketAddress address, javax.net.ssl.SSLSocketFactory factory)
            throws IOException {
        Socket tcp = new Socket();
        tcp.setTcpNoDelay(true);
        tcp.connect(address, 5_000);
        javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) factory.createSocket(tcp, "localhost",
                address.getPort(), true);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return new RawClient(socket, address);
    }

    /** Connects and completes a WebSocket handshake (no subprotocol, no extension), checking the 101 and Accept. */
    public static RawClient open(InetSocketAddress address) throws IOException {
        RawClient client = connect(address);
        client.handshake();
        return client;
    }

    /** {@code Host} value naming the address this client connected to. */
    public String hostHeader() {
        return hostHeader;
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

    /** A valid upgrade request for {@code path} with {@code key}, plus extra header lines ("Name: value"). */
    public String upgradeRequest(String path, String key, String... extraHeaders) {
        StringBuilder request = new StringBuilder()
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        for (String header : extraHeaders) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /** Sends a valid upgrade request and expects {@code 101} with the right Accept; returns the response head. */
    public HttpHead handshake(String... extraHeaders) throws IOException {
        String key = HttpHead.newKey();
        send(upgradeRequest("/", key, extraHeaders));
        HttpHead response = readHead();
        assertEquals(101, response.status(), () -> "Expected 101, got " + response);
        assertEquals(HttpHead.acceptFor(key), response.header("Sec-WebSocket-Accept"), "Sec-WebSocket-Accept");
        return response;
    }

    public RawClient send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Writes each byte in its own write call (TCP_NODELAY is on, so mostly in its own segment). */
    public RawClient sendOneByteAtATime(byte[] bytes) throws IOException {
        for (byte b : bytes) {
            out.write(b);
            out.flush();
        }
        return this;
    }

    public HttpHead readHead() throws IOException {
        return HttpHead.read(in);
    }

    public byte[] readBody(HttpHead head) throws IOException {
        return head.readBody(in);
    }

    /** Reads the next frame; frames from the proxy to a client must not be masked, which callers check. */
    public Frame readFrame() throws IOException {
        return Frame.read(in);
    }

    public RawClient sendText(String text) throws IOException {
        return send(Frame.text(text, true));
    }

    public RawClient sendBinary(byte[] payload) throws IOException {
        return send(Frame.binary(payload, true));
    }

    public RawClient sendClose(int code, String reason) throws IOException {
        return send(Frame.close(code, reason, true));
    }

    /**
     * Reads and discards until the proxy closes the connection (EOF or reset), failing if that does not happen
     * within {@code deadline}. Returns the number of bytes discarded.
     */
    public long awaitEof(Duration deadline) throws IOException {
        return awaitEof(socket, in, deadline, "client connection");
    }

    static long awaitEof(Socket socket, InputStream in, Duration deadline, String what) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        long discarded = 0;
        byte[] sink = new byte[8192];
        int previousTimeout = socket.getSoTimeout();
        try {
            while (true) {
                long remainingMillis = (end - System.nanoTime()) / 1_000_000;
                if (remainingMillis <= 0) {
                    fail("The proxy did not close the " + what + " within " + deadline.toMillis() + " ms");
                }
                socket.setSoTimeout((int) Math.max(1, remainingMillis));
                int n;
                try {
                    n = in.read(sink);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (SocketException e) {
                    return discarded; // reset: closed as well
                }
                if (n < 0) {
                    return discarded;
                }
                discarded += n;
            }
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(previousTimeout);
            }
        }
    }

    /** Closes the TCP connection with a reset (SO_LINGER 0), the way a crashed peer disappears. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
