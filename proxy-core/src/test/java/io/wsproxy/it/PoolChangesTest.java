package io.wsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Members added to and removed from a running proxy's pool: an added backend takes new connections at once; a
 * removed one takes no new connections while its open ones keep relaying until their clients close them.
 */
class PoolChangesTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(60)
    void anAddedBackendTakesNewConnectionsAndARemovedOneKeepsItsOpenOnes() throws Exception {
        try (EchoBackend a = EchoBackend.start("a"); EchoBackend b = EchoBackend.start("b")) {
            UpstreamPool pool = UpstreamPool.builder().add(a.uri()).strategy(BalancingStrategy.leastConnections())
                    .build();
            ProxyServer proxy = Proxies.to(a.uri()).upstreams(pool).build().start();
            List<TestClient> clients = new ArrayList<>();
            try {
                clients.add(TestClient.open(Proxies.uri(proxy)));
                clients.add(TestClient.open(Proxies.uri(proxy)));
                Await.until("two on a", DEADLINE, () -> a.openCount() == 2);

                Upstream added = Upstream.of(b.uri());
                pool.add(added);
                List<TestClient> onB = List.of(TestClient.open(Proxies.uri(proxy)), TestClient.open(Proxies.uri(proxy)));
                clients.addAll(onB);
                Await.until("the next two on the added backend", DEADLINE, () -> b.openCount() == 2);

                pool.remove(added);
                clients.add(TestClient.open(Proxies.uri(proxy)));
                Await.until("a new connection on a", DEADLINE, () -> a.openCount() == 3);
                assertEquals(2, b.openCount(), "the removed backend took no new connection");
                for (TestClient client : onB) {
                    client.send("still relayed");
                    assertEquals("still relayed", client.nextText(DEADLINE));
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Await.until("the removed backend's connections to end", DEADLINE,
                        () -> b.openCount() == 0 && added.activeConnections() == 0);
            } finally {
                for (TestClient client : clients) {
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
