package io.wsproxy.tls.internal;

import io.wsproxy.UpstreamTransport;
import io.wsproxy.internal.transport.Transport;
import io.wsproxy.tls.UpstreamTls;
import io.wsproxy.upstream.Upstream;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * What a {@code ProxyServer} finds through {@link java.util.ServiceLoader} when it has wss:// upstreams and no
 * {@code upstreamTls}: {@link UpstreamTls#defaults()}, made on first use.
 */
public final class DefaultUpstreamTls implements UpstreamTransport {
    private volatile UpstreamTls delegate;

    @Override
    public Transport connecting(SocketChannel channel, Upstream upstream) throws IOException {
        UpstreamTls tls = delegate;
        if (tls == null) {
            synchronized (this) {
                tls = delegate;
                if (tls == null) {
                    tls = UpstreamTls.defaults();
                    delegate = tls;
                }
            }
        }
        return tls.connecting(channel, upstream);
    }

    @Override
    public String toString() {
        return "UpstreamTls[the JDK's trusted CAs]";
    }
}
