package io.wsproxy.internal.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.UpstreamPool;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshake;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the relay path allocation-free: relays echoed 128-byte messages through one loop and measures, with the
 * JVM's per-thread allocation counter, what the loop thread allocates per relayed message in steady state.
 */
class SteadyStateAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 100_000;
    private static final int WINDOW = 64;

    @Test
    @Timeout(120)
    void relayingAllocatesNothingPerMessageOnTheLoopThread() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        WebSocketServer echo = new WebSocketServer(new InetSocketAddress("127.0.0.1", 0)) {
            @Override
            public void onOpen(WebSocket connection, ClientHandshake handshake) {
            }

            @Override
            public void onClose(WebSocket connection, int code, String reason, boolean remote) {
            }

            @Override
            public void onMessage(WebSocket connection, String message) {
                connection.send(message);
            }

            @Override
            public void onMessage(WebSocket connection, ByteBuffer message) {
                connection.send(message);
            }

            @Override
            public void onError(WebSocket connection, Exception e) {
            }

            @Override
            public void onStart() {
                started.countDown();
            }
        };
        echo.setReuseAddr(true);
        echo.start();
        assertTrue(started.await(10, TimeUnit.SECONDS), "echo backend started");
        ProxyServer proxy = ProxyServer.builder().listen("127.0.0.1", 0)
                .upstreams(UpstreamPool.of("ws://127.0.0.1:" + echo.getPort())).eventLoops(1).build().start();
        Semaphore window = new Semaphore(WINDOW);
        AtomicLong received = new AtomicLong();
        WebSocketClient client = new WebSocketClient(new URI("ws://127.0.0.1:" + proxy.address().getPort() + "/")) {
            @Override
            public void onOpen(ServerHandshake handshake) {
            }

            @Override
            public void onMessage(String message) {
            }

            @Override
            public void onMessage(ByteBuffer message) {
                received.incrementAndGet();
                window.release();
            }

            @Override
            public void onClose(int code, String reason, boolean remote) {
            }

            @Override
            public void onError(Exception e) {
            }
        };
        try {
            assertTrue(client.connectBlocking(10, TimeUnit.SECONDS), "client connected");
            Thread loop = loopThread();
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            byte[] payload = new byte[128];

            exchange(client, window, payload, WARM_UP);
            long before = threads.getThreadAllocatedBytes(loop.getId());
            exchange(client, window, payload, MEASURED);
            long allocated = threads.getThreadAllocatedBytes(loop.getId()) - before;
            assertEquals(WARM_UP + MEASURED, received.get());

            double perMessage = (double) allocated / MEASURED;
            System.out.printf("loop thread allocated %d bytes over %d relayed round trips (%.3f bytes each)%n",
                    allocated, MEASURED, perMessage);
            // Each round trip is two relayed messages. A few stray bytes (e.g. a selector's internal growth) are
            // tolerated; anything allocated per message would be at least 16 bytes each.
            assertTrue(perMessage < 1.0, "loop thread allocated " + perMessage + " bytes per message");
        } finally {
            client.closeBlocking();
            proxy.close();
            echo.stop(1000);
        }
    }

    private static void exchange(WebSocketClient client, Semaphore window, byte[] payload, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            assertTrue(window.tryAcquire(10, TimeUnit.SECONDS), "echo " + i + " arrived");
            client.send(payload);
        }
        assertTrue(window.tryAcquire(WINDOW, 10, TimeUnit.SECONDS), "all echoes arrived");
        window.release(WINDOW);
    }

    private static Thread loopThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("wsproxy-\\d+-loop-0") && t.isAlive())
                .reduce((a, b) -> a.getId() > b.getId() ? a : b)
                .orElseThrow(() -> new AssertionError("no loop thread"));
    }
}
