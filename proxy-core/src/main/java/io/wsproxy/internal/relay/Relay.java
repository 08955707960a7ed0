package io.wsproxy.internal.relay;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.HeartbeatStats;
import io.wsproxy.upstream.Upstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running relay behind a {@code ProxyServer}: its listening sockets, its loops, and the count of open
 * connections that the connection limit and shutdown use.
 *
 * <p>Thread-safe: {@link #start} and {@link #shutdown} are serialized on this object; the rest is lock-free.
 */
public final class Relay {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    private static final AtomicInteger SERVER_IDS = new AtomicInteger();

    private enum Lifecycle { NEW, RUNNING, STOPPING, STOPPED }

    private final RelayConfig config;
    private final List<Listener> listen;
    private final int loopCount;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private final Object shutdownSignal = new Object();

    private Lifecycle lifecycle = Lifecycle.NEW;
    private volatile boolean stopping;
    private volatile List<InetSocketAddress> addresses = List.of();
    /** Null until started; replaced only under this object's monitor, read by any thread. */
    private volatile RelayLoop[] loops;
    private final List<Acceptor> acceptors = new ArrayList<>();

    public Relay(RelayConfig config, List<Listener> listen, int loopCount) {
        this.config = config;
        this.listen = List.copyOf(listen);
        this.loopCount = loopCount;
    }

    public RelayConfig config() {
        return config;
    }

    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    public int openConnections() {
        return open.get();
    }

    /** Binds every listen address, then starts the loops. On any failure nothing stays open and start may be retried. */
    public synchronized void start() throws IOException {
        if (lifecycle != Lifecycle.NEW) {
            throw new IllegalStateException("The server was already " + (lifecycle == Lifecycle.RUNNING ? "started" : "closed"));
        }
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<RelayLoop> created = new ArrayList<>();
        try {
            List<InetSocketAddress> bound = new ArrayList<>();
            for (Listener listener : listen) {
                InetSocketAddress address = listener.address();
                ServerSocketChannel server = ServerSocketChannel.open();
                servers.add(server);
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                try {
                    server.bind(address, 1024);
                } catch (IOException e) {
                    throw new IOException("Cannot listen on " + address.getHostString() + ":" + address.getPort() + ": "
                            + e.getMessage(), e);
                }
                server.configureBlocking(false);
                bound.add((InetSocketAddress) server.getLocalAddress());
            }
            int serverId = SERVER_IDS.incrementAndGet();
            for (int i = 0; i < loopCount; i++) {
                created.add(new RelayLoop(this, "wsproxy-" + serverId + "-loop-" + i, config));
            }
            loops = created.toArray(new RelayLoop[0]);
            for (RelayLoop loop : loops) {
                loop.start();
            }
            for (int i = 0; i < servers.size(); i++) {
                RelayLoop loop = loops[i % loopCount];
                Acceptor acceptor = new Acceptor(this, loop, servers.get(i), listen.get(i));
                CompletableFuture<Void> registered = new CompletableFuture<>();
                loop.execute(() -> {
                    try {
                        acceptor.register();
                        registered.complete(null);
                    } catch (IOException | RuntimeException e) {
                        registered.completeExceptionally(e);
                    }
                });
                awaitRegistration(registered, bound.get(i));
                acceptors.add(acceptor);
            }
            addresses = List.copyOf(bound);
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel server : servers) {
                closeQuietly(server);
            }
            for (RelayLoop loop : created) {
                loop.shutdown();
            }
            acceptors.clear();
            loops = null;
            throw e;
        }
        lifecycle = Lifecycle.RUNNING;
        log.info("wsproxy listening on {} relaying to {} with {} loops", uris(), config.pool, loopCount);
    }

    /** The bound listeners as {@code ws://host:port} or {@code wss://host:port}, for log lines. */
    private List<String> uris() {
        List<String> uris = new ArrayList<>();
        List<InetSocketAddress> bound = addresses;
        for (int i = 0; i < bound.size(); i++) {
            Listener listener = listen.get(i);
            String scheme = listener.transport() == null ? "ws" : listener.transport().scheme();
            InetSocketAddress address = bound.get(i);
            String host = address.getAddress().getHostAddress();
            uris.add(scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort());
        }
        return uris;
    }

    private static void awaitRegistration(CompletableFuture<Void> registered, InetSocketAddress address)
            throws IOException {
        try {
            registered.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new IOException("Cannot accept on " + address + ": " + e.getCause(), e.getCause());
        }
    }

    /** Hands a client socket accepted on {@code listener} to the next loop. Called on an acceptor's loop. */
    void dispatch(SocketChannel channel, Listener listener) {
        // Counted before the check, so that a shutdown either sees this connection or this call sees the shutdown.
        int openNow = open.incrementAndGet();
        if (stopping) {
            closeQuietly(channel);
            connectionClosed();
            return;
        }
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            log.debug("Setting up an accepted socket failed: {}", e.toString());
            closeQuietly(channel);
            connectionClosed();
            return;
        }
        boolean overLimit = openNow > config.maxConnections;
        RelayLoop loop = loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
        if (loop.inLoop()) {
            loop.accept(channel, listener, overLimit);
        } else if (!loop.execute(() -> loop.accept(channel, listener, overLimit))) {
            closeQuietly(channel);
            connectionClosed();
        }
    }

    /**
     * Buffers lent to connections and not returned, summed over the loops; each loop is asked on its own thread.
     * For tests and diagnostics: an idle or closed connection holds none.
     */
    public int lentBuffers() {
        int lent = 0;
        for (RelayLoop loop : startedLoops()) {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            if (loop.execute(() -> count.complete(loop.bufferPool().lent()))) {
                lent += count.join();
            }
        }
        return lent;
    }

    /** Heartbeat counters and round-trip times merged over the loops, each read on its own thread. */
    public HeartbeatStats heartbeatStats() {
        long[] clientCounts = new long[RoundTripRecorder.BUCKETS];
        long[] upstreamCounts = new long[RoundTripRecorder.BUCKETS];
        long[] totals = new long[3];
        long[] clientRange = {Long.MAX_VALUE, 0};
        long[] upstreamRange = {Long.MAX_VALUE, 0};
        for (RelayLoop loop : startedLoops()) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (loop.execute(() -> {
                loop.heartbeatCounters(totals);
                widen(clientRange, loop.clientRoundTrips.mergeInto(clientCounts));
                widen(upstreamRange, loop.upstreamRoundTrips.mergeInto(upstreamCounts));
                done.complete(null);
            })) {
                done.join();
            }
        }
        return new HeartbeatStats(totals[0], totals[1], totals[2],
                RoundTripRecorder.summarize(clientCounts, clientRange[0], clientRange[1]),
                RoundTripRecorder.summarize(upstreamCounts, upstreamRange[0], upstreamRange[1]));
    }

    /**
     * Closes the relayed connections to {@code member} with 1012, spread evenly over {@code spreadNanos} starting
     * {@code delayNanos} from now, on each loop, unless the member's drain ends first (the closes not made by then are
     * not made). Returns how many connections that concerns, once every loop has planned its share; any thread but a
     * loop's.
     */
    public int drain(Upstream member, long delayNanos, long spreadNanos) {
        return drain(member, 1.0, member.drainGeneration(), delayNanos, spreadNanos);
    }

    /**
     * Closes a {@code share} (0 to 1) of the relayed connections to {@code member} on each loop, as
     * {@link #drain(Upstream, long, long)} closes all of them, whether or not the member is draining: the
     * rebalancing of long-lived connections.
     */
    public int shed(Upstream member, double share, long delayNanos, long spreadNanos) {
        return drain(member, share, -1, delayNanos, spreadNanos);
    }

    private int drain(Upstream member, double share, int generation, long delayNanos, long spreadNanos) {
        int planned = 0;
        for (RelayLoop loop : startedLoops()) {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            if (loop.execute(() -> count.complete(loop.drain(member, share, generation, loop.now() + delayNanos,
                    spreadNanos)))) {
                planned += count.join();
            }
        }
        return planned;
    }

    /** A snapshot of every open connection, each loop's taken on its own thread. */
    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> all = new ArrayList<>();
        for (RelayLoop loop : startedLoops()) {
            CompletableFuture<List<ConnectionInfo>> snapshot = new CompletableFuture<>();
            if (loop.execute(() -> snapshot.complete(loop.connectionInfos()))) {
                all.addAll(snapshot.join());
            }
        }
        return all;
    }

    private static void widen(long[] range, long[] minMax) {
        range[0] = Math.min(range[0], minMax[0]);
        range[1] = Math.max(range[1], minMax[1]);
    }

    /**
     * The loops, for a caller that will wait on tasks it gives them; such a caller on a loop thread would wait for
     * itself forever, so that is refused.
     */
    private RelayLoop[] startedLoops() {
        RelayLoop[] started = loops;
        if (started == null) {
            return new RelayLoop[0];
        }
        for (RelayLoop loop : started) {
            if (loop.inLoop()) {
                throw new IllegalStateException("Not callable from an event-loop thread of the same server");
            }
        }
        return started;
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    public boolean stopping() {
        return stopping;
    }

    /** A connection ended. Any loop thread. */
    void connectionClosed() {
        if (open.decrementAndGet() == 0 && stopping) {
            synchronized (shutdownSignal) {
                shutdownSignal.notifyAll();
            }
        }
    }

    /**
     * Stops accepting, asks every connection to close gracefully, waits up to {@code deadlineNanos} for them,
     * closes the rest and stops the loops. Idempotent; a concurrent caller waits for the first.
     */
    public synchronized void shutdown(long deadlineNanos) {
        if (lifecycle == Lifecycle.STOPPED) {
            return;
        }
        startedLoops();
        if (lifecycle == Lifecycle.NEW) {
            lifecycle = Lifecycle.STOPPED;
            return;
        }
        lifecycle = Lifecycle.STOPPING;
        stopping = true;
        long end = System.nanoTime() + deadlineNanos;
        for (Acceptor acceptor : acceptors) {
            acceptor.loopExecuteClose();
        }
        for (RelayLoop loop : loops) {
            loop.execute(loop::goAwayAll);
        }
        awaitConnectionsClosed(end);
        for (RelayLoop loop : loops) {
            loop.execute(loop::closeAll);
            loop.shutdown();
        }
        boolean interrupted = false;
        for (RelayLoop loop : loops) {
            try {
                if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.warn("{} did not stop within 5 s", loop);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        lifecycle = Lifecycle.STOPPED;
        log.info("wsproxy on {} stopped", uris());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitConnectionsClosed(long end) {
        synchronized (shutdownSignal) {
            long remaining;
            while (open.get() > 0 && (remaining = end - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(shutdownSignal, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    String describe(ServerSocketChannel server) {
        try {
            return String.valueOf(server.getLocalAddress());
        } catch (IOException e) {
            return "a closed listener";
        }
    }

    /** Closes {@code channel}, logging a failure at debug: for sockets the relay gives up on. */
    static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("Closing a channel failed: {}", e.toString());
        }
    }
}
