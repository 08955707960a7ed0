package io.wsproxy.upstream;

import java.util.List;
import java.util.Objects;

/**
 * Consistent hashing on a {@link HashKey}, nginx's {@code hash KEY consistent} (HAProxy's {@code balance hdr(...)}
 * or {@code url_param} with {@code hash-type consistent}): every connection with the same key goes to the same
 * member, so the members can keep per-key state (a chat room, a tenant's cache, a game session) and the
 * connections that share it meet on one member.
 *
 * <p>The key is placed by weighted rendezvous hashing ({@link Rendezvous}) rather than nginx's ketama ring: shares
 * follow the weights, adding or removing one member of N moves only about 1/N of the keys (only the removed
 * member's keys, when one leaves), and when the key's member is not a candidate (the connection tried it already,
 * or it left the pool) the key goes to its next choice, the member it would have if the first were removed. A
 * member is known by its URI, not by its place in the pool, so it keeps its keys across restarts of the proxy.
 *
 * <p><b>A connection without the key</b> (no such header, cookie or parameter, or an empty value) <b>goes
 * round-robin</b> over the candidates, as nginx's {@code hash} does for an empty key.
 *
 * <p>Thread-safe: a keyed choice is a pure function of the key and the candidates' URIs and weights, without locks;
 * the round-robin for connections without a key holds its monitor for O(candidates) arithmetic.
 */
public final class ConsistentHashStrategy implements BalancingStrategy {
    private final HashKey key;
    private final RoundRobinStrategy withoutKey = new RoundRobinStrategy();

    ConsistentHashStrategy(HashKey key) {
        this.key = Objects.requireNonNull(key, "key");
    }

    /** What is hashed. */
    public HashKey key() {
        return key;
    }

    @Override
    public Upstream choose(List<Upstream> candidates, ClientRequest request) {
        long hash = key.hash(request);
        return hash == Rendezvous.NO_KEY ? withoutKey.choose(candidates, request) : Rendezvous.choose(candidates, hash);
    }

    /** The name {@link BalancingStrategy#byName} takes for it, e.g. {@code hash:header:X-Tenant}. */
    @Override
    public String toString() {
        return "hash:" + key;
    }
}
