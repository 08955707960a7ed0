package io.wsproxy;

import io.wsproxy.internal.transport.Transport;
import io.wsproxy.upstream.Upstream;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * What carries connections to {@code wss://} upstreams: the proxy-tls module's {@code io.wsproxy.tls.UpstreamTls}
 * implements it, with certificate and host-name verification. Pass one to
 * {@link ProxyServer.Builder#upstreamTls(UpstreamTransport)}; when none is given and the pool has wss:// members, the
 * proxy-tls module's default (the JDK's trusted CAs, host names verified) is found on the class path.
 *
 * <p>A seam for the project's own modules rather than for applications: {@link Transport} is internal and may change
 * in any release.
 */
public interface UpstreamTransport {

    /**
     * Wraps a socket that is connecting to {@code upstream} (non-blocking; it may not be connected yet). Called on the
     * event loop that owns the connection; must not block.
     *
     * @throws IOException when the connection cannot be set up; the upstream then counts as failed
     */
    Transport connecting(SocketChannel channel, Upstream upstream) throws IOException;
}
