package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.ClientRequest;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A balancing strategy of your own, through the SPI: connections of a pinned tenant (named by a request header) go
 * to that tenant's member, say the one that holds its data; all others are left to a fallback strategy. Where
 * {@code hash:header:X-Tenant} spreads tenants by hash, this puts each named tenant where you say.
 *
 * <p>A pinned tenant whose member is not a candidate (the connection tried it and it failed, or it is not in the
 * pool) is declined, so the client gets {@code 503} with {@code Retry-After} rather than a member without its
 * data. Thread-safe: the pins are an immutable map, and the fallback is thread-safe as every strategy is.
 */
public final class TenantPinningStrategy implements BalancingStrategy {
    private final String header;
    /** Tenant to member URI, normalized as {@link Upstream#uri()} gives it. Unmodifiable. */
    private final Map<String, URI> pins;
    private final BalancingStrategy fallback;

    /**
     * @param header   the request header naming the tenant, e.g. {@code X-Tenant}
     * @param pins     tenant to member URI ({@code ws://host:port}), as the members are added to the pool
     * @param fallback chooses for connections of other tenants and those without the header
     * @throws IllegalArgumentException if a pinned URI is not a valid upstream URI
     */
    public TenantPinningStrategy(String header, Map<String, String> pins, BalancingStrategy fallback) {
        this.header = Objects.requireNonNull(header, "header");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        Map<String, URI> normalized = new LinkedHashMap<>();
        pins.forEach((tenant, uri) -> normalized.put(tenant, Upstream.of(uri).uri()));
        this.pins = Map.copyOf(normalized);
    }

    @Override
    public Upstream choose(List<Upstream> candidates, ClientRequest request) {
        String tenant = request.header(header);
        URI pinned = tenant == null ? null : pins.get(tenant);
        if (pinned == null) {
            return fallback.choose(candidates, request);
        }
        for (Upstream candidate : candidates) {
            if (candidate.uri().equals(pinned)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public void connectionOpened(Upstream upstream) {
        fallback.connectionOpened(upstream);
    }

    @Override
    public void connectionClosed(Upstream upstream) {
        fallback.connectionClosed(upstream);
    }

    @Override
    public String toString() {
        return "tenant pins on " + header + " " + pins + ", others by " + fallback;
    }

    /** A proxy on port 8080 over two upstreams: tenant {@code acme} always on the second, others least-connections. */
    public static void main(String[] args) throws IOException {
        BalancingStrategy strategy = new TenantPinningStrategy("X-Tenant", Map.of("acme", "ws://127.0.0.1:9002"),
                BalancingStrategy.leastConnections());
        ProxyServer proxy = ProxyServer.builder()
                .listen(new InetSocketAddress("127.0.0.1", 8080))
                .upstreams(UpstreamPool.builder()
                        .add("ws://127.0.0.1:9001")
                        .add("ws://127.0.0.1:9002")
                        .strategy(strategy)
                        .build())
                .build()
                .start();
        System.out.println("proxy listening on port " + proxy.address().getPort() + " with " + strategy);
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
    }
}
