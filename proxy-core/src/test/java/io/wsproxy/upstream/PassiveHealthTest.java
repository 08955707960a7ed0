package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Passive health as nginx's {@code max_fails} and {@code fail_timeout}: failures within the window mark a member
 * down for the fail timeout, then it is tried again (one more failure puts it down again, a success brings it
 * back); failures further apart do not add up; a down member gets no new connection unless every member is down.
 * Driven by a clock of the test's, so nothing waits.
 */
class PassiveHealthTest {
    private static final ClientRequest REQUEST =
            new ClientRequest(new InetSocketAddress("192.0.2.1", 1234), "/", null, Map.of());
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final Upstream a = Upstream.of("ws://127.0.0.1:9001");
    private final Upstream b = Upstream.of("ws://127.0.0.1:9002");
    private final UpstreamPool pool = UpstreamPool.builder().add(a).add(b).passiveHealth(2, Duration.ofSeconds(10))
            .clock(now::get).build();

    private void fail(Upstream member) {
        Traffic.failOnce(pool, member);
    }

    private int toA() {
        return Traffic.countTo(pool, a, 10);
    }

    @Test
    void twoFailuresWithinTheWindowMarkAMemberDownForTheFailTimeout() {
        fail(a);
        assertFalse(a.down(), "one failure of two");
        now.addAndGet(SECOND);
        fail(a);
        assertTrue(a.down(), "two failures within 10 s");
        assertEquals(0, toA(), "a down member gets no new connection");

        now.addAndGet(10 * SECOND);
        assertFalse(a.down(), "the fail timeout is over: a is tried again");
        assertTrue(toA() > 0);
        assertFalse(a.down(), "and a success keeps it up");
    }

    @Test
    void failuresFurtherApartThanTheWindowDoNotAddUp() {
        fail(a);
        now.addAndGet(11 * SECOND);
        fail(a);
        assertFalse(a.down());
        now.addAndGet(SECOND);
        fail(a);
        assertTrue(a.down(), "the second failure within 10 s of the first of its window");
    }

    @Test
    void aMemberTriedAgainAfterItsTimeoutIsDownAgainAfterOneFailure() {
        fail(a);
        fail(a);
        assertTrue(a.down());
        now.addAndGet(10 * SECOND);
        assertFalse(a.down());
        fail(a);
        assertTrue(a.down(), "one failure on probation, as nginx");
    }

    @Test
    void whenEveryMemberIsDownAllAreTriedAgain() {
        fail(a);
        fail(a);
        fail(b);
        fail(b);
        assertTrue(a.down() && b.down());
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 2);
        List<Upstream> tried = new ArrayList<>();
        for (Upstream next; (next = attempt.next()) != null; ) {
            tried.add(next);
            attempt.failed();
        }
        assertEquals(2, tried.size(), "both tried although both are down: " + tried);
    }

    @Test
    void maxFailsZeroNeverMarksDown() {
        UpstreamPool off = UpstreamPool.builder().add(a).passiveHealth(0, Duration.ofSeconds(1)).clock(now::get)
                .build();
        for (int i = 0; i < 5; i++) {
            UpstreamPool.Attempt attempt = off.attempt(REQUEST, 1);
            attempt.next();
            attempt.failed();
        }
        assertFalse(a.down());
    }
}
