package io.wsproxy.benchmarks.load;

import io.wsproxy.tls.TrustMaterial;
import io.wsproxy.tls.internal.LoopBuffers;
import io.wsproxy.tls.internal.TlsConnection;
import io.wsproxy.tls.internal.TrustEverything;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * The load tool's client side of TLS ({@code --tls}): one {@link SSLContext} for the run and, per connection, a
 * client-mode {@link SSLEngine} driven by proxy-tls's {@link TlsConnection} on the worker's selector thread.
 *
 * <p>Every connection sends SNI ({@code --tls-server-name}, default {@code localhost}) and offers ALPN
 * {@code http/1.1}, with the JDK's default protocols (TLS 1.3 and 1.2), cipher suites and key-exchange groups; the
 * server picks. The certificate is accepted as it is unless {@code --tls-ca FILE} names the CAs to trust, which
 * also turns on host name verification against the SNI name (without {@code --tls-resume} the JDK reports a name
 * that does not match as "Hostname or IP address is undefined": it falls back to the engine's peer host, which is
 * not set then).
 *
 * <p><b>Resumption.</b> Without {@code --tls-resume} each engine is made without a peer host and port, so the
 * JDK's session cache is never consulted and every connection makes a full handshake (key exchange, certificate,
 * signature). With it, engines are keyed by server name and port and the JDK resumes a cached session (TLS 1.3: a
 * PSK from the server's session ticket, still with a fresh ECDHE key exchange).
 *
 * <p>Immutable; {@link #open} may be called from any worker thread (the {@link SSLContext} is thread-safe, each
 * engine and its buffers belong to the calling thread).
 */
final class ClientTls {
    private static final String HTTP_1_1 = "http/1.1";

    private final SSLContext context;
    private final String serverName;
    private final int port;
    private final boolean verify;
    private final boolean resume;

    private ClientTls(SSLContext context, String serverName, int port, boolean verify, boolean resume) {
        this.context = context;
        this.serverName = serverName;
        this.port = port;
        this.verify = verify;
        this.resume = resume;
    }

    /**
     * A client for {@code port} of the target, sending {@code serverName} as SNI, trusting the CAs of {@code caFile}
     * (and verifying the host name) or, when it is null, any certificate.
     *
     * @throws IllegalArgumentException when the CA file does not load or the JDK has no TLS
     */
    static ClientTls create(String serverName, int port, Path caFile, boolean resume) {
        TrustManager trust = caFile == null ? TrustEverything.INSTANCE : TrustMaterial.fromPem(caFile).trustManager();
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return new ClientTls(context, serverName, port, caFile != null, resume);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the JDK cannot make a TLS context: " + e, e);
        }
    }

    /** Starts the handshake over {@code channel} (connected); the TLS records go through the returned connection. */
    TlsConnection open(SocketChannel channel) throws IOException {
        // No peer host and port: the JDK neither looks up nor offers a cached session.
        SSLEngine engine = resume ? context.createSSLEngine(serverName, port) : context.createSSLEngine();
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        parameters.setApplicationProtocols(new String[] {HTTP_1_1});
        if (verify) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        engine.setSSLParameters(parameters);
        return new TlsConnection(channel, engine, LoopBuffers.current());
    }

    String serverName() {
        return serverName;
    }

    boolean verify() {
        return verify;
    }

    boolean resume() {
        return resume;
    }
}
