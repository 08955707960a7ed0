package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Members added and removed while connections are being placed: new members take connections at once, removed ones
 * get no new ones while their open connections still end cleanly, the last primary cannot be removed, and changes
 * from many threads during 100,000 placements leave every count at zero.
 */
class RuntimeMembershipTest {
    private static final ClientRequest REQUEST =
            new ClientRequest(new InetSocketAddress("192.0.2.1", 1234), "/", null, Map.of());

    @Test
    void anAddedMemberTakesConnectionsAndARemovedOneNoMore() {
        Upstream a = Upstream.of("ws://127.0.0.1:9001");
        Upstream b = Upstream.of("ws://127.0.0.1:9002");
        UpstreamPool pool = UpstreamPool.builder().add(a).build();
        UpstreamPool.Attempt heldOnA = pool.attempt(REQUEST, 1);
        assertEquals(a, heldOnA.next());
        heldOnA.succeeded();

        pool.add(b);
        assertEquals(List.of(a, b), pool.members());
        int toB = 0;
        for (int i = 0; i < 10; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 1);
            if (attempt.next() == b) {
                toB++;
            }
            attempt.abandon();
        }
        assertEquals(5, toB, "round-robin over both");

        assertTrue(pool.remove(a));
        assertFalse(pool.remove(a), "already removed");
        for (int i = 0; i < 10; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 1);
            assertEquals(b, attempt.next());
            attempt.abandon();
        }
        assertEquals(1, a.activeConnections(), "the removed member's connection is still open");
        heldOnA.closed();
        assertEquals(0, a.activeConnections());
        assertThrows(IllegalArgumentException.class, () -> pool.remove(b), "the last primary stays");
        assertThrows(IllegalArgumentException.class, () -> pool.add(Upstream.of("ws://127.0.0.1:9002")));
    }

    @Test
    @Timeout(120)
    void changesFromManyThreadsDuringManyPlacementsLeaveEveryCountAtZero() throws Exception {
        Upstream anchor = Upstream.of("ws://127.0.0.1:9000");
        UpstreamPool pool = UpstreamPool.builder().add(anchor).strategy(BalancingStrategy.leastConnections()).build();
        List<Upstream> others = new ArrayList<>();
        for (int i = 1; i <= 16; i++) {
            others.add(Upstream.of("ws://127.0.0.1:" + (9000 + i)));
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch placersDone = new CountDownLatch(4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    while (placersDone.getCount() > 0) {
                        Upstream member = others.get(random.nextInt(others.size()));
                        try {
                            if (random.nextBoolean()) {
                                pool.add(member);
                            } else {
                                pool.remove(member);
                            }
                        } catch (IllegalArgumentException alreadyThere) {
                            // Another thread added it first.
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "membership-" + t));
        }
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                try {
                    List<UpstreamPool.Attempt> open = new ArrayList<>();
                    for (int i = 0; i < 25_000; i++) {
                        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
                        if (attempt.next() == null) {
                            throw new AssertionError("no member for a connection");
                        }
                        attempt.succeeded();
                        open.add(attempt);
                        if (open.size() > 50) {
                            open.remove(0).closed();
                        }
                    }
                    open.forEach(UpstreamPool.Attempt::closed);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    placersDone.countDown();
                }
            }, "placer-" + t));
        }
        threads.forEach(Thread::start);
        assertTrue(placersDone.await(100, TimeUnit.SECONDS), "placements finished");
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("a thread failed", failure.get());
        }
        List<Upstream> all = new ArrayList<>(others);
        all.add(anchor);
        for (Upstream member : all) {
            assertEquals(0, member.activeConnections(), member + " active");
            assertEquals(0, member.pendingConnections(), member + " pending");
        }
    }
}
