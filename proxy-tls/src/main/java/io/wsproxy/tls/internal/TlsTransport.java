package io.wsproxy.tls.internal;

import io.wsproxy.TlsInfo;
import io.wsproxy.internal.transport.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The relay's {@link Transport} over a {@link TlsConnection}: application bytes in and out, close_notify before the
 * FIN, and the record buffers given back to the loop's {@link LoopBuffers} whenever they hold nothing, so an idle
 * TLS connection holds no buffer.
 *
 * <p>Loop-thread only.
 */
public final class TlsTransport implements Transport {
    private static final byte[] PLAIN_TEXT_ANSWER = plainTextAnswer();

    private final SocketChannel channel;
    private final TlsConnection tls;
    /** close_notify is queued; the FIN follows once it is written. */
    private boolean finPending;
    private TlsInfo info;

    public TlsTransport(SocketChannel channel, TlsConnection tls) {
        this.channel = channel;
        this.tls = tls;
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
        int n;
        try {
            n = tls.read(destination);
        } catch (TlsException e) {
            if (tls.plainTextPeer() && !tls.engine().getUseClientMode()) {
                answerPlainText();
            }
            throw e;
        }
        // Buffers that hold nothing go back to the loop after every call (a free-list push, no allocation).
        tls.releaseBuffers();
        return n;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        int n = tls.write(source);
        tls.releaseBuffers();
        return n;
    }

    @Override
    public boolean flush() throws IOException {
        if (!tls.flush()) {
            return false;
        }
        if (finPending) {
            finPending = false;
            channel.shutdownOutput();
        }
        tls.releaseBuffers();
        return true;
    }

    @Override
    public int interestOps(int wanted) {
        return tls.interestOps(wanted);
    }

    /** Queues close_notify, and ends the TCP direction as soon as the socket has taken it (see {@link #flush()}). */
    @Override
    public void shutdownOutput() throws IOException {
        if (tls.failure() != null) {
            channel.shutdownOutput();
            return;
        }
        tls.closeOutbound();
        finPending = true;
        flush();
    }

    @Override
    public void close() throws IOException {
        try {
            if (tls.failure() == null && !tls.outboundClosed() && tls.handshakeDone()) {
                // Best effort: tell the peer this is a proper end, if the socket takes the alert now.
                tls.closeOutbound();
            }
        } catch (IOException | RuntimeException e) {
            // The socket is closed next either way.
        } finally {
            tls.discardBuffers();
            channel.close();
        }
    }

    @Override
    public boolean hasBufferedInput() {
        return tls.hasBufferedInput();
    }

    @Override
    public boolean established() {
        return tls.handshakeDone();
    }

    @Override
    public TlsInfo tlsInfo() {
        if (info == null && tls.handshakeDone()) {
            info = describe(tls.engine());
        }
        return info;
    }

    @Override
    public String toString() {
        return "tls";
    }

    /**
     * A plain HTTP request on a TLS port gets a plain {@code 400} that says why, as nginx answers it, rather than a
     * silent close that leaves the operator guessing. Best effort: one non-blocking write.
     */
    private void answerPlainText() {
        try {
            channel.write(ByteBuffer.wrap(PLAIN_TEXT_ANSWER));
        } catch (IOException e) {
            // The connection is closed next either way.
        }
    }

    private static byte[] plainTextAnswer() {
        String body = "This port speaks TLS: connect with wss:// (or https://).\n";
        return ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    private static TlsInfo describe(SSLEngine engine) {
        SSLSession session = engine.getSession();
        String serverName = engine.getUseClientMode() ? null : SniKeyManager.serverName(session);
        List<X509Certificate> peer = new ArrayList<>();
        try {
            for (Certificate certificate : session.getPeerCertificates()) {
                if (certificate instanceof X509Certificate) {
                    peer.add((X509Certificate) certificate);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            // The peer presented no certificate: a client without one.
        }
        String alpn = engine.getApplicationProtocol();
        return new TlsInfo(session.getProtocol(), session.getCipherSuite(), serverName,
                alpn == null || alpn.isEmpty() ? null : alpn, peer);
    }
}
