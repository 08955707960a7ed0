package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** nginx's ip_hash keys (an IPv4 /24, a whole IPv6 address) placed by rendezvous hashing; driven through pools. */
class IpHashStrategyTest {

    private static UpstreamPool pool(Upstream... members) {
        return Traffic.pool(BalancingStrategy.ipHash(), members);
    }

    /** 10.x.y.1 for the i-th /24 network. */
    private static ClientRequest network(int i) {
        return Traffic.from("10." + (i / 250) + "." + (i % 250) + ".1");
    }

    @Test
    void aClientStaysOnItsMemberWhateverTrafficComesBetween() {
        UpstreamPool pool = pool(Traffic.members(1, 1, 1));
        Upstream first = Traffic.open(pool, Traffic.from("198.51.100.7")).upstream();
        for (int i = 0; i < 1000; i++) {
            Traffic.open(pool, network(i));
            assertEquals(first, Traffic.open(pool, Traffic.from("198.51.100.7")).upstream());
        }
    }

    @Test
    void theClientsOfOneIpv4NetworkShareAMember() {
        UpstreamPool pool = pool(Traffic.members(1, 1, 1));
        for (int network = 0; network < 50; network++) {
            String prefix = "172.16." + network + ".";
            Upstream first = Traffic.open(pool, Traffic.from(prefix + "1")).upstream();
            for (int host = 2; host < 255; host += 7) {
                assertEquals(first, Traffic.open(pool, Traffic.from(prefix + host)).upstream(), prefix + host);
            }
        }
    }

    @Test
    void anIpv6AddressIsAKeyOfItsOwn() {
        UpstreamPool pool = pool(Traffic.members(1, 1, 1));
        Set<Upstream> used = new HashSet<>();
        for (int i = 1; i <= 30; i++) {
            String address = "2001:db8::" + Integer.toHexString(i);
            Upstream member = Traffic.open(pool, Traffic.from(address)).upstream();
            used.add(member);
            assertEquals(member, Traffic.open(pool, Traffic.from(address)).upstream());
        }
        // Addresses differing only in their last bits are spread: all 30 on one member has probability 3^-29.
        assertEquals(3, used.size());
    }

    @Test
    void aThousandNetworksAreSpreadAboutEvenly() {
        UpstreamPool pool = pool(Traffic.members(1, 1, 1));
        Map<Upstream, Integer> counts = Traffic.zeroCounts(pool);
        for (int i = 0; i < 1000; i++) {
            counts.merge(Traffic.open(pool, network(i)).upstream(), 1, Integer::sum);
        }
        // Standard deviation 14.9: ±75 is five of them.
        counts.values().forEach(count -> assertTrue(Math.abs(count - 1000 / 3.0) <= 75, counts::toString));
    }

    @Test
    void aClientWhoseMemberWasTriedGoesToTheMemberItWouldHaveWithoutIt() {
        Traffic.assertSecondChoiceIsTheChoiceWithoutTheFirst(IpHashStrategyTest::pool, Traffic.members(1, 1, 1),
                IpHashStrategyTest::network, 1000);
    }

    @Test
    void addingAFourthMemberMovesOnlyTheNetworksItTakes() {
        Upstream[] members = Traffic.members(1, 1, 1, 1);
        UpstreamPool three = pool(members[0], members[1], members[2]);
        UpstreamPool four = pool(members);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            Upstream before = Traffic.open(three, network(i)).upstream();
            Upstream after = Traffic.open(four, network(i)).upstream();
            if (before != after) {
                moved++;
                assertEquals(members[3], after);
            }
        }
        assertTrue(moved <= 10_000 * (0.25 + 0.05), "moved " + moved);
    }
}
