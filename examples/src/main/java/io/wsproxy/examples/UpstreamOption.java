package io.wsproxy.examples;

import io.wsproxy.upstream.Upstream;
import java.net.URI;

/**
 * One {@code --upstream} of the runner: a checked {@code ws://host:port} or {@code wss://host:port} URI and its
 * weight. A plain value, so that options can be compared in tests and turned into fresh {@link Upstream}s for each
 * server started.
 */
public record UpstreamOption(URI uri, int weight) {

    /** A new pool member for this option. */
    public Upstream toUpstream() {
        return Upstream.of(uri, weight);
    }

    @Override
    public String toString() {
        return weight == 1 ? uri.toString() : uri + ";weight=" + weight;
    }
}
