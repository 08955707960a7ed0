package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstreamPoolTest {
    private static final ClientRequest REQUEST =
            new ClientRequest(new InetSocketAddress("127.0.0.1", 5000), "/chat", "room=1", Map.of());

    @Test
    void anAttemptNeverOffersAMemberTwice() {
        UpstreamPool pool = UpstreamPool.of("ws://127.0.0.1:1", "ws://127.0.0.1:2", "ws://127.0.0.1:3");
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
        Upstream first = attempt.next();
        attempt.failed();
        Upstream second = attempt.next();
        attempt.failed();
        Upstream third = attempt.next();
        attempt.failed();
        assertEquals(3, List.of(first, second, third).stream().distinct().count());
        assertNull(attempt.next(), "every member was tried");
        assertEquals(3, attempt.tries());
    }

    @Test
    void triesAreBounded() {
        UpstreamPool pool = UpstreamPool.of("ws://127.0.0.1:1", "ws://127.0.0.1:2", "ws://127.0.0.1:3");
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 2);
        attempt.next();
        attempt.failed();
        attempt.next();
        attempt.failed();
        assertNull(attempt.next());
    }

    @Test
    void outcomesDriveTheMemberCountsAndTheStrategyEvents() {
        BalancingStrategy strategy = mock(BalancingStrategy.class);
        Upstream a = Upstream.of("ws://127.0.0.1:1");
        when(strategy.choose(anyList(), any())).thenReturn(a);
        UpstreamPool pool = UpstreamPool.builder().add(a).strategy(strategy).build();
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
        assertEquals(a, attempt.next());
        attempt.succeeded();
        assertEquals(1, a.activeConnections());
        verify(strategy).connectionOpened(a);
        attempt.closed();
        attempt.closed();
        assertEquals(0, a.activeConnections());
        verify(strategy).connectionClosed(a);
        verify(strategy).choose(List.of(a), REQUEST);
    }

    @Test
    void aTryCountsAsPendingUntilItsOutcome() {
        Upstream a = Upstream.of("ws://127.0.0.1:1");
        UpstreamPool pool = UpstreamPool.builder().add(a).build();

        UpstreamPool.Attempt succeeding = pool.attempt(REQUEST, 1);
        succeeding.next();
        assertEquals(1, a.pendingConnections());
        succeeding.succeeded();
        assertEquals(0, a.pendingConnections());
        assertEquals(1, a.activeConnections());
        succeeding.closed();
        succeeding.closed();
        succeeding.abandon();
        assertEquals(0, a.activeConnections());
        assertEquals(0, a.pendingConnections());

        UpstreamPool.Attempt failing = pool.attempt(REQUEST, 1);
        failing.next();
        failing.failed();
        assertEquals(0, a.pendingConnections());

        UpstreamPool.Attempt abandoned = pool.attempt(REQUEST, 1);
        abandoned.next();
        abandoned.abandon();
        abandoned.abandon();
        abandoned.closed();
        assertEquals(0, a.pendingConnections());

        // A connection that ends while its try is under way releases the try, once.
        UpstreamPool.Attempt ended = pool.attempt(REQUEST, 1);
        ended.next();
        ended.closed();
        ended.closed();
        assertEquals(0, a.pendingConnections());
        assertEquals(0, a.activeConnections());
    }

    @Test
    void aFailureCountsAgainstTheMemberUntilASuccess() {
        Upstream a = Upstream.of("ws://127.0.0.1:1");
        UpstreamPool pool = UpstreamPool.builder().add(a).build();
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 1);
        attempt.next();
        attempt.failed();
        assertEquals(1, a.consecutiveFailures());
        UpstreamPool.Attempt again = pool.attempt(REQUEST, 1);
        again.next();
        again.succeeded();
        assertEquals(0, a.consecutiveFailures());
    }

    @Test
    void aDecliningStrategyEndsTheAttempt() {
        BalancingStrategy strategy = mock(BalancingStrategy.class);
        UpstreamPool pool = UpstreamPool.builder().add("ws://127.0.0.1:1").strategy(strategy).build();
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
        assertNull(attempt.next());
        assertTrue(attempt.declined());
    }

    @Test
    void aStrategyThatChoosesOutsideTheCandidatesIsACallerError() {
        BalancingStrategy strategy = mock(BalancingStrategy.class);
        when(strategy.choose(anyList(), any())).thenReturn(Upstream.of("ws://127.0.0.1:9"));
        UpstreamPool pool = UpstreamPool.builder().add("ws://127.0.0.1:1").strategy(strategy).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.attempt(REQUEST, 1).next());
        assertTrue(e.getMessage().contains("not a candidate"), e.getMessage());
    }

    @Test
    void badMembersFailWithAClearMessage() {
        assertMessage("Upstream URI must start with ws://", () -> Upstream.of("http://127.0.0.1:1"));
        assertMessage("Invalid upstream URI", () -> Upstream.of("ws://bad host:1"));
        assertMessage("Upstream URI has no host", () -> Upstream.of("ws:///path"));
        assertMessage("weight must be at least 1", () -> Upstream.of("ws://127.0.0.1:1", 0));
        assertMessage("needs at least one member", () -> UpstreamPool.builder().build());
        assertMessage("already in the pool", () -> UpstreamPool.of("ws://127.0.0.1:1", "ws://127.0.0.1:1"));
        assertMessage("Unknown balancing strategy 'fastest'", () -> BalancingStrategy.byName("fastest"));
    }

    @Test
    void aDrainedMemberGetsNoNewConnectionsAndAllDrainedGivesNone() {
        UpstreamPool pool = UpstreamPool.of("ws://127.0.0.1:1", "ws://127.0.0.1:2");
        Upstream first = pool.members().get(0);
        pool.drain(first);
        assertTrue(first.draining());
        for (int i = 0; i < 10; i++) {
            UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
            assertEquals(pool.members().get(1), attempt.next());
            attempt.abandon();
        }
        pool.drain(pool.members().get(1));
        assertNull(pool.attempt(REQUEST, 3).next());
        assertMessage("is not a member of this pool", () -> pool.drain(Upstream.of("ws://127.0.0.1:3")));
    }

    @Test
    void aWssMemberIsSecureAndDefaultsToPort443() {
        Upstream upstream = Upstream.of("wss://localhost/ignored");
        assertTrue(upstream.secure());
        assertEquals(443, upstream.address().getPort());
        assertEquals("wss://localhost:443", upstream.uri().toString());
        assertEquals("localhost", upstream.host());
        Upstream v6 = Upstream.of("wss://[::1]:9443");
        assertEquals("::1", v6.host());
        assertEquals("[::1]:9443", v6.authority());
        assertFalse(Upstream.of("WS://127.0.0.1:1").secure());
    }

    @Test
    void aMemberWithoutPortUsesEighty() {
        Upstream upstream = Upstream.of("ws://127.0.0.1/ignored/path");
        assertEquals(80, upstream.address().getPort());
        assertEquals("127.0.0.1:80", upstream.authority());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
