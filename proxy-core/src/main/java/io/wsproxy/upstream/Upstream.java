package io.wsproxy.upstream;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of an {@link UpstreamPool}: a WebSocket server the proxy relays connections to, given as a
 * {@code ws://host:port} or {@code wss://host:port} URI with a weight. The host is resolved once, when the member
 * is created. A wss:// member is reached over TLS, whose certificate must name the URI's host (see
 * {@link io.wsproxy.UpstreamTransport}).
 *
 * <p>Thread-safe: the identity fields are immutable; the live counters are atomic and read by any thread.
 */
public final class Upstream {
    private static final Logger log = LoggerFactory.getLogger(Upstream.class);

    private final URI uri;
    private final String host;
    private final boolean secure;
    private final InetSocketAddress address;
    private final int weight;
    /** Relayed connections currently open to this member (those whose upstream connect succeeded). */
    private final AtomicInteger activeConnections = new AtomicInteger();
    /** Tries of this member under way: chosen for a connection, outcome not reported yet. */
    private final AtomicInteger pendingConnections = new AtomicInteger();
    /** Passive health, as the pool that took this member set it: failures that put it down, and for how long. */
    private volatile int maxFails = 1;
    private volatile long failTimeoutNanos = TimeUnit.SECONDS.toNanos(10);
    private volatile LongSupplier clock = System::nanoTime;
    /** Failures in the current window and when it began; guarded by this object. */
    private int windowFailures;
    private long windowStart;
    /** When a member marked down is tried again; 0 while it was not marked down since its last success. */
    private volatile long downUntil;
    /** Active health: the probes say it is down; and the run of probes agreeing with the opposite. */
    private volatile boolean probedDown;
    /** Touched by the pool's checker thread only. */
    private int probeRun;
    /** Set by {@link UpstreamPool#drain}: no new connections. */
    private volatile boolean draining;
    /** Connect or handshake failures since the last success; reset by a success. */
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private Upstream(URI uri, String host, boolean secure, InetSocketAddress address, int weight) {
        this.uri = uri;
        this.host = host;
        this.secure = secure;
        this.address = address;
        this.weight = weight;
    }

    /** A member of weight 1. See {@link #of(String, int)}. */
    public static Upstream of(String uri) {
        return of(uri, 1);
    }

    /**
     * A member from a {@code ws://host[:port]} URI (port 80 when absent) or a {@code wss://host[:port]} one (port 443
     * when absent); any path is ignored, since the client's request target is forwarded unchanged.
     *
     * @throws IllegalArgumentException if the URI is malformed, neither {@code ws://} nor {@code wss://}, has no host,
     *                                  the host does not resolve, or the weight is not positive
     */
    public static Upstream of(String uri, int weight) {
        Objects.requireNonNull(uri, "uri");
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Invalid upstream URI '" + uri + "': " + e.getReason());
        }
        return of(parsed, weight);
    }

    /** See {@link #of(String, int)}. */
    public static Upstream of(URI uri, int weight) {
        Objects.requireNonNull(uri, "uri");
        if (weight < 1) {
            throw new IllegalArgumentException("Upstream weight must be at least 1, got " + weight + " for " + uri);
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean secure = "wss".equals(scheme);
        if (!secure && !"ws".equals(scheme)) {
            throw new IllegalArgumentException("Upstream URI must start with ws:// or wss://, got '" + uri + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("Upstream URI has no host: '" + uri + "'");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("Upstream host does not resolve: '" + uri.getHost() + "' in " + uri);
        }
        URI normalized = URI.create((secure ? "wss://" : "ws://") + authority(uri.getHost(), port));
        return new Upstream(normalized, host, secure, address, weight);
    }

    private static String authority(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code ws://host:port} or {@code wss://host:port}. */
    public URI uri() {
        return uri;
    }

    /** Whether the member is reached over TLS ({@code wss://}). */
    public boolean secure() {
        return secure;
    }

    /**
     * The host as written in the URI, without the brackets of an IPv6 literal: the name a wss:// member's
     * certificate must match and the one sent as SNI.
     */
    public String host() {
        return host;
    }

    /** The resolved address the proxy connects to. */
    public InetSocketAddress address() {
        return address;
    }

    /** {@code host:port} as written in the URI, the value of {@code Host} when the client's is not preserved. */
    public String authority() {
        return uri.getRawAuthority();
    }

    /** Relative share of new connections for weighted strategies; at least 1. */
    public int weight() {
        return weight;
    }

    /** Relayed connections currently open to this member. */
    public int activeConnections() {
        return activeConnections.get();
    }

    /**
     * Connections being set up to this member: chosen by the strategy, their connect or upgrade not finished yet.
     * Load-aware strategies count them with {@link #activeConnections()}, as nginx counts a peer's connection from
     * the moment it is chosen: otherwise a burst of new connections, all chosen before the first upgrade
     * completes, would all go to the member that was least loaded when the burst began.
     */
    public int pendingConnections() {
        return pendingConnections.get();
    }

    /** Whether the member is being drained ({@link UpstreamPool#drain}): it gets no new connections. */
    public boolean draining() {
        return draining;
    }

    void setDraining() {
        draining = true;
    }

    /** Connect or handshake failures since the last successful connection. */
    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** Open plus pending connections: the load least-connections and random-two compare. */
    long load() {
        return (long) activeConnections.get() + pendingConnections.get();
    }

    void tryStarted() {
        pendingConnections.incrementAndGet();
    }

    void tryEnded() {
        pendingConnections.decrementAndGet();
    }

    void connectionOpened() {
        activeConnections.incrementAndGet();
        consecutiveFailures.set(0);
    }

    void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    void failed() {
        consecutiveFailures.incrementAndGet();
    }

    /** The pool's passive health settings; a member belongs to one pool. */
    void passiveHealth(int maxFails, long failTimeoutNanos, LongSupplier clock) {
        this.maxFails = maxFails;
        this.failTimeoutNanos = failTimeoutNanos;
        this.clock = clock;
    }

    /**
     * Whether passive health has marked this member down: after the pool's {@code maxFails} failed connections within
     * its fail timeout, for the fail timeout. A member that is down gets no new connections unless every member is.
     */
    public boolean down() {
        return downAt(clock.getAsLong());
    }

    /**
     * A connect or handshake failure at {@code now}: {@code maxFails} of them within the fail timeout mark the member
     * down for the fail timeout (nginx's {@code max_fails} and {@code fail_timeout}); a member tried again after it
     * and failing once more is down again at once, as in nginx. Returns whether the member is down now.
     */
    synchronized boolean failedAt(long now) {
        failed();
        if (maxFails <= 0) {
            return false;
        }
        if (downUntil != 0) {
            downUntil = now + failTimeoutNanos;
            return true;
        }
        if (windowFailures == 0 || now - windowStart > failTimeoutNanos) {
            windowStart = now;
            windowFailures = 0;
        }
        if (++windowFailures >= maxFails) {
            downUntil = now + failTimeoutNanos;
            log.info("Upstream {} marked down for {} ms after {} failed connections", this,
                    TimeUnit.NANOSECONDS.toMillis(failTimeoutNanos), windowFailures);
            return true;
        }
        return false;
    }

    /** A connection succeeded: the failures are forgotten and a member that was down is up again. */
    synchronized void succeededAt() {
        if (downUntil != 0) {
            log.info("Upstream {} is up again", this);
        }
        downUntil = 0;
        windowFailures = 0;
    }

    /** Whether passive health has this member down at {@code now}: it gets no new connections until then. */
    boolean downAt(long now) {
        long until = downUntil;
        return probedDown || until != 0 && now - until < 0;
    }

    /** Forgets what the active probes said, when they stop; returns whether they had the member down. */
    boolean clearProbes() {
        probeRun = 0;
        boolean wasDown = probedDown;
        probedDown = false;
        return wasDown;
    }

    /**
     * The result of an active probe ({@code failure} null when it passed). Returns +1 when it marks the member down,
     * -1 when it brings it back, 0 otherwise. Checker thread only.
     */
    int probed(String failure, ActiveHealthCheck check) {
        boolean passed = failure == null;
        if (passed != probedDown) {
            probeRun = 0; // agrees with the current state
            return 0;
        }
        if (++probeRun < (passed ? check.rise() : check.fall())) {
            return 0;
        }
        probeRun = 0;
        probedDown = !passed;
        if (passed) {
            log.info("Upstream {} is up again: {} health checks in a row passed", this, check.rise());
            return -1;
        }
        log.info("Upstream {} marked down: {} health checks in a row failed, the last: {}", this, check.fall(), failure);
        return 1;
    }

    /** When it is tried again, in {@link System#nanoTime()} terms, if it is down; 0 when it was not marked down. */
    long downUntilNanos() {
        return downUntil;
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
