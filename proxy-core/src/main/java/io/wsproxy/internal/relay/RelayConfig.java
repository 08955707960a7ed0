package io.wsproxy.internal.relay;

import io.wsproxy.ForwardedHeaders;
import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.UpstreamTransport;
import io.wsproxy.upstream.UpstreamPool;

/**
 * The settings every connection of one server reads, resolved from the public builder into nanoseconds and
 * plain values. Immutable, so shared by all loops without synchronization.
 */
public final class RelayConfig {
    public final UpstreamPool pool;
    public final ForwardedHeaders forwardedHeaders;
    public final long handshakeTimeoutNanos;
    public final long connectTimeoutNanos;
    public final long upstreamHandshakeTimeoutNanos;
    public final long closeTimeoutNanos;
    public final long sendTimeoutNanos;
    /** Most bytes read from one side before they are forwarded; also the bound of unsent bytes per direction. */
    public final int bufferSize;
    public final int maxHeaderBytes;
    public final int maxHeaderCount;
    /** Largest non-101 upstream answer body relayed to a client. */
    public final int maxResponseBodyBytes;
    /** Largest message (sum of its frames' payloads); zero or less for no limit. */
    public final long maxMessageBytes;
    public final int maxUpstreamTries;
    /** Time all the tries of one connection may take together, from the first connect to an accepted upgrade. */
    public final long connectBudgetNanos;
    /** Most client connections open at once; beyond it clients get 503. */
    public final int maxConnections;
    public final long retryAfterSeconds;
    public final HeartbeatPolicy heartbeat;
    public final long heartbeatIntervalNanos;
    public final long heartbeatTimeoutNanos;
    /** No data either way for this long closes the connection with 1001; zero for no idle timeout. */
    public final long idleTimeoutNanos;
    /** Close code sent to both sides at a graceful shutdown: 1001 Going Away, or 1012 Service Restart. */
    public final int shutdownCloseCode;
    /** TLS for wss:// upstreams; null when none is available (such upstreams then fail with 502). */
    public final UpstreamTransport upstreamTransport;

    public RelayConfig(UpstreamPool pool, ForwardedHeaders forwardedHeaders, long handshakeTimeoutNanos,
            long connectTimeoutNanos, long upstreamHandshakeTimeoutNanos, long closeTimeoutNanos, long sendTimeoutNanos,
            int bufferSize, int maxHeaderBytes, int maxHeaderCount, int maxResponseBodyBytes, long maxMessageBytes,
            int maxUpstreamTries, long connectBudgetNanos, int maxConnections, long retryAfterSeconds,
            HeartbeatPolicy heartbeat,
            long idleTimeoutNanos, int shutdownCloseCode, UpstreamTransport upstreamTransport) {
        this.pool = pool;
        this.forwardedHeaders = forwardedHeaders;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
        this.connectTimeoutNanos = connectTimeoutNanos;
        this.upstreamHandshakeTimeoutNanos = upstreamHandshakeTimeoutNanos;
        this.closeTimeoutNanos = closeTimeoutNanos;
        this.sendTimeoutNanos = sendTimeoutNanos;
        this.bufferSize = bufferSize;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaderCount = maxHeaderCount;
        this.maxResponseBodyBytes = maxResponseBodyBytes;
        this.maxMessageBytes = maxMessageBytes;
        this.maxUpstreamTries = maxUpstreamTries;
        this.connectBudgetNanos = connectBudgetNanos;
        this.maxConnections = maxConnections;
        this.retryAfterSeconds = retryAfterSeconds;
        this.heartbeat = heartbeat;
        this.heartbeatIntervalNanos = heartbeat.interval().toNanos();
        this.heartbeatTimeoutNanos = heartbeat.timeout().toNanos();
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.shutdownCloseCode = shutdownCloseCode;
        this.upstreamTransport = upstreamTransport;
    }
}
