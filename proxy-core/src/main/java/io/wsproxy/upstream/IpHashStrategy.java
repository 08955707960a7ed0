package io.wsproxy.upstream;

import java.util.List;

/**
 * nginx's {@code ip_hash}: the key is the client's network, the first three octets of an IPv4 address (its /24) or
 * the whole of an IPv6 one, so a client keeps its member across reconnects even when its address changes within
 * the /24 (a carrier's pool of NAT addresses, say); the other clients of that /24 share the member. Weights count,
 * as in nginx.
 *
 * <p>Unlike nginx, which rehashes up to 20 times when the chosen peer is down or tried and then falls back to
 * round-robin, the key is placed by weighted rendezvous hashing ({@link Rendezvous}): when the key's member is not a
 * candidate (the connection tried it already, or it left the pool) the key goes to its next choice, which is the
 * member it would have if the first were removed, and adding or removing one member of N moves only about 1/N of
 * the keys, where nginx's modulo over the total weight moves most of them. For the whole address as the key, or a
 * header, cookie or query parameter, use {@link ConsistentHashStrategy}.
 *
 * <p>Thread-safe without locks: the choice is a pure function of the key and the candidates' URIs and weights. A
 * client address that is not resolved (which the proxy never passes) would go round-robin.
 */
public final class IpHashStrategy implements BalancingStrategy {
    private final RoundRobinStrategy withoutKey = new RoundRobinStrategy();

    IpHashStrategy() {
    }

    @Override
    public Upstream choose(List<Upstream> candidates, ClientRequest request) {
        long key = HashKey.hashAddress(request, true);
        return key == Rendezvous.NO_KEY ? withoutKey.choose(candidates, request) : Rendezvous.choose(candidates, key);
    }

    @Override
    public String toString() {
        return "ip-hash";
    }
}
