package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Drives an {@link UpstreamPool} as the proxy does, without sockets: each connection is an attempt whose first
 * choice succeeds, and which the test may close later. Counts where connections went.
 */
final class Traffic {
    static final ClientRequest ANONYMOUS = from("127.0.0.1");

    private Traffic() {
    }

    /** A connection that went to {@link #upstream}, relayed until {@link #close()}. */
    record Connection(UpstreamPool.Attempt attempt, Upstream upstream) {
        void close() {
            attempt.closed();
        }
    }

    /** Opens one connection: the pool's first choice succeeds. */
    static Connection open(UpstreamPool pool, ClientRequest request) {
        UpstreamPool.Attempt attempt = pool.attempt(request, 3);
        Upstream chosen = attempt.next();
        assertNotNull(chosen, "the strategy declined");
        attempt.succeeded();
        return new Connection(attempt, chosen);
    }

    /** Opens {@code count} connections and leaves them open. */
    static List<Connection> hold(UpstreamPool pool, int count) {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            connections.add(open(pool, ANONYMOUS));
        }
        return connections;
    }

    /**
     * Checks, for the first {@code count} requests, that a connection whose first choice failed goes to the member it
     * would get from a pool without the first ({@code poolOf} builds a pool of the strategy under test): a hash's
     * second choice, as rendezvous hashing gives it.
     */
    static void assertSecondChoiceIsTheChoiceWithoutTheFirst(Function<Upstream[], UpstreamPool> poolOf,
            Upstream[] members, IntFunction<ClientRequest> requests, int count) {
        UpstreamPool pool = poolOf.apply(members);
        for (int i = 0; i < count; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(requests.apply(i), 3);
            Upstream first = attempt.next();
            attempt.failed();
            Upstream second = attempt.next();
            attempt.failed();
            assertNotEquals(first, second);
            List<Upstream> others = new ArrayList<>(List.of(members));
            others.remove(first);
            assertEquals(open(poolOf.apply(others.toArray(Upstream[]::new)), requests.apply(i)).upstream(), second);
        }
    }

    /** Fails one try of {@code member}: an attempt that skips the other members until it offers {@code member}. */
    static void failOnce(UpstreamPool pool, Upstream member) {
        UpstreamPool.Attempt attempt = pool.attempt(ANONYMOUS, pool.members().size());
        while (attempt.next() != member) {
            attempt.abandon(); // neither a failure nor a success of the other member
        }
        attempt.failed();
    }

    /** How many of {@code count} connections, each closed at once, went to {@code member}. */
    static int countTo(UpstreamPool pool, Upstream member, int count) {
        return spread(pool, count, false).get(member);
    }

    /** Where {@code count} connections went: each left open ({@code keepOpen}) or closed at once. */
    static Map<Upstream, Integer> spread(UpstreamPool pool, int count, boolean keepOpen) {
        Map<Upstream, Integer> counts = zeroCounts(pool);
        for (int i = 0; i < count; i++) {
            Connection connection = open(pool, ANONYMOUS);
            counts.merge(connection.upstream(), 1, Integer::sum);
            if (!keepOpen) {
                connection.close();
            }
        }
        return counts;
    }

    static Map<Upstream, Integer> zeroCounts(UpstreamPool pool) {
        Map<Upstream, Integer> counts = new LinkedHashMap<>();
        pool.members().forEach(member -> counts.put(member, 0));
        return counts;
    }

    /** Counts in pool order, e.g. [333, 333, 334]. */
    static List<Integer> inPoolOrder(UpstreamPool pool, Map<Upstream, Integer> counts) {
        List<Integer> ordered = new ArrayList<>();
        pool.members().forEach(member -> ordered.add(counts.getOrDefault(member, 0)));
        return ordered;
    }

    static UpstreamPool pool(BalancingStrategy strategy, Upstream... members) {
        // Passive health off: these tests fail tries to see where a strategy sends a key next, not to mark members down.
        UpstreamPool.Builder builder = UpstreamPool.builder().strategy(strategy)
                .passiveHealth(0, Duration.ofSeconds(10));
        for (Upstream member : members) {
            builder.add(member);
        }
        return builder.build();
    }

    /** Members ws://127.0.0.1:9001, :9002, … of the given weights. */
    static Upstream[] members(int... weights) {
        Upstream[] members = new Upstream[weights.length];
        for (int i = 0; i < weights.length; i++) {
            members[i] = Upstream.of("ws://127.0.0.1:" + (9001 + i), weights[i]);
        }
        return members;
    }

    static ClientRequest from(String clientIp) {
        return new ClientRequest(new InetSocketAddress(clientIp, 40000), "/", null, Map.of());
    }

    /** A request from 127.0.0.1 with one header (any case). */
    static ClientRequest withHeader(String name, String value) {
        return new ClientRequest(new InetSocketAddress("127.0.0.1", 40000), "/", null,
                Map.of(name.toLowerCase(Locale.ROOT), List.of(value)));
    }

    static ClientRequest withQuery(String query) {
        return new ClientRequest(new InetSocketAddress("127.0.0.1", 40000), "/", query, Map.of());
    }

    static ClientRequest withCookies(String... cookieHeaders) {
        return new ClientRequest(new InetSocketAddress("127.0.0.1", 40000), "/", null,
                Map.of("cookie", List.of(cookieHeaders)));
    }
}
