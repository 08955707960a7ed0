package io.wsproxy.examples;

import io.wsproxy.upstream.UpstreamPool;
import java.net.URI;

/**
 * One {@code --upstream} of the runner: a checked {@code ws://host:port} or {@code wss://host:port} URI, its weight,
 * and whether it is a backup. A plain value, so that options can be compared in tests and added afresh to the pool
 * of each server started.
 */
public record UpstreamOption(URI uri, int weight, boolean backup) {

    /** A member that is not a backup. */
    public UpstreamOption(URI uri, int weight) {
        this(uri, weight, false);
    }

    /**
     * Adds this upstream's members to {@code pool}: one when the host is an address, one per address when it is a
     * name (resolved when the pool is built), as backups with {@code ;backup}.
     */
    public void addTo(UpstreamPool.Builder pool) {
        if (backup) {
            pool.addBackup(uri.toString(), weight);
        } else {
            pool.add(uri.toString(), weight);
        }
    }

    /** As written on the command line: {@code ws://host:port}, then {@code ;weight=N} unless 1, {@code ;backup}. */
    @Override
    public String toString() {
        return uri + (weight == 1 ? "" : ";weight=" + weight) + (backup ? ";backup" : "");
    }
}
