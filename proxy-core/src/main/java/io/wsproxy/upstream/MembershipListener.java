package io.wsproxy.upstream;

/**
 * Told of members that join or leave an {@link UpstreamPool} ({@link UpstreamPool#addListener}), on the thread that
 * changed the pool: the caller of {@link UpstreamPool#add}, or the pool's own thread when a host name is resolved
 * again. Quick and non-blocking, like a {@link BalancingStrategy}.
 */
public interface MembershipListener {

    /** {@code member} joined the pool: added, or a new address of a host name. */
    default void joined(Upstream member) {
    }

    /**
     * The address of {@code member} is no longer among its host name's addresses: it is draining, and leaves the
     * pool when its connections have ended.
     */
    default void vanished(Upstream member) {
    }
}
