package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A proxy started by the {@link Runner}, with the demo echo backends it relays to, if any. {@link #close()} shuts
 * the proxy down gracefully first (clients get Close 1001, or the {@code --shutdown-close-code}) and then stops
 * the backends.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class RunningProxy implements AutoCloseable {
    private final ProxyServer proxy;
    private final List<EchoServer> demoBackends;

    RunningProxy(ProxyServer proxy, List<EchoServer> demoBackends) {
        this.proxy = proxy;
        this.demoBackends = List.copyOf(demoBackends);
    }

    /** The bound listen addresses, with actual ports. */
    public List<InetSocketAddress> addresses() {
        return proxy.addresses();
    }

    public ProxyServer proxy() {
        return proxy;
    }

    /** The echo backends started for {@code --demo}; empty otherwise. */
    public List<EchoServer> demoBackends() {
        return demoBackends;
    }

    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            demoBackends.forEach(EchoServer::close);
        }
    }
}
