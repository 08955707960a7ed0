package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.HashKey;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.java_websocket.drafts.Draft_6455;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Balancing strategies on real sockets: three Java-WebSocket backends, Java-WebSocket clients, the proxy between. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = SECONDS)
class BalancingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<EchoBackend> backends = new ArrayList<>();
    private final List<TestClient> clients = new CopyOnWriteArrayList<>();
    private ProxyServer proxy;

    @BeforeEach
    void startBackends() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            backends.add(EchoBackend.start("backend-" + i));
        }
    }

    @AfterEach
    void stop() {
        clients.parallelStream().forEach(client -> client.closeQuietly(Duration.ofSeconds(2)));
        Proxies.closeQuietly(proxy);
        backends.forEach(EchoBackend::close);
    }

    private void startProxy(BalancingStrategy strategy) throws IOException {
        UpstreamPool.Builder pool = UpstreamPool.builder().strategy(strategy);
        backends.forEach(backend -> pool.add(backend.uri()));
        proxy = Proxies.to(backends.get(0).uri()).upstreams(pool.build()).build().start();
    }

    private TestClient open(String header, String value) throws InterruptedException {
        TestClient client = TestClient.open(Proxies.uri(proxy), new Draft_6455(), Map.of(header, value));
        clients.add(client);
        return client;
    }

    /** Every handshake the backends saw so far: the value of {@code header} in each, by backend. */
    private Map<String, List<String>> drainHandshakes(String header) {
        Map<String, List<String>> seen = new TreeMap<>();
        for (EchoBackend backend : backends) {
            List<EchoBackend.Handshake> handshakes = new ArrayList<>();
            backend.handshakes.drainTo(handshakes);
            seen.put(backend.name(), handshakes.stream().map(h -> h.header(header)).collect(Collectors.toList()));
        }
        return seen;
    }

    private int handshakesSeen() {
        return backends.stream().mapToInt(backend -> backend.handshakes.size()).sum();
    }

    @Test
    void consistentHashingOnAHeaderSendsEveryConnectionOfATenantToOneBackend() throws Exception {
        startProxy(BalancingStrategy.consistentHash(HashKey.header("X-Tenant")));
        int tenants = 20;
        for (int round = 0; round < 3; round++) {
            for (int tenant = 0; tenant < tenants; tenant++) {
                TestClient client = open("X-Tenant", "tenant-" + tenant);
                client.closeQuietly(WAIT);
                clients.remove(client);
            }
        }
        Await.until(() -> handshakesSeen() + " of " + 3 * tenants + " handshakes seen", WAIT,
                () -> handshakesSeen() == 3 * tenants);

        Map<String, List<String>> seen = drainHandshakes("X-Tenant");
        Map<String, Set<String>> backendsOfTenant = new HashMap<>();
        seen.forEach((backend, values) -> values.forEach(
                tenant -> backendsOfTenant.computeIfAbsent(tenant, t -> new HashSet<>()).add(backend)));
        assertEquals(tenants, backendsOfTenant.size(), seen::toString);
        backendsOfTenant.forEach((tenant, where) -> assertEquals(1, where.size(), tenant + " went to " + where));
        seen.values().forEach(values -> assertEquals(0, values.size() % 3, seen::toString));
        // The backends' ports, so the placement, change from run to run: all 20 tenants on one backend has
        // probability 3^-19.
        assertTrue(seen.values().stream().filter(values -> !values.isEmpty()).count() >= 2, seen::toString);
    }

    @Test
    void leastConnectionsSpreadsOpenConnectionsEvenlyAndRefillsABackendWhoseConnectionsEnded() throws Exception {
        startProxy(BalancingStrategy.leastConnections());
        List<Upstream> members = proxy.upstreams().members();
        Map<String, TestClient> byId = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            byId.put(String.valueOf(i), open("X-Client", String.valueOf(i)));
        }
        Await.until(() -> "open per backend: " + openCounts(), WAIT, () -> openCounts().equals(List.of(10, 10, 10)));
        assertEquals(List.of(10, 10, 10), activeCounts(members));

        // The clients of backend 0 leave; the next 10 connections all go there.
        Set<String> ofFirstBackend = new HashSet<>(drainHandshakes("X-Client").get("backend-0"));
        assertEquals(10, ofFirstBackend.size());
        for (String id : ofFirstBackend) {
            TestClient client = byId.get(id);
            client.closeQuietly(WAIT);
            clients.remove(client);
        }
        Await.until(() -> "relayed per member: " + activeCounts(members), WAIT,
                () -> activeCounts(members).equals(List.of(0, 10, 10)));
        for (int i = 30; i < 40; i++) {
            open("X-Client", String.valueOf(i));
        }
        Await.until(() -> "open per backend: " + openCounts(), WAIT, () -> openCounts().equals(List.of(10, 10, 10)));
        assertEquals(List.of(10, 10, 10), activeCounts(members));
    }

    private List<Integer> openCounts() {
        return backends.stream().map(EchoBackend::openCount).collect(Collectors.toList());
    }

    private static List<Integer> activeCounts(List<Upstream> members) {
        return members.stream().map(Upstream::activeConnections).collect(Collectors.toList());
    }
}
