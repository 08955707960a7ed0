package io.wsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.ClientRequest;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rebalancing long-lived connections: when one upstream holds all of them and another has joined, the excess is
 * shed with 1012 and, with least-connections placing the reconnecting clients, the load evens out; the closes come
 * at the bounded rate, not at once.
 */
class RebalanceTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int CLIENTS = 20;

    /** Sends everything to the first member until the second "joins", then chooses by least connections. */
    private static final class JoiningLater implements BalancingStrategy {
        private final BalancingStrategy leastConnections = BalancingStrategy.leastConnections();
        volatile boolean joined;

        @Override
        public Upstream choose(List<Upstream> candidates, ClientRequest request) {
            return joined ? leastConnections.choose(candidates, request) : candidates.get(0);
        }
    }

    /**
     * Opens a new client for each of {@code clients} closed so far, as a client told 1012 Service Restart does, and
     * adds them to {@code clients}; checks the code. Returns how many.
     */
    private static int reconnectTheShed(List<TestClient> clients, ProxyServer proxy) throws InterruptedException {
        List<TestClient> reconnected = new ArrayList<>();
        for (TestClient client : clients) {
            CloseEvent close = client.closed.getNow(null);
            if (close != null) {
                assertEquals(1012, close.code(), close::toString);
                reconnected.add(TestClient.open(Proxies.uri(proxy)));
            }
        }
        clients.addAll(reconnected);
        return reconnected.size();
    }

    @Test
    @Timeout(60)
    void theLoadedUpstreamShedsItsExcessAndTheReconnectsEvenTheLoad() throws Exception {
        try (EchoBackend a = EchoBackend.start("a"); EchoBackend b = EchoBackend.start("b")) {
            JoiningLater strategy = new JoiningLater();
            UpstreamPool pool = UpstreamPool.builder().add(a.uri()).add(b.uri()).strategy(strategy).build();
            ProxyServer proxy = Proxies.to(a.uri()).upstreams(pool).build().start();
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(TestClient.open(Proxies.uri(proxy)));
                }
                Await.until("every client on a", DEADLINE, () -> a.openCount() == CLIENTS);
                strategy.joined = true;

                long start = System.nanoTime();
                List<Long> closedAt = new CopyOnWriteArrayList<>();
                for (TestClient client : clients) {
                    client.closed.thenRun(() -> closedAt.add(System.nanoTime() - start));
                }
                // a holds 20 where its share is 10: it sheds 10, at 20 per second, so over about half a second.
                assertEquals(CLIENTS / 2, proxy.rebalance(0.1, 20));
                Await.until("a to shed its excess", DEADLINE, () -> closedAt.size() >= CLIENTS / 2);
                reconnectTheShed(clients, proxy);
                long spreadMillis = (closedAt.stream().max(Long::compare).orElseThrow()
                        - closedAt.stream().min(Long::compare).orElseThrow()) / 1_000_000;
                assertTrue(spreadMillis >= 200, "10 closes at 20/s came within " + spreadMillis + " ms");
                Await.until(() -> "an even load, got a=" + a.openCount() + " b=" + b.openCount(), DEADLINE,
                        () -> a.openCount() == CLIENTS / 2 && b.openCount() == CLIENTS / 2);
                assertEquals(0, proxy.rebalance(0.1, 20), "nothing left to shed");
            } finally {
                for (TestClient client : clients) {
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Proxies.closeQuietly(proxy);
            }
        }
    }

    @Test
    @Timeout(60)
    void aServerBuiltToRebalanceOnJoinSpreadsTheLoadWhenAMemberIsAdded() throws Exception {
        try (EchoBackend a = EchoBackend.start("a"); EchoBackend b = EchoBackend.start("b")) {
            UpstreamPool pool = UpstreamPool.builder().add(a.uri()).strategy(BalancingStrategy.leastConnections())
                    .build();
            ProxyServer proxy = Proxies.to(a.uri()).upstreams(pool).rebalanceOnJoin(0.1, 50).build().start();
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(TestClient.open(Proxies.uri(proxy)));
                }
                Await.until("every client on a", DEADLINE, () -> a.openCount() == CLIENTS);
                pool.add(Upstream.of(b.uri()));
                Await.until("a to shed its excess on its own", DEADLINE,
                        () -> clients.stream().filter(client -> client.closed.isDone()).count() >= CLIENTS / 2);
                assertEquals(CLIENTS / 2, reconnectTheShed(clients, proxy), "the excess, and no more, was shed");
                Await.until(() -> "an even load, got a=" + a.openCount() + " b=" + b.openCount(), DEADLINE,
                        () -> a.openCount() == CLIENTS / 2 && b.openCount() == CLIENTS / 2);
            } finally {
                for (TestClient client : clients) {
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
