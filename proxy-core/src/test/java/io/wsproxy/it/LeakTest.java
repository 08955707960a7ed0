package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many connect/close cycles, clean and abrupt, leave no connection, socket or thread behind. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 90, unit = SECONDS)
class LeakTest {
    private static final int CYCLES = 2_000;
    private static final int THREADS = 8;

    private EchoBackend backend;
    private ProxyServer proxy;

    @BeforeEach
    void start() throws Exception {
        backend = EchoBackend.start();
        backend.record(false);
        proxy = Proxies.start(backend.uri());
    }

    @AfterEach
    void stop() throws Exception {
        Proxies.closeQuietly(proxy);
        backend.close();
    }

    @Test
    void connectCloseCyclesLeaveNothingOpen() throws Exception {
        int baseline = LeakCheck.openNetworkDescriptors();
        assertTrue(baseline > 0, "descriptors are counted (listen sockets, selectors): " + baseline);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger clean = new AtomicInteger();
        AtomicInteger abrupt = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread thread = new Thread(r, "leak-test-client");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < CYCLES; i = next.getAndIncrement()) {
                        cycle(i);
                        (i % 4 < 2 ? clean : abrupt).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(80, SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(CYCLES / 2, clean.get());
        assertEquals(CYCLES / 2, abrupt.get());

        Await.until(() -> "proxy connections drop to 0, now " + proxy.openConnections(), Duration.ofSeconds(10),
                () -> proxy.openConnections() == 0);
        Await.until(() -> "backend connections drop to 0, now " + backend.openCount(), Duration.ofSeconds(10),
                () -> backend.openCount() == 0);
        Await.until(() -> "open sockets back to the baseline of " + baseline + ", now "
                        + LeakCheck.openNetworkDescriptors(), Duration.ofSeconds(10),
                () -> LeakCheck.openNetworkDescriptors() <= baseline + 4);
        assertTrue(backend.openedCount() == CYCLES, "every cycle reached the backend: " + backend.openedCount());
    }

    /** One connection: 0 clean close after a message, 1 clean close, 2 TCP close (FIN), 3 TCP reset. */
    private void cycle(int i) throws Exception {
        RawClient client = RawClient.open(proxy.address());
        switch (i % 4) {
            case 0 -> {
                client.sendText("cycle " + i);
                assertEquals("cycle " + i, client.readFrame().text());
                closeCleanly(client);
            }
            case 1 -> closeCleanly(client);
            case 2 -> {
                client.sendText("cycle " + i);
                client.close();
            }
            default -> client.abort();
        }
    }

    private static void closeCleanly(RawClient client) throws Exception {
        client.sendClose(1000, "");
        Frame reply = client.readFrame();
        assertTrue(reply.isClose() && reply.closeCode() == 1000, "expected the Close reply, got " + reply);
        client.awaitEof(Duration.ofSeconds(5));
        client.close();
    }
}
