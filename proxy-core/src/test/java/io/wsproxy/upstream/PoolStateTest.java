package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What a pool tells of its members and changes while it runs: a weight changed at runtime steers the next choices at
 * once, a drain that is resumed lets the member take connections again, {@link UpstreamPool#status()} reports each
 * member's state, role, connections and failures, and a fail window shorter than the fail timeout counts failures
 * over the window only. Driven by a clock of the test's, so nothing waits.
 */
class PoolStateTest {
    private static final ClientRequest REQUEST = Traffic.ANONYMOUS;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong now = new AtomicLong(1_000 * SECOND); // any start: only differences count
    private final Upstream a = Upstream.of("ws://127.0.0.1:9001");
    private final Upstream b = Upstream.of("ws://127.0.0.1:9002");
    private final Upstream spare = Upstream.of("ws://127.0.0.1:9003");

    @Test
    void aWeightChangedAtRuntimeSteersTheNextChoices() {
        UpstreamPool pool = UpstreamPool.builder().add(a).add(b).build();
        assertEquals(200, Traffic.countTo(pool, a, 400), "equal weights");
        pool.setWeight(a, 3);
        assertEquals(3, a.weight());
        assertEquals(300, Traffic.countTo(pool, a, 400), "3:1 from the next choice on");
        pool.setWeight(a, 1);
        assertEquals(200, Traffic.countTo(pool, a, 400), "back to 1:1");
        assertThrows(IllegalArgumentException.class, () -> pool.setWeight(a, 0));
        assertThrows(IllegalArgumentException.class, () -> pool.setWeight(spare, 2), "not a member");
        assertEquals(1, a.weight(), "a refused change leaves the weight");
    }

    @Test
    void aWeightChangedAtRuntimeSteersLeastConnections() {
        UpstreamPool pool = UpstreamPool.builder().add(a).add(b).strategy(BalancingStrategy.leastConnections())
                .build();
        pool.setWeight(b, 3);
        for (int i = 0; i < 400; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 1);
            attempt.next();
            attempt.succeeded(); // held open: least-connections fills members in proportion to their weights
        }
        assertEquals(100, a.activeConnections());
        assertEquals(300, b.activeConnections());
    }

    @Test
    void aResumedDrainTakesConnectionsAgain() {
        UpstreamPool pool = UpstreamPool.builder().add(a).add(b).build();
        int generation = a.drainGeneration();
        pool.drain(a);
        assertTrue(a.drainingSince(generation + 1));
        assertEquals(0, Traffic.countTo(pool, a, 10), "draining: no new connections");
        assertTrue(pool.resume(a));
        assertFalse(a.drainingSince(generation + 1), "the closes of that drain stop");
        assertFalse(pool.resume(a), "no drain to end");
        assertEquals(5, Traffic.countTo(pool, a, 10), "round-robin over both again");
        pool.drain(a);
        assertTrue(a.drainingSince(generation + 2), "a new drain has a generation of its own");
        assertFalse(a.drainingSince(generation + 1));
    }

    @Test
    void statusReportsStateRoleConnectionsAndFailures() {
        UpstreamPool pool = UpstreamPool.builder().add(a).add(b).addBackup(spare)
                .passiveHealth(1, Duration.ofSeconds(10)).clock(now::get).build();
        UpstreamPool.Attempt held = pool.attempt(REQUEST, 1);
        assertEquals(a, held.next());
        held.succeeded();
        UpstreamPool.Attempt failing = pool.attempt(REQUEST, 1);
        assertEquals(b, failing.next());
        failing.failed();
        UpstreamPool.Attempt pending = pool.attempt(REQUEST, 1);
        assertEquals(a, pending.next(), "b is down");
        pool.setWeight(a, 4);

        List<MemberStatus> status = pool.status();
        assertEquals(3, status.size());
        MemberStatus ofA = status.get(0);
        assertEquals(a, ofA.member());
        assertEquals(Upstream.State.UP, ofA.state());
        assertEquals(4, ofA.weight());
        assertEquals(1, ofA.activeConnections());
        assertEquals(1, ofA.pendingConnections());
        assertFalse(ofA.backup());
        assertTrue(ofA.heartbeatRoundTrip().isEmpty(), "no pong measured");
        MemberStatus ofB = status.get(1);
        assertEquals(Upstream.State.DOWN, ofB.state());
        assertEquals(1, ofB.consecutiveFailures());
        assertEquals(1, ofB.failures());
        MemberStatus ofSpare = status.get(2);
        assertTrue(ofSpare.backup());
        assertEquals(Upstream.State.UP, ofSpare.state());
        assertEquals("ws://127.0.0.1:9001 UP weight 4, 1 active, 1 pending, 0/0 failures", ofA.toString());

        pool.drain(spare);
        assertEquals(Upstream.State.DRAINING, pool.status().get(2).state());
        now.addAndGet(11 * SECOND);
        assertEquals(Upstream.State.UP, pool.status().get(1).state(), "the fail timeout is over");
        assertEquals(1, pool.status().get(1).consecutiveFailures(), "failures count until a success");
    }

    @Test
    void heartbeatRoundTripsAreSmoothed() {
        assertEquals(-1, a.heartbeatRoundTripNanos());
        a.roundTripMeasured(800_000);
        assertEquals(800_000, a.heartbeatRoundTripNanos(), "the first sample is taken whole");
        a.roundTripMeasured(1_600_000);
        assertEquals(900_000, a.heartbeatRoundTripNanos(), "later ones count 1/8");
        UpstreamPool pool = UpstreamPool.builder().add(a).build();
        assertEquals(Duration.ofNanos(900_000), pool.status().get(0).heartbeatRoundTrip().orElseThrow());
        assertTrue(pool.status().get(0).toString().endsWith(", rtt 0.9 ms"), pool.status().get(0).toString());
    }

    @Test
    void aFailWindowShorterThanTheFailTimeoutCountsFailuresOverTheWindow() {
        UpstreamPool pool = UpstreamPool.builder().add(a).add(b)
                .passiveHealth(2, Duration.ofSeconds(2), Duration.ofSeconds(30)).clock(now::get).build();
        Traffic.failOnce(pool, a);
        now.addAndGet(3 * SECOND);
        Traffic.failOnce(pool, a);
        assertFalse(a.down(), "3 s apart: outside the 2 s window");
        now.addAndGet(SECOND);
        Traffic.failOnce(pool, a);
        assertTrue(a.down(), "two within 2 s");
        now.addAndGet(29 * SECOND);
        assertTrue(a.down(), "down for the 30 s fail timeout");
        now.addAndGet(2 * SECOND);
        assertFalse(a.down());
        assertThrows(IllegalArgumentException.class,
                () -> UpstreamPool.builder().add(a).passiveHealth(1, Duration.ZERO, Duration.ofSeconds(1)));
    }
}
