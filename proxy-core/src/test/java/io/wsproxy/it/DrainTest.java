package io.wsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Draining an upstream closes its relayed connections upstream first, the client with 1012 Service Restart so that
 * it reconnects elsewhere, one after the other over the spread period rather than all at once; connections to other
 * upstreams are untouched, and new connections no longer go to the drained one.
 */
class DrainTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int PER_BACKEND = 10;

    @Test
    @Timeout(60)
    void theDrainedUpstreamsClientsGet1012SpreadOverThePeriodAndTheOthersStay() throws Exception {
        try (EchoBackend a = EchoBackend.start("a"); EchoBackend b = EchoBackend.start("b")) {
            ProxyServer proxy = Proxies.start(a.uri(), b.uri());
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * PER_BACKEND; i++) {
                    clients.add(TestClient.open(Proxies.uri(proxy)));
                }
                Await.until("round-robin to put 10 on each backend", DEADLINE,
                        () -> a.openCount() == PER_BACKEND && b.openCount() == PER_BACKEND);
                Upstream drained = proxy.upstreams().members().get(0);
                assertEquals(a.uri(), drained.uri().toString());

                long start = System.nanoTime();
                int planned = proxy.drain(drained, Duration.ZERO, Duration.ofMillis(800));
                assertEquals(PER_BACKEND, planned, "connections to close");

                // Each client's close is stamped when it arrives, so the spread is measured, not the test's polling.
                List<Long> closedAt = new CopyOnWriteArrayList<>();
                for (TestClient client : clients) {
                    client.closed.thenRun(() -> closedAt.add(System.nanoTime() - start));
                }
                Await.until("the drained upstream's clients to be closed", DEADLINE,
                        () -> closedAt.size() >= PER_BACKEND);
                List<TestClient> stayed = new ArrayList<>();
                for (TestClient client : clients) {
                    CloseEvent close = client.closed.getNow(null);
                    if (close == null) {
                        stayed.add(client);
                    } else {
                        assertEquals(1012, close.code(), close::toString);
                        assertEquals("upstream draining", close.reason());
                    }
                }
                assertEquals(PER_BACKEND, closedAt.size(), "clients of the drained upstream closed");
                assertEquals(PER_BACKEND, stayed.size(), "clients of the other upstream still open");
                long first = closedAt.stream().min(Long::compare).orElseThrow();
                long last = closedAt.stream().max(Long::compare).orElseThrow();
                assertTrue(TimeUnit.NANOSECONDS.toMillis(last - first) >= 400,
                        "closes spread over " + TimeUnit.NANOSECONDS.toMillis(last - first) + " ms, expected most of"
                                + " the 800 ms period");
                for (int i = 0; i < PER_BACKEND; i++) {
                    CloseEvent upstreamSide = a.nextClose(DEADLINE);
                    assertEquals(1001, upstreamSide.code(), upstreamSide::toString);
                }
                Await.until("the drained backend to have no connection", DEADLINE, () -> a.openCount() == 0);
                for (TestClient client : stayed) {
                    client.send("still here");
                    assertEquals("still here", client.nextText(DEADLINE));
                }
                assertEquals(PER_BACKEND, b.openCount());

                // New connections go to the other upstream only.
                for (int i = 0; i < 4; i++) {
                    clients.add(TestClient.open(Proxies.uri(proxy)));
                }
                Await.until("four more on b", DEADLINE, () -> b.openCount() == PER_BACKEND + 4);
                assertEquals(0, a.openCount(), "nothing new reaches the drained upstream");
                assertTrue(drained.draining());
            } finally {
                for (TestClient client : clients) {
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
