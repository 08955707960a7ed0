package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rendezvous hashing on a key, driven through pools. The key sets are fixed (tenant-0 … tenant-9999) and so are the
 * members' URIs, so every figure here is the same on every run; the tolerances say how far from the expectation a
 * good hash may fall (several standard deviations), not how lucky these keys were.
 */
class ConsistentHashStrategyTest {
    private static final int KEYS = 10_000;
    private static final HashKey TENANT = HashKey.header("X-Tenant");

    private static ClientRequest tenant(int i) {
        return Traffic.withHeader("X-Tenant", "tenant-" + i);
    }

    private static UpstreamPool pool(Upstream... members) {
        return Traffic.pool(BalancingStrategy.consistentHash(TENANT), members);
    }

    /** Where each of the {@link #KEYS} keys goes: through an attempt whose first choice succeeds and closes. */
    private static List<Upstream> placement(UpstreamPool pool) {
        List<Upstream> placement = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            Traffic.Connection connection = Traffic.open(pool, tenant(i));
            placement.add(connection.upstream());
            connection.close();
        }
        return placement;
    }

    @Test
    void aKeyStaysOnItsMemberWhateverTrafficComesBetween() {
        UpstreamPool pool = pool(Traffic.members(1, 1, 1));
        Upstream first = Traffic.open(pool, tenant(7)).upstream();
        for (int i = 0; i < 1000; i++) {
            Traffic.open(pool, tenant(1000 + i)); // other tenants, left open
            Traffic.open(pool, Traffic.ANONYMOUS); // connections without the key
            assertEquals(first, Traffic.open(pool, tenant(7)).upstream());
        }
    }

    @Test
    void connectionsWithoutTheKeyGoRoundRobin() {
        Upstream[] members = Traffic.members(1, 1, 1);
        UpstreamPool pool = pool(members);
        List<Upstream> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ClientRequest withoutKey = i % 2 == 0 ? Traffic.ANONYMOUS : Traffic.withHeader("X-Tenant", "");
            chosen.add(Traffic.open(pool, withoutKey).upstream());
        }
        assertEquals(List.of(members[0], members[1], members[2], members[0], members[1], members[2]), chosen);
    }

    @Test
    void equalMembersGetAThirdOfTheKeysEachWithinThreePoints() {
        UpstreamPool pool = pool(Traffic.members(1, 1, 1));
        Map<Upstream, Integer> counts = count(pool, placement(pool));
        // A share of 10,000 keys has a standard deviation of 0.47 points: 3 points is over 6 of them.
        counts.values().forEach(count -> assertEquals(1 / 3.0, count / (double) KEYS, 0.03, counts::toString));
    }

    @Test
    void weightsOneTwoThreeGetProportionalSharesWithinThreePoints() {
        UpstreamPool pool = pool(Traffic.members(1, 2, 3));
        List<Integer> counts = Traffic.inPoolOrder(pool, count(pool, placement(pool)));
        for (int i = 0; i < 3; i++) {
            assertEquals((i + 1) / 6.0, counts.get(i) / (double) KEYS, 0.03, counts::toString);
        }
    }

    @Test
    void addingAFourthMemberMovesAQuarterOfTheKeysAllToIt() {
        Upstream[] members = Traffic.members(1, 1, 1, 1);
        List<Upstream> before = placement(pool(members[0], members[1], members[2]));
        List<Upstream> after = placement(pool(members));
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            if (before.get(i) != after.get(i)) {
                moved++;
                assertEquals(members[3], after.get(i), "a key moved between the members that stayed");
            }
        }
        // 1/4 expected; 5 points more is over 11 standard deviations.
        assertTrue(moved <= KEYS * (0.25 + 0.05), "moved " + moved + " of " + KEYS);
        assertTrue(moved >= KEYS * (0.25 - 0.05), "moved " + moved + " of " + KEYS);
    }

    @Test
    void removingAMemberMovesOnlyItsKeys() {
        Upstream[] members = Traffic.members(1, 1, 1, 1);
        List<Upstream> before = placement(pool(members));
        List<Upstream> after = placement(pool(members[0], members[1], members[3]));
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            if (before.get(i) == members[2]) {
                moved++;
            } else {
                assertEquals(before.get(i), after.get(i), "key " + i + " moved though its member stayed");
            }
        }
        assertEquals(0.25, moved / (double) KEYS, 0.05);
    }

    @Test
    void aKeyWhoseMemberWasTriedGoesToItsSecondChoiceTheMemberItWouldHaveWithoutTheFirst() {
        Traffic.assertSecondChoiceIsTheChoiceWithoutTheFirst(ConsistentHashStrategyTest::pool,
                Traffic.members(1, 1, 1), ConsistentHashStrategyTest::tenant, 1000);
    }

    @Test
    void aMemberIsKnownByItsUriNotByItsPlaceOrInstance() {
        List<Upstream> placement = placement(pool(Traffic.members(1, 1, 1)));
        Upstream[] again = Traffic.members(1, 1, 1); // new instances, as after a restart of the proxy
        List<Upstream> reversed = placement(pool(again[2], again[1], again[0]));
        for (int i = 0; i < KEYS; i++) {
            assertEquals(placement.get(i).uri(), reversed.get(i).uri());
        }
    }

    @Test
    void cookiesAndQueryParametersAreKeysToo() {
        UpstreamPool byCookie = Traffic.pool(BalancingStrategy.consistentHash(HashKey.cookie("session")),
                Traffic.members(1, 1, 1));
        UpstreamPool byQuery = Traffic.pool(BalancingStrategy.consistentHash(HashKey.query("room")),
                Traffic.members(1, 1, 1));
        for (int i = 0; i < 100; i++) {
            Upstream cookie = Traffic.open(byCookie, Traffic.withCookies("theme=dark; session=s" + i)).upstream();
            Upstream query = Traffic.open(byQuery, Traffic.withQuery("user=" + i + "&room=r" + i)).upstream();
            for (int j = 0; j < 5; j++) {
                assertEquals(cookie, Traffic.open(byCookie, Traffic.withCookies("session=s" + i + "; x=" + j))
                        .upstream());
                assertEquals(query, Traffic.open(byQuery, Traffic.withQuery("room=r" + i + "&n=" + j)).upstream());
            }
        }
    }

    @Test
    void theClientAddressIsAKey() {
        UpstreamPool pool =
                Traffic.pool(BalancingStrategy.consistentHash(HashKey.clientIp()), Traffic.members(1, 1, 1));
        Upstream first = Traffic.open(pool, Traffic.from("192.0.2.10")).upstream();
        for (int i = 0; i < 100; i++) {
            Traffic.open(pool, Traffic.from("192.0.2." + (20 + i)));
            assertEquals(first, Traffic.open(pool, Traffic.from("192.0.2.10")).upstream());
        }
    }

    private static Map<Upstream, Integer> count(UpstreamPool pool, List<Upstream> placement) {
        Map<Upstream, Integer> counts = Traffic.zeroCounts(pool);
        placement.forEach(member -> counts.merge(member, 1, Integer::sum));
        return counts;
    }
}
