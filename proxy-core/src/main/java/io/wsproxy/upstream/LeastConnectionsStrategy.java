package io.wsproxy.upstream;

import java.util.ArrayList;
import java.util.List;

/**
 * Weighted least connections, nginx's {@code least_conn} (HAProxy's {@code leastconn}): the candidate with the fewest
 * connections per unit of weight, compared as {@code load_a * weight_b < load_b * weight_a} so no division rounds
 * anything away; candidates tied for fewest are taken in smooth weighted round-robin, as nginx does, so an idle pool
 * is still spread evenly. The right strategy for WebSockets whose lifetimes differ widely: a member that holds many
 * long-lived connections gets no new ones until the others catch up, where round-robin would keep adding to it.
 *
 * <p>A member's load is its open connections plus the connections being set up to it
 * ({@link Upstream#activeConnections()} + {@link Upstream#pendingConnections()}), as nginx counts a peer's
 * connection from the moment it is chosen. Counting only open ones would send a whole burst of new connections,
 * chosen before the first of their upgrades completes, to the member that was least loaded when the burst began.
 * The pending count is kept by the pool's {@link UpstreamPool.Attempt}, not here, because only the attempt learns
 * of failed and abandoned tries: a strategy's own count would drift up with every failed connect.
 *
 * <p>Thread-safe: loads are read from the members' atomic counters without a lock, so concurrent choices on
 * several event loops may see the same loads (and choose alike) for the moment between a choice and the count
 * that follows it; a tie-break holds the round-robin's monitor for O(tied) arithmetic. No state per member of its
 * own beyond the round-robin's, so members may come and go between calls.
 */
public final class LeastConnectionsStrategy implements BalancingStrategy {
    private final RoundRobinStrategy tieBreak = new RoundRobinStrategy();

    LeastConnectionsStrategy() {
    }

    @Override
    public Upstream choose(List<Upstream> candidates, ClientRequest request) {
        Upstream best = null;
        long bestLoad = 0;
        int tied = 0;
        for (int i = 0; i < candidates.size(); i++) {
            Upstream candidate = candidates.get(i);
            long load = candidate.load();
            if (best == null || load * best.weight() < bestLoad * candidate.weight()) {
                best = candidate;
                bestLoad = load;
                tied = 1;
            } else if (load * best.weight() == bestLoad * candidate.weight()) {
                tied++;
            }
        }
        if (tied == 1) {
            return best;
        }
        List<Upstream> fewest = new ArrayList<>(tied);
        for (int i = 0; i < candidates.size(); i++) {
            Upstream candidate = candidates.get(i);
            // Loads may have moved since the first pass; the tie is judged against the loads that pass saw.
            if (candidate == best || candidate.load() * best.weight() == bestLoad * candidate.weight()) {
                fewest.add(candidate);
            }
        }
        return fewest.size() == 1 ? best : tieBreak.choose(fewest, request);
    }

    @Override
    public String toString() {
        return "least-connections";
    }
}
