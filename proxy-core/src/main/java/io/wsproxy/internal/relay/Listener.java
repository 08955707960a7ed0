package io.wsproxy.internal.relay;

import io.wsproxy.ListenerTransport;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A listen address and what carries its connections.
 *
 * @param address   where to listen (port 0 for an ephemeral port)
 * @param transport TLS for a wss:// listener; null for plain ws://
 */
public record Listener(InetSocketAddress address, ListenerTransport transport) {
    public Listener {
        Objects.requireNonNull(address, "address");
    }

    /** Whether clients arrive over TLS. */
    boolean secure() {
        return transport != null && transport.secure();
    }
}
