package io.wsproxy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;

/**
 * A snapshot of one client connection, from {@link ProxyServer#connections()}.
 *
 * @param id               the connection's number, as in the log lines ({@code #id})
 * @param client           the client's address
 * @param upstream         the upstream it is relayed to (or being connected to); null before one is chosen
 * @param state            where the connection stands
 * @param clientRoundTrip  the last heartbeat round trip to the client, or null when none was measured
 * @param upstreamRoundTrip the last heartbeat round trip to the upstream, or null when none was measured
 * @param tls              for a connection to a wss:// listener, what its TLS handshake settled (with the client's
 *                         certificate under mutual TLS); null for ws:// and before the handshake completed
 */
public record ConnectionInfo(long id, InetSocketAddress client, URI upstream, State state, Duration clientRoundTrip,
        Duration upstreamRoundTrip, TlsInfo tls) {

    public enum State {
        /** Reading the client's request, or connecting to and upgrading with an upstream. */
        HANDSHAKE,
        /** Relaying frames. */
        RELAYING,
        /** A close handshake or an error answer is under way. */
        CLOSING
    }
}
