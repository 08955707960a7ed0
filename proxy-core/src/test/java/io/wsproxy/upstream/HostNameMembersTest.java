package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Members given by host name, with a resolver of the test's: each address is a member that keeps the name, a new
 * address joins when the name is resolved again, a vanished one drains and leaves once its connections have ended,
 * a failed lookup keeps the members, and listeners hear of each change.
 */
class HostNameMembersTest {
    private static final ClientRequest REQUEST =
            new ClientRequest(new InetSocketAddress("192.0.2.1", 1234), "/", null, Map.of());

    private final AtomicReference<List<String>> answer = new AtomicReference<>(List.of("10.0.0.1", "10.0.0.2"));
    private final HostResolver resolver = host -> {
        if (!host.equals("backend.test")) {
            throw new UnknownHostException(host);
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String address : answer.get()) {
            if (address.equals("fail")) {
                throw new UnknownHostException(host + ": temporary failure");
            }
            addresses.add(InetAddress.getByName(address));
        }
        return addresses;
    };

    private static List<String> addresses(UpstreamPool pool) {
        return pool.members().stream().map(member -> member.address().getAddress().getHostAddress()).toList();
    }

    @Test
    void eachAddressOfANameIsAMemberThatKeepsTheName() {
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("wss://backend.test:9443", 2).build();
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), addresses(pool));
        Upstream first = pool.members().get(0);
        assertEquals("backend.test", first.host(), "the name for SNI and the certificate check");
        assertEquals("backend.test:9443", first.authority(), "the name for Host");
        assertEquals(2, first.weight());
        assertTrue(first.secure());
        assertEquals(9443, first.address().getPort());
        assertEquals("wss://backend.test:9443 (10.0.0.1)", first.toString());
        assertEquals("ws://127.0.0.1:9000", UpstreamPool.builder().resolver(resolver).add("ws://127.0.0.1:9000")
                .build().members().get(0).toString(), "an address is not resolved, and shown once");
    }

    @Test
    void hashingSpreadsKeysOverEveryAddressOfAName() {
        answer.set(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"));
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("ws://backend.test:9000")
                .strategy(BalancingStrategy.consistentHash(HashKey.header("X-Tenant"))).build();
        Map<Upstream, Integer> counts = Traffic.zeroCounts(pool);
        for (int i = 0; i < 3000; i++) {
            counts.merge(Traffic.open(pool, Traffic.withHeader("X-Tenant", "tenant-" + i)).upstream(), 1,
                    Integer::sum);
        }
        // The addresses share the name's URI; each must still be a member of its own to the hash.
        counts.values().forEach(count -> assertTrue(Math.abs(count - 1000) <= 150, counts::toString));
    }

    @Test
    void aNameThatDoesNotResolveIsRefusedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpstreamPool.builder().resolver(resolver).add("ws://nowhere.test:9000").build());
        assertEquals("Upstream host does not resolve: 'nowhere.test' in ws://nowhere.test:9000", e.getMessage());
        answer.set(List.of("10.0.0.1"));
        e = assertThrows(IllegalArgumentException.class, () -> UpstreamPool.builder().resolver(resolver)
                .add("ws://10.0.0.1:9000").add("ws://backend.test:9000").build());
        assertTrue(e.getMessage().contains("already in the pool"), e.getMessage());
    }

    @Test
    void aNewAddressJoinsAndAVanishedOneDrainsThenLeaves() {
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("ws://backend.test:9000").build();
        List<String> events = new CopyOnWriteArrayList<>();
        pool.addListener(new MembershipListener() {
            @Override
            public void joined(Upstream member) {
                events.add("joined " + member);
            }

            @Override
            public void vanished(Upstream member) {
                events.add("vanished " + member);
            }
        });
        Upstream first = pool.members().get(0);
        UpstreamPool.Attempt onFirst = pool.attempt(REQUEST, 1);
        assertEquals(first, onFirst.next());
        onFirst.succeeded();

        answer.set(List.of("10.0.0.2", "10.0.0.3"));
        pool.resolveNow();
        assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), addresses(pool), "10.0.0.1 still has a connection");
        assertEquals(Upstream.State.DRAINING, first.state());
        assertEquals(List.of("joined ws://backend.test:9000 (10.0.0.3)", "vanished ws://backend.test:9000 (10.0.0.1)"),
                events);
        for (int i = 0; i < 10; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 1);
            assertFalse(attempt.next() == first, "a vanished address gets no new connection");
            attempt.abandon();
        }

        pool.resolveNow();
        assertEquals(3, pool.members().size(), "it stays while its connection is open");
        onFirst.closed();
        pool.resolveNow();
        assertEquals(List.of("10.0.0.2", "10.0.0.3"), addresses(pool), "and leaves once it ended");
        assertEquals(2, events.size(), "no change, no event: " + events);
    }

    @Test
    void anAddressBackBeforeItsConnectionsEndedIsResumed() {
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("ws://backend.test:9000").build();
        Upstream first = pool.members().get(0);
        UpstreamPool.Attempt onFirst = pool.attempt(REQUEST, 1);
        assertEquals(first, onFirst.next());
        onFirst.succeeded();
        answer.set(List.of("10.0.0.2"));
        pool.resolveNow();
        assertEquals(Upstream.State.DRAINING, first.state());
        answer.set(List.of("10.0.0.1", "10.0.0.2"));
        pool.resolveNow();
        assertEquals(Upstream.State.UP, first.state());
        onFirst.closed();
        pool.resolveNow();
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), addresses(pool));
    }

    @Test
    void aFailedLookupKeepsTheMembers() {
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("ws://backend.test:9000").build();
        answer.set(List.of("fail"));
        pool.resolveNow();
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), addresses(pool));
        answer.set(List.of());
        pool.resolveNow();
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), addresses(pool), "an empty answer is a failure too");
        answer.set(List.of("10.0.0.2"));
        pool.resolveNow();
        assertEquals(List.of("10.0.0.2"), addresses(pool), "a lookup that works again applies");
    }

    @Test
    void backupNamesGiveBackupMembers() {
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("ws://127.0.0.1:9000")
                .addBackup("ws://backend.test:9000", 1).build();
        assertEquals(3, pool.members().size());
        assertFalse(pool.isBackup(pool.members().get(0)));
        assertTrue(pool.isBackup(pool.members().get(1)));
        assertTrue(pool.isBackup(pool.members().get(2)));
        answer.set(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"));
        pool.resolveNow();
        assertTrue(pool.isBackup(pool.members().get(3)), "a new address of a backup name is a backup");
    }

    @Test
    void aMemberRemovedByHandComesBackWhileItsAddressResolves() {
        UpstreamPool pool = UpstreamPool.builder().resolver(resolver).add("ws://backend.test:9000").build();
        pool.remove(pool.members().get(0));
        assertEquals(List.of("10.0.0.2"), addresses(pool));
        pool.resolveNow();
        assertEquals(List.of("10.0.0.2", "10.0.0.1"), addresses(pool));
    }
}
