package io.wsproxy;

import io.wsproxy.internal.relay.Listener;
import io.wsproxy.internal.relay.Relay;
import io.wsproxy.internal.relay.RelayConfig;
import io.wsproxy.upstream.MembershipListener;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket relay: accepts ws:// (and, with the proxy-tls module, wss://) connections on its listen addresses,
 * completes each client's upgrade with an upstream chosen by the {@link UpstreamPool}, and relays frames both ways
 * until either side closes.
 *
 * <pre>{@code
 * ProxyServer proxy = ProxyServer.builder()
 *         .listen(new InetSocketAddress("0.0.0.0", 8080))
 *         .upstreams(UpstreamPool.of("ws://10.0.0.1:9000", "ws://10.0.0.2:9000"))
 *         .build()
 *         .start();
 * ...
 * proxy.close();
 * }</pre>
 *
 * <p>wss:// with the proxy-tls module: {@code .listen(new InetSocketAddress(8443), ServerTls.builder()
 * .certificate(Path.of("fullchain.pem"), Path.of("privkey.pem")).build())}; wss:// upstreams are verified against
 * the JDK's trusted CAs unless {@link Builder#upstreamTls(UpstreamTransport)} says otherwise.
 *
 * <p>Thread-safe: every method may be called from any thread except this server's own event-loop threads (for
 * example from a {@link io.wsproxy.upstream.BalancingStrategy}), where {@link #close()}, {@link #heartbeatStats()}
 * and {@link #connections()} would wait for themselves and are refused. Connections run on a fixed group of event
 * loops (one thread each, by default one per core); nothing of the relay blocks the caller.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    /** Joins closer together than this rebalance once. */
    private static final Duration REBALANCE_SETTLE = Duration.ofSeconds(1);

    private final Relay relay;
    private final Duration shutdownTimeout;
    private final PoolWatch membership;

    private ProxyServer(Builder builder) {
        RelayConfig config = new RelayConfig(builder.pool, builder.forwardedHeaders,
                builder.handshakeTimeout.toNanos(), builder.connectTimeout.toNanos(),
                builder.upstreamHandshakeTimeout.toNanos(), builder.closeTimeout.toNanos(),
                builder.sendTimeout.toNanos(), builder.bufferSize, builder.maxHeaderBytes, builder.maxHeaderCount,
                builder.maxResponseBodyBytes, builder.maxMessageBytes, builder.maxUpstreamTries,
                builder.connectBudget.toNanos(), builder.maxConnections, Math.max(1, builder.retryAfter.toSeconds()),
                builder.heartbeat,
                builder.idleTimeout.toNanos(), builder.shutdownCloseCode, builder.upstreamTransport);
        this.relay = new Relay(config, builder.listen, builder.eventLoops);
        this.shutdownTimeout = builder.shutdownTimeout;
        this.membership = new PoolWatch(builder);
    }

    /**
     * What the server does when the pool's membership changes on its own: closes the connections of vanished
     * addresses ({@link Builder#drainVanished}) and rebalances after members join ({@link Builder#rebalanceOnJoin}).
     */
    private final class PoolWatch implements MembershipListener {
        private final Duration vanishedDeadline;
        private final Duration vanishedSpread;
        private final double tolerance;
        private final double closesPerSecond;
        /** Counts joins, so that only the last of several joins in quick succession rebalances. */
        private final AtomicLong joins = new AtomicLong();

        PoolWatch(Builder builder) {
            this.vanishedDeadline = builder.vanishedDeadline;
            this.vanishedSpread = builder.vanishedSpread;
            this.tolerance = builder.rebalanceTolerance;
            this.closesPerSecond = builder.rebalanceClosesPerSecond;
        }

        boolean needed() {
            return vanishedDeadline != null || closesPerSecond > 0;
        }

        @Override
        public void vanished(Upstream member) {
            if (vanishedDeadline != null) {
                int planned = relay.drain(member, vanishedDeadline.toNanos(), vanishedSpread.toNanos());
                log.info("Upstream {} vanished from its host name: {} connections to close in {} ms", member,
                        planned, vanishedDeadline.toMillis());
            }
        }

        @Override
        public void joined(Upstream member) {
            if (closesPerSecond > 0) {
                long join = joins.incrementAndGet();
                CompletableFuture.delayedExecutor(REBALANCE_SETTLE.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                    if (joins.get() != join || relay.stopping()) {
                        return; // a later join rebalances, or the server is closing
                    }
                    try {
                        int planned = rebalance(tolerance, closesPerSecond);
                        log.info("Rebalancing after {} joined: {} connections to close", member, planned);
                    } catch (RuntimeException e) {
                        log.warn("Rebalancing after {} joined failed", member, e);
                    }
                });
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds every listen address and starts the event loops. Returns this server.
     *
     * @throws IOException           if an address cannot be bound (the message names it, e.g. when the port is in
     *                               use); nothing stays open then
     * @throws IllegalStateException if called twice, or after {@link #close()}
     */
    public ProxyServer start() throws IOException {
        relay.start();
        if (membership.needed()) {
            relay.config().pool.addListener(membership);
        }
        relay.config().pool.start();
        return this;
    }

    /**
     * The bound listen addresses, in the order they were added, with the actual ports when port 0 was asked for.
     * Empty before {@link #start()}.
     */
    public List<InetSocketAddress> addresses() {
        return relay.addresses();
    }

    /** The first bound address; a convenience for servers with one listener. */
    public InetSocketAddress address() {
        List<InetSocketAddress> addresses = relay.addresses();
        if (addresses.isEmpty()) {
            throw new IllegalStateException("The server is not started");
        }
        return addresses.get(0);
    }

    public UpstreamPool upstreams() {
        return relay.config().pool;
    }

    /**
     * Client connections accepted and not yet closed, at any stage: handshake, relay, or closing. A connection
     * counts until both of its sockets are closed, which after a close handshake or an error answer waits for the
     * peer to close its end too, at most the close timeout.
     */
    public int openConnections() {
        return relay.openConnections();
    }

    /**
     * What the heartbeat has done so far: pings, answers, timeouts, and round-trip times per hop. Asks each event
     * loop, so it costs a few task hand-offs; fine for metrics scraping, not for a hot path.
     */
    public HeartbeatStats heartbeatStats() {
        return relay.heartbeatStats();
    }

    /** A snapshot of every open connection, gathered from the event loops. */
    public List<ConnectionInfo> connections() {
        return relay.connections();
    }

    /**
     * Drains {@code member}: it gets no new connections from now on ({@link UpstreamPool#drain}), and after
     * {@code deadline} its relayed connections are closed one after the other, evenly
     * over {@code spread}, each as at a graceful shutdown (Close 1001 to the upstream at a frame boundary, what it
     * sends until its reply still relayed) with {@code 1012} Service Restart to the client, so that clients reconnect
     * at once, elsewhere, and tens of thousands of them do not all reconnect in the same second. Returns how many
     * connections will be closed. Connections still in their handshake are not touched.
     *
     * @throws IllegalArgumentException if a duration is negative, or {@code member} is not in the pool
     */
    public int drain(Upstream member, Duration deadline, Duration spread) {
        Objects.requireNonNull(member, "member");
        if (deadline.isNegative() || spread.isNegative()) {
            throw new IllegalArgumentException("deadline and spread must not be negative, got " + deadline + " and "
                    + spread);
        }
        relay.config().pool.drain(member);
        return relay.drain(member, deadline.toNanos(), spread.toNanos());
    }

    /**
     * Spreads existing long-lived connections onto capacity that has joined, which no common proxy does: a member
     * holding more than its weighted share of the open connections by over {@code tolerance} (0.1 = 10%) sheds the
     * excess, its newest connections first, each closed as by {@link #drain} with {@code 1012} Service Restart, at
     * most {@code closesPerSecond} in all, so that the clients reconnect and the balancing strategy places them.
     * Works best with a load-aware strategy ({@link io.wsproxy.upstream.BalancingStrategy#leastConnections()}),
     * which sends the reconnecting clients to the members with room. Returns how many connections it will close.
     *
     * @throws IllegalArgumentException if {@code tolerance} is negative or {@code closesPerSecond} not positive
     */
    public int rebalance(double tolerance, double closesPerSecond) {
        if (!(tolerance >= 0) || !(closesPerSecond > 0)) {
            throw new IllegalArgumentException("tolerance must be at least 0 and closesPerSecond positive, got "
                    + tolerance + " and " + closesPerSecond);
        }
        UpstreamPool pool = relay.config().pool;
        List<Upstream> members = new ArrayList<>();
        for (Upstream member : pool.members()) {
            // Only the members that take new connections share them; drains and health deal with the others.
            if (member.state() == Upstream.State.UP && !pool.isBackup(member)) {
                members.add(member);
            }
        }
        long total = 0;
        long weights = 0;
        for (Upstream member : members) {
            total += member.activeConnections();
            weights += member.weight();
        }
        double[] excess = new double[members.size()];
        double shed = 0;
        for (int i = 0; i < members.size(); i++) {
            Upstream member = members.get(i);
            double share = (double) total * member.weight() / weights;
            if (member.activeConnections() > share * (1 + tolerance)) {
                excess[i] = Math.floor(member.activeConnections() - share);
                shed += excess[i];
            }
        }
        if (shed == 0) {
            return 0;
        }
        long spreadNanos = (long) (shed / closesPerSecond * 1e9);
        int planned = 0;
        for (int i = 0; i < members.size(); i++) {
            int active = members.get(i).activeConnections();
            if (excess[i] > 0 && active > 0) {
                planned += relay.shed(members.get(i), excess[i] / active, 0, spreadNanos);
            }
        }
        return planned;
    }

    /**
     * Stops gracefully within the builder's shutdown timeout; see {@link #close(Duration)}. Idempotent.
     */
    @Override
    public void close() {
        close(shutdownTimeout);
    }

    /**
     * Stops accepting and closes every connection upstream first: Close 1001 "proxy shutting down" to the upstream
     * at a frame boundary, what it sends until its Close reply still relayed to the client, then Close 1001 (or the
     * builder's {@link Builder#shutdownCloseCode}) to the client. Waits up to {@code deadline} for the close
     * handshakes, closes whatever remains, and stops the event loops.
     * Returns when all of that is done. Idempotent: later calls wait for the first one to finish.
     */
    public void close(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        relay.config().pool.removeListener(membership);
        relay.config().pool.stop();
        relay.shutdown(deadline.toNanos());
    }

    @Override
    public String toString() {
        return "ProxyServer" + relay.addresses() + " -> " + relay.config().pool;
    }

    /** Configuration of a {@link ProxyServer}; every setting has a default except the upstream pool. */
    public static final class Builder {
        private final List<Listener> listen = new ArrayList<>();
        private UpstreamPool pool;
        private UpstreamTransport upstreamTransport;
        private ForwardedHeaders forwardedHeaders = ForwardedHeaders.defaults();
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration upstreamHandshakeTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Duration sendTimeout = Duration.ofSeconds(60);
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private Duration retryAfter = Duration.ofSeconds(5);
        private int bufferSize = 64 * 1024;
        private int maxHeaderBytes = 16 * 1024;
        private int maxHeaderCount = 100;
        private int maxResponseBodyBytes = 64 * 1024;
        private long maxMessageBytes;
        private int maxUpstreamTries = 3;
        private Duration connectBudget = Duration.ofSeconds(30);
        private Duration vanishedDeadline;
        private Duration vanishedSpread = Duration.ZERO;
        private double rebalanceTolerance;
        private double rebalanceClosesPerSecond;
        private int maxConnections = Integer.MAX_VALUE;
        private HeartbeatPolicy heartbeat = HeartbeatPolicy.defaults();
        private Duration idleTimeout = Duration.ZERO;
        private int shutdownCloseCode = 1001;

        private Builder() {
        }

        /** Adds a ws:// listen address (port 0 for an ephemeral port). Default: 127.0.0.1:8080 when none is added. */
        public Builder listen(InetSocketAddress address) {
            listen.add(new Listener(Objects.requireNonNull(address, "address"), null));
            return this;
        }

        /**
         * Adds a listen address whose connections arrive over {@code transport}: a wss:// listener with the proxy-tls
         * module's {@code ServerTls}. Its clients' upstream requests say {@code X-Forwarded-Proto: https}.
         */
        public Builder listen(InetSocketAddress address, ListenerTransport transport) {
            listen.add(new Listener(Objects.requireNonNull(address, "address"),
                    Objects.requireNonNull(transport, "transport")));
            return this;
        }

        /** Adds a listen address; see {@link #listen(InetSocketAddress)}. */
        public Builder listen(String host, int port) {
            return listen(new InetSocketAddress(host, port));
        }

        /** The upstreams to relay to. Required. */
        public Builder upstreams(UpstreamPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /**
         * TLS toward wss:// upstreams: the proxy-tls module's {@code UpstreamTls}, for a CA bundle of your own, a
         * client certificate, or (for development only) no verification. Default: the proxy-tls module's
         * {@code UpstreamTls.defaults()} when that module is on the class path (the JDK's trusted CAs, host names
         * verified, SNI sent).
         */
        public Builder upstreamTls(UpstreamTransport transport) {
            this.upstreamTransport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** The headers added to the upstream request; default {@link ForwardedHeaders#defaults()}. */
        public Builder forwardedHeaders(ForwardedHeaders forwardedHeaders) {
            this.forwardedHeaders = Objects.requireNonNull(forwardedHeaders, "forwardedHeaders");
            return this;
        }

        /** Number of event loops (threads); default: the number of available processors. */
        public Builder eventLoops(int eventLoops) {
            this.eventLoops = eventLoops;
            return this;
        }

        /** Time a client has to send its complete upgrade request; then {@code 408}. Default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /** Time to establish the TCP connection to one upstream; then the next is tried. Default 5 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Time an upstream has to answer the upgrade request once connected; then the next is tried. Default 10 s. */
        public Builder upstreamHandshakeTimeout(Duration timeout) {
            this.upstreamHandshakeTimeout = timeout;
            return this;
        }

        /** Time a close handshake may take before both TCP connections are closed. Default 5 s. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /** Time a side may accept no bytes while data for it is pending; then it is closed. Default 60 s. */
        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = timeout;
            return this;
        }

        /** Deadline of {@link ProxyServer#close()}. Default 10 s. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        /** Value of {@code Retry-After} in the {@code 503} sent when the connection limit is reached. Default 5 s. */
        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
            return this;
        }

        /**
         * Bytes read from a side at once, and the most unsent bytes held per direction before the proxy stops
         * reading from the sender (backpressure). Default 64 KiB.
         */
        public Builder bufferSize(int bytes) {
            this.bufferSize = bytes;
            return this;
        }

        /** Largest request head (request line and headers) a client may send; beyond it {@code 431}. Default 16 KiB. */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = bytes;
            return this;
        }

        /** Most header fields a client request may have; beyond it {@code 431}. Default 100. */
        public Builder maxHeaderCount(int count) {
            this.maxHeaderCount = count;
            return this;
        }

        /** Largest body of a non-101 upstream answer relayed to the client; a larger one gives {@code 502}. Default 64 KiB. */
        public Builder maxResponseBodyBytes(int bytes) {
            this.maxResponseBodyBytes = bytes;
            return this;
        }

        /** Largest message either side may send (sum of its frames' payloads); beyond it Close 1009. Default: no limit (0). */
        public Builder maxMessageBytes(long bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Most upstreams tried for one client connection when connecting fails. Default 3. */
        public Builder maxUpstreamTries(int tries) {
            this.maxUpstreamTries = tries;
            return this;
        }

        /**
         * Time the tries of one connection may take together, from the first connect to an upstream's answer to the
         * upgrade: when it is spent, no further member is tried and the client gets {@code 504}, and a try under way
         * is cut short (nginx's {@code proxy_next_upstream_timeout}, which is off by default; with the default
         * timeouts three tries could otherwise keep a client waiting 45 s). Default 30 s.
         */
        public Builder connectBudget(Duration budget) {
            this.connectBudget = Objects.requireNonNull(budget, "connectBudget");
            return this;
        }

        /**
         * Closes the connections of a member whose address vanished from its host name
         * ({@link UpstreamPool.Builder#resolveEvery}) after {@code deadline}, one after the other over {@code spread},
         * as {@link ProxyServer#drain} does. Default: they stay open until they end, as in nginx.
         */
        public Builder drainVanished(Duration deadline, Duration spread) {
            if (deadline.isNegative() || spread.isNegative()) {
                throw new IllegalArgumentException("deadline and spread must not be negative, got " + deadline
                        + " and " + spread);
            }
            this.vanishedDeadline = deadline;
            this.vanishedSpread = spread;
            return this;
        }

        /**
         * Rebalances on its own when members join the pool (added, or a new address of a host name):
         * {@link ProxyServer#rebalance} with these arguments, once the joins have settled for a second. Best with a
         * load-aware strategy. Default: off.
         *
         * @throws IllegalArgumentException if {@code tolerance} is negative or {@code closesPerSecond} not positive
         */
        public Builder rebalanceOnJoin(double tolerance, double closesPerSecond) {
            if (!(tolerance >= 0) || !(closesPerSecond > 0)) {
                throw new IllegalArgumentException("tolerance must be at least 0 and closesPerSecond positive, got "
                        + tolerance + " and " + closesPerSecond);
            }
            this.rebalanceTolerance = tolerance;
            this.rebalanceClosesPerSecond = closesPerSecond;
            return this;
        }

        /** Most client connections open at once; more get {@code 503} with {@code Retry-After}. Default: no limit. */
        public Builder maxConnections(int connections) {
            this.maxConnections = connections;
            return this;
        }

        /** The proxy's pings on both hops; default {@link HeartbeatPolicy#defaults()}. */
        public Builder heartbeat(HeartbeatPolicy heartbeat) {
            this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
            return this;
        }

        /**
         * Closes a connection with 1001 "idle timeout" on both sides when no data passed either way for this long
         * (the proxy's own pings and pongs do not count). Default {@link Duration#ZERO}: no idle timeout, as the
         * heartbeat already finds dead peers.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout, "idleTimeout");
            return this;
        }

        /**
         * Close code sent to clients at a graceful shutdown: 1001 Going Away (default), or 1012 Service Restart to
         * tell them to reconnect at once (to another instance). Upstreams always get 1001.
         */
        public Builder shutdownCloseCode(int code) {
            this.shutdownCloseCode = code;
            return this;
        }

        /**
         * Checks the configuration and creates the server (not started).
         *
         * @throws IllegalStateException    if no upstream pool was given
         * @throws IllegalArgumentException for a value out of range, naming the setting
         */
        public ProxyServer build() {
            if (pool == null) {
                throw new IllegalStateException("No upstreams: call upstreams(UpstreamPool) before build()");
            }
            if (pool.members().isEmpty()) {
                throw new IllegalArgumentException("The upstream pool is empty");
            }
            if (listen.isEmpty()) {
                listen.add(new Listener(new InetSocketAddress("127.0.0.1", 8080), null));
            }
            for (Listener listener : listen) {
                if (listener.address().isUnresolved()) {
                    throw new IllegalArgumentException("Listen address does not resolve: "
                            + listener.address().getHostString());
                }
            }
            if (upstreamTransport == null) {
                // The proxy-tls module's default, for wss:// members now or added later.
                upstreamTransport = ServiceLoader.load(UpstreamTransport.class, ProxyServer.class.getClassLoader())
                        .findFirst().orElse(null);
            }
            if (upstreamTransport == null && pool.members().stream().anyMatch(Upstream::secure)) {
                throw new IllegalStateException("The pool has wss:// upstreams but no TLS: put the proxy-tls module"
                        + " on the class path, or call upstreamTls(...)");
            }
            requireAtLeast("eventLoops", eventLoops, 1);
            requirePositive("handshakeTimeout", handshakeTimeout);
            requirePositive("connectTimeout", connectTimeout);
            requirePositive("upstreamHandshakeTimeout", upstreamHandshakeTimeout);
            requirePositive("closeTimeout", closeTimeout);
            requirePositive("sendTimeout", sendTimeout);
            requirePositive("shutdownTimeout", shutdownTimeout);
            requirePositive("retryAfter", retryAfter);
            requirePositive("connectBudget", connectBudget);
            requireAtLeast("bufferSize", bufferSize, 1024);
            requireAtLeast("maxHeaderBytes", maxHeaderBytes, 256);
            requireAtLeast("maxHeaderCount", maxHeaderCount, 8);
            requireAtLeast("maxResponseBodyBytes", maxResponseBodyBytes, 0);
            requireAtLeast("maxUpstreamTries", maxUpstreamTries, 1);
            requireAtLeast("maxConnections", maxConnections, 1);
            if (idleTimeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative, got " + idleTimeout);
            }
            requireAtMostAYear("idleTimeout", idleTimeout);
            if (!idleTimeout.isZero() && idleTimeout.toMillis() < 10) {
                throw new IllegalArgumentException("idleTimeout must be zero (off) or at least 10 ms, got " + idleTimeout);
            }
            if (shutdownCloseCode != 1000 && shutdownCloseCode != 1001 && shutdownCloseCode != 1012
                    && (shutdownCloseCode < 4000 || shutdownCloseCode > 4999)) {
                throw new IllegalArgumentException("shutdownCloseCode must be 1000, 1001, 1012 or 4000-4999, got "
                        + shutdownCloseCode);
            }
            return new ProxyServer(this);
        }

        private static void requirePositive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            requireAtMostAYear(name, value);
        }

        private static void requireAtMostAYear(String name, Duration value) {
            if (value.compareTo(HeartbeatPolicy.MAX_DURATION) > 0) {
                throw new IllegalArgumentException(name + " must be at most 365 days, got " + value);
            }
        }

        private static void requireAtLeast(String name, long value, long minimum) {
            if (value < minimum) {
                throw new IllegalArgumentException(name + " must be at least " + minimum + ", got " + value);
            }
        }
    }
}
