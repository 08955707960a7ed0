package io.wsproxy.upstream;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

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

    /** Smooth weighted round-robin, as nginx does it. The default. */
    static BalancingStrategy roundRobin() {
        return new RoundRobinStrategy();
    }

    /**
     * Weighted least connections, as nginx's {@code least_conn}: fewest open and pending connections per unit of
     * weight, ties in round-robin. See {@link LeastConnectionsStrategy}.
     */
    static BalancingStrategy leastConnections() {
        return new LeastConnectionsStrategy();
    }

    /**
     * The power of two random choices: of two members drawn by weight, the one with fewer connections per unit of
     * weight. See {@link RandomTwoChoicesStrategy}.
     */
    static BalancingStrategy twoRandomChoices() {
        return new RandomTwoChoicesStrategy();
    }

    /**
     * nginx's {@code ip_hash}: a client's /24 (IPv4) or address (IPv6) keeps its member, placed by rendezvous
     * hashing. See {@link IpHashStrategy}.
     */
    static BalancingStrategy ipHash() {
        return new IpHashStrategy();
    }

    /**
     * Consistent (rendezvous) hashing on {@code key}; connections without the key go round-robin. See
     * {@link ConsistentHashStrategy}.
     */
    static BalancingStrategy consistentHash(HashKey key) {
        return new ConsistentHashStrategy(key);
    }

    /**
     * The built-in strategy of that name, as accepted by the runner's {@code --balance}: {@code round-robin},
     * {@code least-connections} (or {@code least-conn}), {@code random-two} (or {@code p2c}), {@code ip-hash}, and
     * consistent hashing on the client address ({@code hash:ip}), a header ({@code hash:header:X-Tenant}), a cookie
     * ({@code hash:cookie:session}) or a query parameter ({@code hash:query:room}). Names are case-insensitive; the
     * header, cookie and parameter names after them are kept as given (cookie and parameter names are
     * case-sensitive).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones, or a malformed {@code hash:} key
     */
    static BalancingStrategy byName(String name) {
        String trimmed = Objects.requireNonNull(name, "name").trim();
        String lowerCase = trimmed.toLowerCase(Locale.ROOT);
        if (lowerCase.startsWith("hash:")) {
            try {
                return consistentHash(HashKey.parse(trimmed.substring("hash:".length())));
            } catch (IllegalArgumentException e) {
                String reason = e.getMessage();
                throw new IllegalArgumentException("Invalid balancing strategy '" + name + "': "
                        + Character.toLowerCase(reason.charAt(0)) + reason.substring(1));
            }
        }
        switch (lowerCase) {
            case "round-robin":
            case "roundrobin":
                return roundRobin();
            case "least-connections":
            case "least-conn":
                return leastConnections();
            case "random-two":
            case "p2c":
                return twoRandomChoices();
            case "ip-hash":
                return ipHash();
            default:
                throw new IllegalArgumentException("Unknown balancing strategy '" + name + "'; known: round-robin,"
                        + " least-connections (least-conn), random-two (p2c), ip-hash, hash:ip, hash:header:NAME,"
                        + " hash:cookie:NAME, hash:query:NAME");
        }
    }
}
