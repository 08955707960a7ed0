package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ForwardedHeaders;
import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member given by host name, re-resolved while the proxy runs, with real backends on two loopback addresses and
 * a resolver of the test's: the upstream request carries the name, a new address takes connections, and the
 * connections of a vanished one get 1012 and reconnect to the new one, after which it leaves the pool.
 */
class HostNameResolutionTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(60)
    void aVanishedAddressIsDrainedAndItsClientsReconnectToTheNewOne() throws Exception {
        try (EchoBackend a = EchoBackend.start("a", new InetSocketAddress("127.0.0.1", 0));
                EchoBackend b = EchoBackend.start("b", new InetSocketAddress("127.0.0.2", a.port()))) {
            AtomicReference<String> answer = new AtomicReference<>("127.0.0.1");
            UpstreamPool pool = UpstreamPool.builder()
                    .resolver(host -> List.of(InetAddress.getByName(answer.get())))
                    .add("ws://backend.test:" + a.port())
                    .resolveEvery(Duration.ofMillis(100))
                    .build();
            ProxyServer proxy = Proxies.to(a.uri()).upstreams(pool).drainVanished(Duration.ZERO, Duration.ZERO)
                    .forwardedHeaders(ForwardedHeaders.builder().preserveHost(false).build())
                    .build().start();
            try {
                TestClient first = TestClient.open(Proxies.uri(proxy));
                assertEquals("backend.test:" + a.port(), a.nextHandshake(DEADLINE).header("Host"),
                        "with the client's Host not kept, the upstream gets the name, not the address");
                first.send("to a");
                assertEquals("to a", first.nextText(DEADLINE));

                answer.set("127.0.0.2");
                CloseEvent close = first.awaitClose(DEADLINE);
                assertEquals(1012, close.code(), close::toString);
                TestClient second = TestClient.open(Proxies.uri(proxy));
                second.send("to b");
                assertEquals("to b", second.nextText(DEADLINE));
                assertEquals(1, b.openCount());
                assertEquals(0, a.openCount());
                Await.until(() -> "the vanished address to leave the pool: " + pool.status(), DEADLINE,
                        () -> pool.members().size() == 1
                                && pool.members().get(0).address().getAddress().getHostAddress().equals("127.0.0.2"));
                second.closeQuietly(Duration.ofSeconds(2));
            } finally {
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
