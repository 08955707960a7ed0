package io.wsproxy.internal.relay;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keeps the relay path allocation-free: relays echoed 128-byte messages through one loop and measures, with the
 * JVM's per-thread allocation counter, what the loop thread allocates per relayed message in steady state.
 */
@ExtendWith(LeakCheck.class)
class SteadyStateAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 100_000;
    private static final int WINDOW = 64;
    private static final Duration ECHO_DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(120)
    void relayingAllocatesNothingPerMessageOnTheLoopThread() throws Exception {
        try (EchoBackend echo = EchoBackend.start()) {
            echo.record(false);
            ProxyServer proxy = Proxies.to(echo.uri()).eventLoops(1).build().start();
            TestClient client = TestClient.open(Proxies.uri(proxy));
            try {
                Thread loop = loopThread();
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                byte[] payload = new byte[128];

                exchange(client, payload, WARM_UP);
                long before = threads.getThreadAllocatedBytes(loop.getId());
                exchange(client, payload, MEASURED);
                long allocated = threads.getThreadAllocatedBytes(loop.getId()) - before;

                // Each round trip is two relayed messages.
                double perMessage = (double) allocated / (2.0 * MEASURED);
                System.out.printf("loop thread allocated %d bytes over %d relayed messages (%.4f bytes each)%n",
                        allocated, 2 * MEASURED, perMessage);
                // A few stray bytes (a selector's internal growth) are tolerated; anything allocated per message
                // would be at least 16 bytes each.
                assertTrue(perMessage < 1.0, "loop thread allocated " + perMessage + " bytes per message");
            } finally {
                client.closeQuietly(Duration.ofSeconds(5));
                Proxies.closeQuietly(proxy);
            }
        }
    }

    /** Sends {@code count} messages with at most {@link #WINDOW} unanswered, and takes every echo. */
    private static void exchange(TestClient client, byte[] payload, int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            if (i >= WINDOW) {
                assertNotNull(client.nextMessage(ECHO_DEADLINE), "echo " + (i - WINDOW) + " arrived");
            }
            client.send(payload);
        }
        for (int i = 0; i < Math.min(WINDOW, count); i++) {
            assertNotNull(client.nextMessage(ECHO_DEADLINE), "a trailing echo arrived");
        }
    }

    private static Thread loopThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("wsproxy-\\d+-loop-0") && t.isAlive())
                .reduce((a, b) -> a.getId() > b.getId() ? a : b)
                .orElseThrow(() -> new AssertionError("no loop thread"));
    }
}
