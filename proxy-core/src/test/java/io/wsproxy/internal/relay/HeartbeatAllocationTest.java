package io.wsproxy.internal.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.HeartbeatStats;
import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Heartbeats cost no allocation: pings, consumed pongs and the timer re-arming behind them allocate nothing on
 * the loop thread, however many connections are pinged. (Run with -XX:AutoBoxCacheMax=65536, as the build does:
 * without it the JDK's epoll selector boxes every file descriptor above 127 it reports ready.)
 */
@ExtendWith(LeakCheck.class)
class HeartbeatAllocationTest {
    private static final int CONNECTIONS = 40;
    private static final long MEASURED_PINGS = 8_000;

    @Test
    @Timeout(120)
    void pingsAndTheirPongsAllocateNothingOnTheLoopThread() throws Exception {
        try (EchoBackend echo = EchoBackend.start()) {
            echo.record(false);
            HeartbeatPolicy heartbeat = HeartbeatPolicy.builder().interval(Duration.ofMillis(20))
                    .timeout(Duration.ofSeconds(5)).build();
            ProxyServer proxy = Proxies.to(echo.uri()).eventLoops(1).heartbeat(heartbeat).build().start();
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    clients.add(TestClient.open(Proxies.uri(proxy)));
                }
                Thread loop = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().matches("wsproxy-\\d+-loop-0") && t.isAlive())
                        .reduce((a, b) -> a.getId() > b.getId() ? a : b).orElseThrow();
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                // Warm up: every connection pinged several times, so every code path is compiled.
                long warm = proxy.heartbeatStats().pongsReceived() + 20L * CONNECTIONS;
                Await.until(() -> "warm-up pongs: " + proxy.heartbeatStats(), Duration.ofSeconds(30), () -> proxy.heartbeatStats().pongsReceived() >= warm);

                HeartbeatStats before = proxy.heartbeatStats();
                long allocatedBefore = threads.getThreadAllocatedBytes(loop.getId());
                // Waits on what the backend sees, so that nothing but the heartbeat runs on the loop meanwhile.
                int backendPings = echo.pings.size();
                Await.until("measured pings", Duration.ofSeconds(60),
                        () -> echo.pings.size() >= backendPings + MEASURED_PINGS / 2);
                long allocated = threads.getThreadAllocatedBytes(loop.getId()) - allocatedBefore;
                HeartbeatStats after = proxy.heartbeatStats();
                long pings = after.pingsSent() - before.pingsSent();
                // The two heartbeatStats() calls run a small task on the loop each (under 200 bytes); anything
                // allocated per ping would be at least 16 bytes each.
                double perPing = (double) allocated / pings;
                System.out.printf("loop thread allocated %d bytes over %d pings (%.3f bytes each)%n",
                        allocated, pings, perPing);
                assertTrue(after.timeouts() == 0, "no heartbeat timeouts");
                assertTrue(perPing < 1.0, "loop thread allocated " + perPing + " bytes per ping");
            } finally {
                for (TestClient client : clients) {
                    client.closeQuietly(Duration.ofSeconds(2));
                }
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
