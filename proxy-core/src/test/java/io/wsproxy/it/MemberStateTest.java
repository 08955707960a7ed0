package io.wsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.MemberStatus;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A running proxy's members as the host application sees them: the heartbeat's round trips to each member in its
 * status, and a drain resumed before its deadline closes nothing.
 */
class MemberStateTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(60)
    void theHeartbeatMeasuresEachMembersRoundTrip() throws Exception {
        try (EchoBackend a = EchoBackend.start("a"); EchoBackend b = EchoBackend.start("b")) {
            ProxyServer proxy = Proxies.to(a.uri(), b.uri())
                    .heartbeat(HeartbeatPolicy.builder().interval(Duration.ofMillis(50)).timeout(Duration.ofSeconds(5))
                            .build())
                    .build().start();
            TestClient client = TestClient.open(Proxies.uri(proxy));
            try {
                Await.until("a pong from the backend", DEADLINE, () -> !a.pings.isEmpty() || !b.pings.isEmpty());
                Await.until(() -> "a round trip in the status: " + proxy.upstreams().status(), DEADLINE,
                        () -> proxy.upstreams().status().stream().anyMatch(s -> s.heartbeatRoundTrip().isPresent()));
                MemberStatus measured = proxy.upstreams().status().stream()
                        .filter(s -> s.heartbeatRoundTrip().isPresent()).findFirst().orElseThrow();
                assertEquals(1, measured.activeConnections(), "the member the client is relayed to");
                assertTrue(measured.heartbeatRoundTrip().get().compareTo(Duration.ofSeconds(5)) < 0);
                assertEquals(1, proxy.upstreams().status().stream()
                        .filter(s -> s.heartbeatRoundTrip().isPresent()).count(), "the other has no connection");
            } finally {
                client.closeQuietly(Duration.ofSeconds(2));
                Proxies.closeQuietly(proxy);
            }
        }
    }

    @Test
    @Timeout(60)
    void aDrainResumedBeforeItsDeadlineClosesNothing() throws Exception {
        try (EchoBackend a = EchoBackend.start("a"); EchoBackend b = EchoBackend.start("b")) {
            UpstreamPool pool = UpstreamPool.of(a.uri(), b.uri());
            ProxyServer proxy = Proxies.to(a.uri()).upstreams(pool).build().start();
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    clients.add(TestClient.open(Proxies.uri(proxy)));
                }
                Await.until("two on each", DEADLINE, () -> a.openCount() == 2 && b.openCount() == 2);
                Upstream onA = pool.members().get(0);
                Upstream onB = pool.members().get(1);
                assertEquals(2, proxy.drain(onA, Duration.ofMillis(300), Duration.ZERO));
                assertEquals(Upstream.State.DRAINING, onA.state());
                assertTrue(pool.resume(onA));
                assertEquals(Upstream.State.UP, onA.state());
                // A later drain of b on the same timers: once its closes have come, a's would have come too.
                assertEquals(2, proxy.drain(onB, Duration.ofMillis(600), Duration.ZERO));
                Await.until("b's connections closed", DEADLINE, () -> b.openCount() == 0);
                assertEquals(2, a.openCount(), "the resumed drain closed nothing");
                for (TestClient client : clients) {
                    if (!client.closed.isDone()) {
                        client.send("still relayed");
                        assertEquals("still relayed", client.nextText(DEADLINE));
                    }
                }
                assertFalse(onA.draining());
            } finally {
                for (TestClient client : clients) {
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
