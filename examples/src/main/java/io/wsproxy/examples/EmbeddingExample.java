package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The shortest realistic embedding of wsproxy: a proxy on port 8080 balancing over two upstreams, closed gracefully
 * when the JVM shuts down. The code between the README markers is the README's embedding example, verbatim
 * (checked by {@code ReadmeSnippetTest}).
 */
public final class EmbeddingExample {
    private EmbeddingExample() {
    }

    public static void main(String[] args) throws IOException {
        // README:begin
        ProxyServer proxy = ProxyServer.builder()
                .listen(new InetSocketAddress("127.0.0.1", 8080))
                .upstreams(UpstreamPool.of("ws://127.0.0.1:9001", "ws://127.0.0.1:9002"))
                .build()
                .start();
        System.out.println("proxy listening on port " + proxy.address().getPort());

        // Close 1001 to every client and upstream, within the shutdown timeout (default 10 s).
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
        // README:end
    }
}
