package io.wsproxy.upstream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
    /** Whether the URI named a host rather than an address: then {@link #toString()} shows the address too. */
    private final boolean named;
    /** This member's hash for rendezvous hashing, of its URI and, when that names a host, its address. */
    private final long rendezvousHash;
    /** Changed by {@link UpstreamPool#setWeight}; read by strategies at each choice. */
    private volatile int weight;
    /** Relayed connections currently open to this member (those whose upstream connect succeeded). */
    private final AtomicInteger activeConnections = new AtomicInteger();
    /** Tries of this member under way: chosen for a connection, outcome not reported yet. */
    private final AtomicInteger pendingConnections = new AtomicInteger();
    /** Passive health, as the pool that took this member set it: failures that put it down, and for how long. */
    private volatile int maxFails = 1;
    private volatile long failWindowNanos = TimeUnit.SECONDS.toNanos(10);
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
    /** Set by {@link UpstreamPool#drain}: no new connections; cleared by {@link UpstreamPool#resume}. */
    private volatile boolean draining;
    /** Counts the drains begun, so that the closes of an ended drain stop even if another drain began since. */
    private volatile int drainGeneration;
    /** Connect or handshake failures since the last success; reset by a success. */
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Connect or handshake failures ever. */
    private final AtomicLong failures = new AtomicLong();
    /** Smoothed round trip of the heartbeat's pings on this member's connections, in nanoseconds; -1 until one. */
    private volatile long smoothedRoundTrip = -1;

    private Upstream(URI uri, String host, boolean secure, InetSocketAddress address, boolean named, int weight) {
        this.uri = uri;
        this.host = host;
        this.secure = secure;
        this.address = address;
        this.named = named;
        this.weight = weight;
        this.rendezvousHash = Rendezvous.memberHash(toString());
    }

    /**
     * The member's hash for the hashing strategies: of its URI, so that a member keeps its keys across restarts; the
     * addresses of one host name share the URI, so theirs is of the URI and the address ({@link #toString()}).
     */
    long rendezvousHash() {
        return rendezvousHash;
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
        return of(parse(uri), weight);
    }

    static URI parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        try {
            return new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Invalid upstream URI '" + uri + "': " + e.getReason());
        }
    }

    /** See {@link #of(String, int)}. */
    public static Upstream of(URI uri, int weight) {
        Target target = Target.parse(uri, weight);
        InetSocketAddress address = new InetSocketAddress(target.host, target.port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("Upstream host does not resolve: '" + uri.getHost() + "' in " + uri);
        }
        return target.member(address.getAddress(), weight);
    }

    /** The parts of a member's URI, before its host is resolved. */
    record Target(URI uri, String host, int port, boolean secure) {
        /** As {@link Upstream#of(URI, int)} checks them, without resolving the host. */
        static Target parse(URI uri, int weight) {
            Objects.requireNonNull(uri, "uri");
            checkWeight(weight, uri);
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
            URI normalized = URI.create((secure ? "wss://" : "ws://") + authority(uri.getHost(), port));
            return new Target(normalized, host, port, secure);
        }

        /** Whether the host is a name to resolve rather than an IPv4 or IPv6 literal. */
        boolean named() {
            return !isLiteral(host);
        }

        /** The member at {@code address}, one of the addresses of this target's host. */
        Upstream member(InetAddress address, int weight) {
            return new Upstream(uri, host, secure, new InetSocketAddress(address, port), named(), weight);
        }
    }

    static void checkWeight(int weight, Object member) {
        if (weight < 1) {
            throw new IllegalArgumentException("Upstream weight must be at least 1, got " + weight + " for " + member);
        }
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal (no brackets), which needs no resolving. */
    private static boolean isLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
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

    /** Relative share of new connections for weighted strategies; at least 1; see {@link UpstreamPool#setWeight}. */
    public int weight() {
        return weight;
    }

    void setWeight(int weight) {
        checkWeight(weight, this);
        this.weight = weight;
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

    /** Begins a drain; returns its generation. */
    synchronized int startDrain() {
        if (!draining) {
            draining = true;
            drainGeneration++;
        }
        return drainGeneration;
    }

    /** Ends a drain; returns whether one was under way. */
    synchronized boolean endDrain() {
        boolean was = draining;
        draining = false;
        return was;
    }

    /**
     * Whether the drain of generation {@code generation} is still under way: the closes it planned stop once it is
     * not. Any thread.
     */
    public boolean drainingSince(int generation) {
        return draining && drainGeneration == generation;
    }

    /** The generation of the drain under way or last begun; see {@link #drainingSince(int)}. */
    public int drainGeneration() {
        return drainGeneration;
    }

    /**
     * Where the member stands now: {@link State#DRAINING} from a drain to its end, else {@link State#DOWN} while
     * passive or active health has it down, else {@link State#UP}. Whether it is a backup is the pool's to say
     * ({@link UpstreamPool#isBackup}); {@link UpstreamPool#status()} gives both.
     */
    public State state() {
        if (draining) {
            return State.DRAINING;
        }
        return down() ? State.DOWN : State.UP;
    }

    /** The states of a member; see {@link #state()}. */
    public enum State {
        /** Takes new connections. */
        UP,
        /** Failed (passive health) or failed its probes (active health): no new connections unless all are down. */
        DOWN,
        /** Being drained: no new connections; its open ones close at the drain's deadline, if it has one. */
        DRAINING
    }

    /** Connect or handshake failures since the member was created. */
    public long failures() {
        return failures.get();
    }

    /**
     * The round trip of the proxy's heartbeat pings on this member's connections, smoothed as TCP smooths its RTT
     * (each new sample counts 1/8), in nanoseconds; -1 until a pong came back. A strategy may prefer members that
     * answer fast. Needs the heartbeat to ping the upstream hop.
     */
    public long heartbeatRoundTripNanos() {
        return smoothedRoundTrip;
    }

    /**
     * A pong from this member after {@code nanos}. From any event loop and without a lock: two loops that update at
     * the same instant may lose one sample, which a smoothed figure can spare.
     */
    public void roundTripMeasured(long nanos) {
        long smoothed = smoothedRoundTrip;
        smoothedRoundTrip = smoothed < 0 ? nanos : smoothed + (nanos - smoothed) / 8;
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
        failures.incrementAndGet();
    }

    /** The pool's passive health settings; a member belongs to one pool. */
    void passiveHealth(int maxFails, long failWindowNanos, long failTimeoutNanos, LongSupplier clock) {
        this.maxFails = maxFails;
        this.failWindowNanos = failWindowNanos;
        this.failTimeoutNanos = failTimeoutNanos;
        this.clock = clock;
    }

    /**
     * Whether passive or active health has this member down: passive after the pool's {@code maxFails} failed
     * connections within its fail window, for the fail timeout; active after its probes' fall threshold. A member
     * that is down gets no new connections unless every member is.
     */
    public boolean down() {
        return downAt(clock.getAsLong());
    }

    /**
     * A connect or handshake failure at {@code now}: {@code maxFails} of them within the fail window mark the member
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
        if (windowFailures == 0 || now - windowStart > failWindowNanos) {
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

    /** The URI, and the address it was resolved to when it names a host: {@code ws://backend:9000 (10.0.0.7)}. */
    @Override
    public String toString() {
        return named ? uri + " (" + address.getAddress().getHostAddress() + ")" : uri.toString();
    }
}
