package io.wsproxy;

import io.wsproxy.internal.transport.Transport;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * What carries the connections a listener accepts, when it is not plain TCP: the proxy-tls module's
 * {@code io.wsproxy.tls.ServerTls} implements it for wss:// listeners. Pass one to
 * {@link ProxyServer.Builder#listen(java.net.InetSocketAddress, ListenerTransport)}.
 *
 * <p>A seam for the project's own modules rather than for applications: {@link Transport} is internal and may change
 * in any release.
 */
public interface ListenerTransport {

    /** The URI scheme clients use on such a listener: {@code wss}. */
    String scheme();

    /**
     * Whether connections arrive over TLS, which the upstream request reports as {@code X-Forwarded-Proto: https}.
     */
    boolean secure();

    /**
     * Wraps a newly accepted, non-blocking client socket. Called on the event loop that will own the connection;
     * must not block.
     *
     * @throws IOException when the connection cannot be set up; the socket is then closed
     */
    Transport accepted(SocketChannel channel) throws IOException;
}
