package io.wsproxy.tls;

import io.wsproxy.UpstreamTransport;
import io.wsproxy.internal.transport.Transport;
import io.wsproxy.tls.internal.LoopBuffers;
import io.wsproxy.tls.internal.TlsConnection;
import io.wsproxy.tls.internal.TlsDefaults;
import io.wsproxy.tls.internal.TlsTransport;
import io.wsproxy.tls.internal.TrustEverything;
import io.wsproxy.upstream.Upstream;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS toward {@code wss://} upstreams, as nginx's {@code proxy_ssl_verify on} with {@code proxy_ssl_server_name on}:
 * the upstream's certificate must chain to a trusted CA and name the host of its URI, and that host is sent as SNI
 * (unless it is an IP address, which then must be in the certificate). ALPN offers {@code http/1.1}; sessions are
 * resumed per upstream.
 *
 * <pre>{@code
 * ProxyServer.builder()
 *         .upstreams(UpstreamPool.of("wss://backend.internal:9443"))
 *         .upstreamTls(UpstreamTls.builder().trust(Path.of("internal-ca.pem")).build())
 * }</pre>
 *
 * <p>A certificate that fails verification fails that upstream like a refused connection: the next one is tried,
 * and the client gets {@code 502} when none is left; the log line says why.
 *
 * <p>Immutable and thread-safe.
 */
public final class UpstreamTls implements UpstreamTransport {
    private static final Logger log = LoggerFactory.getLogger(UpstreamTls.class);

    private final SSLContext context;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final boolean insecure;
    private final String description;

    private UpstreamTls(Builder builder) {
        this.insecure = builder.insecure;
        KeyManager[] keys = builder.clientCertificate == null ? null
                : new KeyManager[] {builder.clientCertificate.keyManager()};
        TrustManager[] trust = insecure ? new TrustManager[] {TrustEverything.INSTANCE}
                : builder.trust == null ? null : new TrustManager[] {builder.trust.trustManager()};
        try {
            context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot make a TLS context: " + e, e);
        }
        this.protocols = TlsDefaults.supported("protocol", builder.protocols != null ? builder.protocols
                : TlsDefaults.PROTOCOLS, context.getSupportedSSLParameters().getProtocols());
        this.cipherSuites = TlsDefaults.supported("cipher suite", builder.cipherSuites != null ? builder.cipherSuites
                : TlsDefaults.cipherSuites(context), context.getSupportedSSLParameters().getCipherSuites());
        this.description = insecure ? "not verified"
                : (builder.trust == null ? "the JDK's trusted CAs" : builder.trust.toString())
                + (builder.clientCertificate == null ? "" : ", client certificate " + builder.clientCertificate);
        if (insecure) {
            log.warn("TLS to wss:// upstreams is NOT VERIFIED (insecure): any certificate is accepted, so anyone on"
                    + " the path to an upstream can read and change its traffic. For development only.");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The JDK's trusted CAs, host names verified, SNI sent: what applies when no {@code upstreamTls} is given. */
    public static UpstreamTls defaults() {
        return builder().build();
    }

    @Override
    public Transport connecting(SocketChannel channel, Upstream upstream) throws IOException {
        SSLEngine engine = context.createSSLEngine(upstream.host(), upstream.address().getPort());
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols);
        parameters.setCipherSuites(cipherSuites);
        parameters.setApplicationProtocols(new String[] {TlsDefaults.HTTP_1_1});
        if (!insecure) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!isIpLiteral(upstream.host())) {
            parameters.setServerNames(List.of(new SNIHostName(upstream.host())));
        }
        engine.setSSLParameters(parameters);
        return new TlsTransport(channel, new TlsConnection(channel, engine, LoopBuffers.current()));
    }

    @Override
    public String toString() {
        return "UpstreamTls[" + description + "]";
    }

    /** RFC 6066 §3: SNI carries host names only, never an address. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** Settings of an {@link UpstreamTls}; every one has a default. */
    public static final class Builder {
        private TrustMaterial trust;
        private KeyMaterial clientCertificate;
        private boolean insecure;
        private List<String> protocols;
        private List<String> cipherSuites;

        private Builder() {
        }

        /** Trust these CAs instead of the JDK's (nginx's {@code proxy_ssl_trusted_certificate}). */
        public Builder trust(TrustMaterial trust) {
            this.trust = Objects.requireNonNull(trust, "trust");
            return this;
        }

        /** Trust the CAs of a PEM bundle; see {@link TrustMaterial#fromPem(Path)}. */
        public Builder trust(Path caBundle) {
            return trust(TrustMaterial.fromPem(caBundle));
        }

        /** Present this certificate to upstreams that ask for one (nginx's {@code proxy_ssl_certificate}). */
        public Builder clientCertificate(KeyMaterial material) {
            this.clientCertificate = Objects.requireNonNull(material, "material");
            return this;
        }

        /**
         * Accepts any certificate for any host name: for development against self-signed upstreams only. Logs a
         * warning when built.
         */
        public Builder insecure() {
            this.insecure = true;
            return this;
        }

        /** The TLS versions to offer. Default TLSv1.3 and TLSv1.2. */
        public Builder protocols(String... protocols) {
            this.protocols = List.of(protocols);
            return this;
        }

        /** The cipher suites to offer, in order of preference. Default: those with forward secrecy and AEAD. */
        public Builder cipherSuites(String... suites) {
            this.cipherSuites = List.of(suites);
            return this;
        }

        /** @throws IllegalArgumentException for an unsupported protocol or suite, naming it */
        public UpstreamTls build() {
            return new UpstreamTls(this);
        }
    }
}
