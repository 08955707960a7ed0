package io.wsproxy.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.UpstreamPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.java_websocket.drafts.Draft_6455;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TenantPinningStrategy} in a real proxy, with two real backends and real clients. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 20, unit = SECONDS)
class TenantPinningStrategyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private EchoBackend first;
    private EchoBackend second;
    private ProxyServer proxy;

    @BeforeEach
    void start() throws Exception {
        first = EchoBackend.start("first");
        second = EchoBackend.start("second");
        BalancingStrategy strategy = new TenantPinningStrategy("X-Tenant", Map.of("acme", second.uri()),
                BalancingStrategy.roundRobin());
        UpstreamPool pool = UpstreamPool.builder().add(first.uri()).add(second.uri()).strategy(strategy).build();
        proxy = Proxies.to(first.uri()).upstreams(pool).build().start();
    }

    @AfterEach
    void stop() {
        Proxies.closeQuietly(proxy);
        first.close();
        second.close();
    }

    /** Opens a connection as {@code tenant} (none if null), checks that it relays, and closes it. */
    private void connectAs(String tenant) throws Exception {
        Map<String, String> headers = tenant == null ? Map.of() : Map.of("X-Tenant", tenant);
        TestClient client = TestClient.open(Proxies.uri(proxy), new Draft_6455(), headers);
        client.send("hello");
        assertEquals("hello", client.nextText(WAIT));
        client.closeQuietly(WAIT);
    }

    private static List<String> tenantsSeen(EchoBackend backend, int expected) {
        Await.until(() -> backend + " saw " + backend.handshakes.size() + " handshakes, not " + expected, WAIT,
                () -> backend.handshakes.size() == expected);
        List<EchoBackend.Handshake> handshakes = new ArrayList<>();
        backend.handshakes.drainTo(handshakes);
        return handshakes.stream().map(h -> String.valueOf(h.header("X-Tenant"))).collect(Collectors.toList());
    }

    @Test
    void aPinnedTenantAlwaysReachesItsMemberAndOthersAreBalanced() throws Exception {
        for (int i = 0; i < 3; i++) {
            connectAs("acme");
            connectAs("globex");
            connectAs(null);
            connectAs("initech");
        }
        // acme always on the second; the others take turns in round-robin: first, second, first, second, …
        assertEquals(List.of("globex", "initech", "null", "globex", "initech"), tenantsSeen(first, 5));
        assertEquals(List.of("acme", "null", "acme", "globex", "initech", "acme", "null"), tenantsSeen(second, 7));
    }

    @Test
    void aPinnedTenantWhoseMemberIsDownIsDeclinedWith503() throws Exception {
        second.close();
        try (RawClient client = RawClient.connect(proxy.address())) {
            client.send(client.upgradeRequest("/", HttpHead.newKey(), "X-Tenant: acme"));
            HttpHead response = client.readHead();
            assertEquals(503, response.status(), response::toString);
            assertEquals("5", response.header("Retry-After"));
        }
        connectAs("globex"); // others still reach the first member
        assertEquals(List.of("globex"), tenantsSeen(first, 1));
    }
}
