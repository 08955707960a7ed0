package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.UpstreamTls;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * wss:// in an embedding: TLS terminated with certbot's files, reloaded when they change, a ws:// listener beside
 * it, and one upstream over TLS verified against an internal CA. It needs those files and hosts to run; it is here
 * so that the README's TLS example, the code between the markers verbatim (checked by {@code ReadmeSnippetTest}),
 * always compiles.
 */
public final class TlsEmbeddingExample {
    private TlsEmbeddingExample() {
    }

    public static void main(String[] args) throws IOException {
        // README:begin
        ServerTls tls = ServerTls.builder()
                .certificate(Path.of("/etc/letsencrypt/live/example.com/fullchain.pem"),
                        Path.of("/etc/letsencrypt/live/example.com/privkey.pem"))
                .watch(Duration.ofMinutes(1))       // reload when the files change (or call tls.reload())
                .build();
        ProxyServer proxy = ProxyServer.builder()
                .listen(new InetSocketAddress("0.0.0.0", 8443), tls)
                .listen(new InetSocketAddress("0.0.0.0", 8080))              // ws:// beside it, if wanted
                .upstreams(UpstreamPool.of("ws://10.0.0.1:9000", "wss://backend.internal:9443"))
                .upstreamTls(UpstreamTls.builder().trust(Path.of("internal-ca.pem")).build())
                .build()
                .start();
        // README:end
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            tls.close();
        }));
    }
}
