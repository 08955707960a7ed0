package io.wsproxy.upstream;

import java.util.List;
import java.util.Locale;

/**
 * Chooses the upstream for each new client connection: the balancing SPI, in the shape of nginx's upstream
 * modules. A pool has one strategy; for each connection the pool opens an {@link UpstreamPool.Attempt} that asks
 * the strategy for a member among those the connection has not tried yet, and tells the pool the outcome.
 *
 * <p>Threading: every method is called from the proxy's event-loop threads, concurrently. Implementations must be
 * thread-safe and quick: no I/O, no blocking, no lock held for long. A strategy instance may serve one pool only.
 */
public interface BalancingStrategy {

    /**
     * Picks one of {@code candidates} for the connection described by {@code request}, or returns null to decline
     * it (the client then gets {@code 503 Service Unavailable}).
     *
     * @param candidates the pool's members this connection has not tried yet, in pool order; never empty, and
     *                   not to be modified
     * @param request    the client's address and upgrade request
     * @return an element of {@code candidates}, or null
     */
    Upstream choose(List<Upstream> candidates, ClientRequest request);

    /** A connection to {@code upstream} completed its handshake and is being relayed. */
    default void connectionOpened(Upstream upstream) {
    }

    /** A connection to {@code upstream} reported by {@link #connectionOpened} has ended. */
    default void connectionClosed(Upstream upstream) {
    }

    /** Smooth weighted round-robin, as nginx does it. */
    static BalancingStrategy roundRobin() {
        return new RoundRobinStrategy();
    }

    /**
     * The built-in strategy of that name, as accepted by the runner's {@code --balance}: {@code round-robin}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    static BalancingStrategy byName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "round-robin":
            case "roundrobin":
                return roundRobin();
            default:
                throw new IllegalArgumentException("Unknown balancing strategy '" + name + "'; known: round-robin");
        }
    }
}
