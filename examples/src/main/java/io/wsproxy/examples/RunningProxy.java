package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy started by the {@link Runner}, with its listeners' TLS, its runtime API and the demo echo backends it
 * relays to, if any. {@link #close()} stops the runtime API ({@code --admin}), shuts the proxy down gracefully
 * (clients get Close 1001, or the {@code --shutdown-close-code}), then stops watching the certificate files and stops
 * the backends.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class RunningProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunningProxy.class);

    private final ProxyServer proxy;
    /** Null when the listeners serve ws://. */
    private final ServerTls tls;
    private final List<EchoServer> demoBackends;
    /** Null without {@code --admin}. */
    private final AdminServer admin;

    RunningProxy(ProxyServer proxy, ServerTls tls, List<EchoServer> demoBackends, AdminServer admin) {
        this.proxy = proxy;
        this.tls = tls;
        this.demoBackends = List.copyOf(demoBackends);
        this.admin = admin;
    }

    /** The runtime API ({@code --admin}); empty when it is off. */
    public Optional<AdminServer> admin() {
        return Optional.ofNullable(admin);
    }

    /** The bound listen addresses, with actual ports. */
    public List<InetSocketAddress> addresses() {
        return proxy.addresses();
    }

    public ProxyServer proxy() {
        return proxy;
    }

    /** The listeners' TLS ({@code --tls-cert}); empty when they serve ws://. */
    public Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
    }

    /** The echo backends started for {@code --demo}; empty otherwise. */
    public List<EchoServer> demoBackends() {
        return demoBackends;
    }

    /**
     * Loads the certificate, key and CA files again and serves them to new connections; open connections keep
     * theirs. This is what SIGHUP does. Logs one line: the certificates now served, or a warning naming the file
     * that does not load, in which case the previous certificates stay in use.
     *
     * @return whether the files were loaded; false also when the listeners serve ws://
     */
    public synchronized boolean reloadCertificates() {
        if (tls == null) {
            log.info("No TLS certificates to reload: the listeners serve ws://");
            return false;
        }
        try {
            tls.reload();
            return true;
        } catch (RuntimeException e) {
            log.warn("TLS certificates not reloaded, still serving the previous ones: {}", e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        try {
            if (admin != null) {
                admin.close(); // no changes to a pool whose proxy is going away
            }
            proxy.close();
        } finally {
            if (tls != null) {
                tls.close();
            }
            demoBackends.forEach(EchoServer::close);
        }
    }
}
