package io.wsproxy.testing;

import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.URI;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Builders for proxies under test: 127.0.0.1, port 0, two event loops, short timeouts so failures come fast. */
public final class Proxies {
    private Proxies() {
    }

    /** A builder relaying to {@code upstreamUris}, with test-friendly defaults that each test may override. */
    public static ProxyServer.Builder to(String... upstreamUris) {
        return ProxyServer.builder()
                .listen("127.0.0.1", 0)
                .upstreams(UpstreamPool.of(upstreamUris))
                .eventLoops(2)
                .connectTimeout(Duration.ofSeconds(2))
                .handshakeTimeout(Duration.ofSeconds(5))
                .upstreamHandshakeTimeout(Duration.ofSeconds(5))
                .closeTimeout(Duration.ofSeconds(2))
                .shutdownTimeout(Duration.ofSeconds(2));
    }

    public static ProxyServer start(String... upstreamUris) throws IOException {
        return to(upstreamUris).build().start();
    }

    public static URI uri(ProxyServer proxy) {
        InetSocketAddress address = proxy.address();
        return URI.create("ws://" + address.getHostString() + ":" + address.getPort() + "/");
    }

    /** Closes quietly (for @AfterEach), with a short deadline. */
    public static void closeQuietly(ProxyServer proxy) {
        if (proxy != null) {
            proxy.close(Duration.ofSeconds(2));
        }
    }
}
