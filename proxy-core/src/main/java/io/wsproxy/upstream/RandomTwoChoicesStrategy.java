package io.wsproxy.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The power of two random choices (nginx's {@code random two least_conn}, Envoy's {@code LEAST_REQUEST} default,
 * HAProxy's {@code random(2)}): two distinct candidates drawn at random in proportion to their weights, and of
 * those the one with fewer connections per unit of weight; on a tie the first drawn. Load is open plus pending
 * connections, as for {@link LeastConnectionsStrategy}.
 *
 * <p>Why besides least-connections: it needs no lock and no shared state, and it does not herd. When several proxies
 * (or event loops) see the same stale loads, least-connections sends all of them to the same least-loaded member;
 * two random choices spreads them, and still keeps the most loaded member's excess to O(log log n) where one
 * random choice would give O(log n / log log n). With no load differences it is weighted random.
 *
 * <p>Thread-safe without locks: the random numbers come from {@link ThreadLocalRandom}, loads from the members'
 * atomic counters. Keeps no state per member, so members may come and go between calls.
 */
public final class RandomTwoChoicesStrategy implements BalancingStrategy {
    /** The calling thread's generator; a seeded one in tests. */
    private final Supplier<RandomGenerator> random;

    RandomTwoChoicesStrategy() {
        this(ThreadLocalRandom::current);
    }

    RandomTwoChoicesStrategy(Supplier<RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public Upstream choose(List<Upstream> candidates, ClientRequest request) {
        int count = candidates.size();
        if (count == 1) {
            return candidates.get(0);
        }
        long totalWeight = 0;
        for (int i = 0; i < count; i++) {
            totalWeight += candidates.get(i).weight();
        }
        RandomGenerator generator = random.get();
        int first = draw(candidates, generator.nextLong(totalWeight), -1);
        Upstream a = candidates.get(first);
        Upstream b = candidates.get(draw(candidates, generator.nextLong(totalWeight - a.weight()), first));
        return b.load() * a.weight() < a.load() * b.weight() ? b : a;
    }

    /** The candidate at {@code point} of the weights laid end to end, leaving out the one at {@code skip}. */
    private static int draw(List<Upstream> candidates, long point, int skip) {
        int last = -1;
        for (int i = 0; i < candidates.size(); i++) {
            if (i == skip) {
                continue;
            }
            point -= candidates.get(i).weight();
            if (point < 0) {
                return i;
            }
            last = i;
        }
        return last; // not reached: point < the weights' sum
    }

    @Override
    public String toString() {
        return "random-two";
    }
}
