package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundRobinStrategyTest {
    private static final ClientRequest REQUEST =
            new ClientRequest(new InetSocketAddress("127.0.0.1", 5000), "/", null, Map.of());

    @Test
    void equalWeightsRotateInPoolOrder() {
        List<Upstream> members = List.of(Upstream.of("ws://127.0.0.1:1"), Upstream.of("ws://127.0.0.1:2"),
                Upstream.of("ws://127.0.0.1:3"));
        RoundRobinStrategy strategy = new RoundRobinStrategy();
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            order.append(strategy.choose(members, REQUEST).address().getPort());
        }
        assertEquals("123123123", order.toString());
    }

    @Test
    void weightsAreSpreadSmoothlyLikeNginx() {
        Upstream a = Upstream.of("ws://127.0.0.1:1", 5);
        Upstream b = Upstream.of("ws://127.0.0.1:2", 1);
        Upstream c = Upstream.of("ws://127.0.0.1:3", 1);
        RoundRobinStrategy strategy = new RoundRobinStrategy();
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            Upstream chosen = strategy.choose(List.of(a, b, c), REQUEST);
            order.append(chosen == a ? 'a' : chosen == b ? 'b' : 'c');
        }
        // The sequence nginx's smooth weighted round-robin gives for weights 5, 1, 1.
        assertEquals("aabacaa", order.toString());
    }

    @Test
    void weightsOneTwoThreeOverAThousandChoicesAreExactlyProportional() {
        List<Upstream> members = List.of(Upstream.of("ws://127.0.0.1:1", 1), Upstream.of("ws://127.0.0.1:2", 2),
                Upstream.of("ws://127.0.0.1:3", 3));
        RoundRobinStrategy strategy = new RoundRobinStrategy();
        Map<Upstream, Integer> counts = new HashMap<>();
        for (int i = 0; i < 1200; i++) {
            counts.merge(strategy.choose(members, REQUEST), 1, Integer::sum);
        }
        assertEquals(200, counts.get(members.get(0)));
        assertEquals(400, counts.get(members.get(1)));
        assertEquals(600, counts.get(members.get(2)));
    }

    @Test
    void aThousandConnectionsOverThreeEqualMembersAreSpreadExactly() {
        UpstreamPool pool = Traffic.pool(BalancingStrategy.roundRobin(), Traffic.members(1, 1, 1));
        Map<Upstream, Integer> counts = Traffic.spread(pool, 1000, false);
        assertEquals(List.of(334, 333, 333), Traffic.inPoolOrder(pool, counts));
    }

    @Test
    void aThousandConnectionsOverWeightsOneTwoThreeAreProportionalWithinOne() {
        UpstreamPool pool = Traffic.pool(BalancingStrategy.roundRobin(), Traffic.members(1, 2, 3));
        List<Integer> counts = Traffic.inPoolOrder(pool, Traffic.spread(pool, 1000, true));
        double[] expected = {1000 / 6.0, 2000 / 6.0, 3000 / 6.0};
        for (int i = 0; i < 3; i++) {
            assertTrue(Math.abs(counts.get(i) - expected[i]) <= 1, counts + " against " + expected[i]);
        }
    }

    @Test
    void aCandidateSubsetStillRotates() {
        Upstream a = Upstream.of("ws://127.0.0.1:1");
        Upstream b = Upstream.of("ws://127.0.0.1:2");
        Upstream c = Upstream.of("ws://127.0.0.1:3");
        RoundRobinStrategy strategy = new RoundRobinStrategy();
        assertEquals(a, strategy.choose(List.of(a, b, c), REQUEST));
        // a was tried and failed: only b and c remain for this connection.
        assertEquals(b, strategy.choose(List.of(b, c), REQUEST));
        assertEquals(c, strategy.choose(List.of(a, b, c), REQUEST));
    }
}
