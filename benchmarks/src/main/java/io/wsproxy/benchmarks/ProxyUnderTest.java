package io.wsproxy.benchmarks;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.util.function.IntPredicate;

/** Starting the proxy with the benchmark's settings, and waiting on its connection count. */
final class ProxyUnderTest {
    private ProxyUnderTest() {
    }

    /** A started proxy on 127.0.0.1, an ephemeral port, relaying to the backend on {@code backendPort}. */
    static ProxyServer start(int backendPort, int loops) throws IOException {
        return start(backendPort, loops, HeartbeatPolicy.defaults());
    }

    /** As {@link #start(int, int)}, with the given heartbeat policy. */
    static ProxyServer start(int backendPort, int loops, HeartbeatPolicy heartbeat) throws IOException {
        return ProxyServer.builder()
                .listen("127.0.0.1", 0)
                .upstreams(UpstreamPool.of("ws://127.0.0.1:" + backendPort))
                .eventLoops(loops)
                .heartbeat(heartbeat)
                .build()
                .start();
    }

    /** Waits until {@code openConnections()} satisfies {@code condition}; false if it did not within the timeout. */
    static boolean awaitOpenConnections(ProxyServer proxy, IntPredicate condition, long timeoutSeconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (!condition.test(proxy.openConnections())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
