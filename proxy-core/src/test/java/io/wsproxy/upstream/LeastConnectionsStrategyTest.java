package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastConnectionsStrategyTest {

    @Test
    void connectionsThatEndAtOnceAreSpreadInRoundRobin() {
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), Traffic.members(1, 1, 1));
        Map<Upstream, Integer> counts = Traffic.spread(pool, 1000, false);
        assertEquals(List.of(334, 333, 333), Traffic.inPoolOrder(pool, counts));
    }

    @Test
    void aThousandOpenConnectionsAreSpreadExactly() {
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), Traffic.members(1, 1, 1));
        List<Integer> counts = Traffic.inPoolOrder(pool, Traffic.spread(pool, 1000, true));
        // Ties among the least loaded go by smooth round-robin among those tied, so which member gets the
        // 1,000th is not simply the first in pool order.
        assertEquals(List.of(333, 333, 334), counts.stream().sorted().toList(), counts::toString);
    }

    @Test
    void openConnectionsFollowTheWeights() {
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), Traffic.members(1, 2, 3));
        Map<Upstream, Integer> counts = Traffic.spread(pool, 600, true);
        assertEquals(List.of(100, 200, 300), Traffic.inPoolOrder(pool, counts));
    }

    @Test
    void newConnectionsAvoidAMemberHoldingLongLivedOnesUntilTheOthersCatchUp() {
        Upstream[] members = Traffic.members(1, 1, 1);
        Upstream a = members[0];
        // a holds 100 connections from before (opened while it was the only member, say).
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), a), 100);
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), members);

        assertEquals(List.of(0, 100, 100), Traffic.inPoolOrder(pool, Traffic.spread(pool, 200, true)));
        assertEquals(List.of(100, 100, 100), Traffic.inPoolOrder(pool, Traffic.spread(pool, 300, true)));
    }

    @Test
    void aMemberWhoseConnectionsEndedGetsTheNextOnes() {
        Upstream[] members = Traffic.members(1, 1, 1);
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), members);
        List<Traffic.Connection> open = Traffic.hold(pool, 30);
        open.stream().filter(connection -> connection.upstream() == members[1]).limit(10)
                .forEach(Traffic.Connection::close);
        assertEquals(0, members[1].activeConnections());

        assertEquals(List.of(0, 10, 0), Traffic.inPoolOrder(pool, Traffic.spread(pool, 10, true)));
    }

    @Test
    void aBurstChosenBeforeAnyUpgradeCompletesIsSpreadByThePendingCounts() {
        Upstream[] members = Traffic.members(1, 1, 1);
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), members[1]), 10);
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), members[2]), 10);
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), members);

        // 30 connections are chosen and none has completed its upgrade yet.
        List<UpstreamPool.Attempt> burst = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(Traffic.ANONYMOUS, 3);
            attempt.next();
            burst.add(attempt);
        }
        // 50 in all, 10 each on members 1 and 2 already: a gets 10 to catch up, then the other 20 go 7/7/6.
        int[] loads = {members[0].pendingConnections(), 10 + members[1].pendingConnections(),
                10 + members[2].pendingConnections()};
        assertTrue(loads[0] == 17 || loads[0] == 16, () -> List.of(loads[0], loads[1], loads[2]).toString());
        assertTrue(Math.abs(loads[1] - loads[2]) <= 1 && Math.abs(loads[0] - loads[1]) <= 1,
                () -> List.of(loads[0], loads[1], loads[2]).toString());

        burst.forEach(UpstreamPool.Attempt::succeeded);
        assertEquals(loads[0], members[0].activeConnections());
        assertEquals(0, members[0].pendingConnections());
    }

    @Test
    void whenTheLeastLoadedWasTriedTheNextLeastLoadedIsChosen() {
        Upstream[] members = Traffic.members(1, 1, 1);
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), members[1]), 5);
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), members[2]), 10);
        UpstreamPool pool = Traffic.pool(BalancingStrategy.leastConnections(), members);

        UpstreamPool.Attempt attempt = pool.attempt(Traffic.ANONYMOUS, 3);
        assertEquals(members[0], attempt.next());
        attempt.failed();
        assertEquals(members[1], attempt.next());
        attempt.failed();
        assertEquals(members[2], attempt.next());
    }

    @Test
    void loadIsComparedPerUnitOfWeight() {
        Upstream light = Upstream.of("ws://127.0.0.1:9001", 1);
        Upstream heavy = Upstream.of("ws://127.0.0.1:9002", 4);
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), light), 2);
        Traffic.hold(Traffic.pool(BalancingStrategy.roundRobin(), heavy), 7);
        LeastConnectionsStrategy strategy = new LeastConnectionsStrategy();
        // 7/4 < 2/1: the heavy member has the lower load per unit of weight.
        assertEquals(heavy, strategy.choose(List.of(light, heavy), Traffic.ANONYMOUS));
    }

    @Test
    void membersMayComeAndGoBetweenChoices() {
        Upstream[] members = Traffic.members(1, 1, 1, 1);
        LeastConnectionsStrategy strategy = new LeastConnectionsStrategy();
        assertEquals(members[0], strategy.choose(List.of(members[0], members[1]), Traffic.ANONYMOUS));
        assertEquals(members[2], strategy.choose(List.of(members[2], members[3]), Traffic.ANONYMOUS));
        assertEquals(members[1], strategy.choose(List.of(members[0], members[1], members[3]), Traffic.ANONYMOUS));
    }
}
