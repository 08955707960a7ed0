package io.wsproxy.tls;

import io.wsproxy.ListenerTransport;
import io.wsproxy.internal.transport.Transport;
import io.wsproxy.tls.internal.FileWatch;
import io.wsproxy.tls.internal.LoopBuffers;
import io.wsproxy.tls.internal.SniKeyManager;
import io.wsproxy.tls.internal.TlsConnection;
import io.wsproxy.tls.internal.TlsDefaults;
import io.wsproxy.tls.internal.TlsTransport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * wss:// termination for a {@link io.wsproxy.ProxyServer} listener: nginx's {@code ssl_certificate} and
 * {@code ssl_certificate_key}, with several certificates chosen by SNI, reloading without a restart, and optional
 * client certificates.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.builder()
 *         .certificate(Path.of("fullchain.pem"), Path.of("privkey.pem"))
 *         .watch(Duration.ofMinutes(1))
 *         .build();
 * ProxyServer proxy = ProxyServer.builder()
 *         .listen(new InetSocketAddress(8443), tls)
 *         .upstreams(UpstreamPool.of("ws://10.0.0.1:9000"))
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p><b>Defaults</b>: TLS 1.3 and 1.2 only; only cipher suites with forward secrecy and authenticated encryption;
 * session resumption on (the JDK's session cache and TLS 1.3 tickets); ALPN answers {@code http/1.1}.
 *
 * <p><b>SNI</b>: each certificate serves the DNS names of its subjectAltName (or its common name when it has none),
 * wildcards included; an exact name beats a wildcard, and a client sending no name or an unknown one gets the first
 * certificate added, the default.
 *
 * <p><b>Reload</b>: {@link #reload()} (and, with {@link Builder#watch(Duration)}, any change of the files) loads every
 * certificate and trust file again and swaps them in for new handshakes; connections already open keep their
 * session. When the new files do not load, the old ones stay in use and the error is reported (thrown by
 * {@code reload()}, logged by the watch).
 *
 * <p><b>Client certificates</b>: with {@link Builder#clientAuth(ClientAuth, Path)} the verified certificate of each
 * connection is in {@link io.wsproxy.TlsInfo#peerCertificate()}, available from
 * {@link io.wsproxy.upstream.ClientRequest#tls()} and {@link io.wsproxy.ConnectionInfo#tls()}.
 *
 * <p>Thread-safe. One instance may serve several listeners and servers. {@link #close()} stops the watch.
 */
public final class ServerTls implements ListenerTransport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    private final List<Source<KeyMaterial>> certificates;
    private final ClientAuth clientAuth;
    private final Source<TrustMaterial> clientTrust;
    private final List<String> protocols;
    private final List<String> cipherSuites;
    private final FileWatch watch;
    /** Replaced whole by {@link #reload()}; read once per accepted connection. */
    private volatile Loaded loaded;

    private ServerTls(Builder builder) {
        this.certificates = List.copyOf(builder.certificates);
        this.clientAuth = builder.clientAuth;
        this.clientTrust = builder.clientTrust;
        this.protocols = builder.protocols;
        this.cipherSuites = builder.cipherSuites;
        this.loaded = load();
        log.info("TLS certificates loaded: {}", loaded.describe());
        if (builder.watchInterval != null) {
            List<Path> files = new ArrayList<>();
            for (Source<KeyMaterial> source : certificates) {
                files.addAll(source.files);
            }
            if (clientTrust != null) {
                files.addAll(clientTrust.files);
            }
            this.watch = files.isEmpty() ? null : new FileWatch(files, builder.watchInterval, this::reloadFromWatch);
        } else {
            this.watch = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads every certificate, key and trust file again and uses them for new handshakes; open connections are not
     * touched. Safe from any thread, at any time.
     *
     * @throws IllegalArgumentException naming the file, when something does not load; the previous material stays
     *                                  in use
     */
    public void reload() {
        Loaded fresh = load();
        loaded = fresh;
        log.info("TLS certificates reloaded: {}", fresh.describe());
    }

    /** The certificates in use now, the default first. */
    public List<KeyMaterial> certificates() {
        return loaded.materials;
    }

    @Override
    public String scheme() {
        return "wss";
    }

    @Override
    public boolean secure() {
        return true;
    }

    @Override
    public Transport accepted(SocketChannel channel) throws IOException {
        Loaded current = loaded;
        SSLEngine engine = current.context.createSSLEngine();
        engine.setUseClientMode(false);
        TlsDefaults.configureServer(engine, current.protocols, current.cipherSuites);
        if (clientAuth == ClientAuth.REQUIRED) {
            engine.setNeedClientAuth(true);
        } else if (clientAuth == ClientAuth.OPTIONAL) {
            engine.setWantClientAuth(true);
        }
        return new TlsTransport(channel, new TlsConnection(channel, engine, LoopBuffers.current()));
    }

    /** Stops watching the files; connections and listeners are not affected. Idempotent. */
    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }

    @Override
    public String toString() {
        return "ServerTls" + loaded.describe();
    }

    private void reloadFromWatch() {
        try {
            reload();
        } catch (IllegalArgumentException e) {
            log.warn("TLS files changed but do not load; still serving the previous certificates: {}", e.getMessage());
        }
    }

    private Loaded load() {
        List<KeyMaterial> materials = new ArrayList<>();
        List<X509ExtendedKeyManager> managers = new ArrayList<>();
        List<List<String>> names = new ArrayList<>();
        for (Source<KeyMaterial> source : certificates) {
            KeyMaterial material = source.load();
            materials.add(material);
            managers.add(material.keyManager());
            names.add(material.dnsNames());
        }
        TrustManager[] trust = null;
        if (clientTrust != null) {
            trust = new TrustManager[] {clientTrust.load().trustManager()};
        }
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new SniKeyManager(managers, names)}, trust, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot make a TLS context: " + e, e);
        }
        String[] enabledProtocols = TlsDefaults.supported("protocol",
                protocols != null ? protocols : TlsDefaults.PROTOCOLS,
                context.getSupportedSSLParameters().getProtocols());
        String[] suites = TlsDefaults.supported("cipher suite",
                cipherSuites != null ? cipherSuites : TlsDefaults.cipherSuites(context),
                context.getSupportedSSLParameters().getCipherSuites());
        return new Loaded(context, List.copyOf(materials), enabledProtocols, suites, clientAuth);
    }

    /** Everything a handshake needs, swapped as a whole. */
    private static final class Loaded {
        final SSLContext context;
        final List<KeyMaterial> materials;
        final String[] protocols;
        final String[] cipherSuites;
        final ClientAuth clientAuth;

        Loaded(SSLContext context, List<KeyMaterial> materials, String[] protocols, String[] cipherSuites,
                ClientAuth clientAuth) {
            this.context = context;
            this.materials = materials;
            this.protocols = protocols;
            this.cipherSuites = cipherSuites;
            this.clientAuth = clientAuth;
        }

        String describe() {
            List<String> each = new ArrayList<>();
            for (KeyMaterial material : materials) {
                each.add(material.dnsNames() + " until " + material.notAfter());
            }
            return each + " " + Arrays.toString(protocols)
                    + (clientAuth == ClientAuth.NONE ? "" : " client certificates " + clientAuth);
        }
    }

    /** Loads one piece of material, again at every reload; {@code files} are what a watch polls. */
    private static final class Source<T> {
        final Supplier<T> loader;
        final List<Path> files;

        Source(Supplier<T> loader, List<Path> files) {
            this.loader = loader;
            this.files = files;
        }

        T load() {
            return Objects.requireNonNull(loader.get(), "A certificate source returned null");
        }
    }

    /** Settings of a {@link ServerTls}; at least one certificate is required. */
    public static final class Builder {
        private final List<Source<KeyMaterial>> certificates = new ArrayList<>();
        private ClientAuth clientAuth = ClientAuth.NONE;
        private Source<TrustMaterial> clientTrust;
        private List<String> protocols;
        private List<String> cipherSuites;
        private Duration watchInterval;

        private Builder() {
        }

        /** A certificate chain and unencrypted key from PEM files; see {@link KeyMaterial#fromPem(Path, Path)}. */
        public Builder certificate(Path certificateChain, Path privateKey) {
            return certificate(certificateChain, privateKey, null);
        }

        /**
         * A certificate chain and key from PEM files, the key encrypted with {@code password} (or not, when null).
         * The first certificate added is the default. The password is kept (a copy) to load the key again at a
         * reload.
         */
        public Builder certificate(Path certificateChain, Path privateKey, char[] password) {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
            char[] kept = password == null ? null : password.clone();
            certificates.add(new Source<>(() -> KeyMaterial.fromPem(certificateChain, privateKey, kept),
                    List.of(certificateChain, privateKey)));
            return this;
        }

        /** A key entry of a PKCS#12 or JKS key store; see {@link KeyMaterial#fromKeyStore}. Passwords are kept. */
        public Builder keyStore(Path keyStore, char[] storePassword, String alias, char[] keyPassword) {
            Objects.requireNonNull(keyStore, "keyStore");
            char[] store = Objects.requireNonNull(storePassword, "storePassword").clone();
            char[] key = keyPassword == null ? null : keyPassword.clone();
            certificates.add(new Source<>(() -> KeyMaterial.fromKeyStore(keyStore, store, alias, key),
                    List.of(keyStore)));
            return this;
        }

        /**
         * Key material from elsewhere (a secrets manager, say); {@code source} is called again at every
         * {@link ServerTls#reload()}. Not watched: no files are known.
         */
        public Builder certificate(Supplier<KeyMaterial> source) {
            certificates.add(new Source<>(Objects.requireNonNull(source, "source"), List.of()));
            return this;
        }

        /**
         * Asks clients for a certificate that chains to one of the CAs in {@code caBundle} (PEM), nginx's
         * {@code ssl_verify_client on|optional} with {@code ssl_client_certificate}. The bundle is reloaded and
         * watched with the certificates.
         */
        public Builder clientAuth(ClientAuth mode, Path caBundle) {
            Objects.requireNonNull(caBundle, "caBundle");
            return clientAuth(mode, new Source<>(() -> TrustMaterial.fromPem(caBundle), List.of(caBundle)));
        }

        /** As {@link #clientAuth(ClientAuth, Path)}, with trust material loaded already (not reloaded). */
        public Builder clientAuth(ClientAuth mode, TrustMaterial trust) {
            Objects.requireNonNull(trust, "trust");
            return clientAuth(mode, new Source<>(() -> trust, List.of()));
        }

        private Builder clientAuth(ClientAuth mode, Source<TrustMaterial> trust) {
            this.clientAuth = Objects.requireNonNull(mode, "mode");
            this.clientTrust = mode == ClientAuth.NONE ? null : trust;
            return this;
        }

        /** The TLS versions to accept, e.g. {@code "TLSv1.3"} alone. Default TLSv1.3 and TLSv1.2. */
        public Builder protocols(String... protocols) {
            this.protocols = List.of(protocols);
            return this;
        }

        /** The cipher suites to accept, in order of preference (JDK names). Default: see the class comment. */
        public Builder cipherSuites(String... suites) {
            this.cipherSuites = List.of(suites);
            return this;
        }

        /**
         * Polls the certificate, key and CA files every {@code interval} and reloads when one changes. Off by
         * default; {@link ServerTls#reload()} works either way.
         */
        public Builder watch(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 10) {
                throw new IllegalArgumentException("The watch interval must be at least 10 ms, got " + interval);
            }
            this.watchInterval = interval;
            return this;
        }

        /**
         * Loads every file now and makes the TLS settings.
         *
         * @throws IllegalArgumentException naming the file or setting, when something does not load or is not
         *                                  supported
         * @throws IllegalStateException    when no certificate was added
         */
        public ServerTls build() {
            if (certificates.isEmpty()) {
                throw new IllegalStateException("No certificate: call certificate(...) or keyStore(...) before build()");
            }
            return new ServerTls(this);
        }
    }
}
