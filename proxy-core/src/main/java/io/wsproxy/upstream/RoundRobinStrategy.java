package io.wsproxy.upstream;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Smooth weighted round-robin, the algorithm of nginx's {@code ngx_http_upstream_round_robin.c}: each choice adds
 * every candidate's weight to its current weight, picks the largest, and subtracts the candidates' total from it.
 * Members of weights 5, 1, 1 are chosen a a b a c a a: spread evenly rather than in bursts; equal weights give
 * plain rotation.
 *
 * <p>Thread-safe: a choice holds this strategy's monitor for O(candidates) arithmetic; choices happen once per new
 * connection, never on the relay path.
 */
public final class RoundRobinStrategy implements BalancingStrategy {
    /** Current weight of each member seen so far; entries of removed members are harmless and few. */
    private final Map<Upstream, long[]> currentWeights = new IdentityHashMap<>();

    @Override
    public synchronized Upstream choose(List<Upstream> candidates, ClientRequest request) {
        Upstream best = null;
        long[] bestWeight = null;
        long total = 0;
        for (int i = 0; i < candidates.size(); i++) {
            Upstream upstream = candidates.get(i);
            long[] current = currentWeights.computeIfAbsent(upstream, u -> new long[1]);
            int weight = upstream.weight(); // read once: it may change at any time
            current[0] += weight;
            total += weight;
            if (best == null || current[0] > bestWeight[0]) {
                best = upstream;
                bestWeight = current;
            }
        }
        bestWeight[0] -= total;
        return best;
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
