package io.wsproxy.internal.relay;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.internal.codec.WebSocketProtocol;
import io.wsproxy.internal.loop.BufferPool;
import io.wsproxy.internal.loop.EventLoop;
import io.wsproxy.internal.loop.TimerTask;
import io.wsproxy.internal.loop.TimerWheel;
import io.wsproxy.internal.transport.PlainTransport;
import io.wsproxy.internal.transport.Transport;
import io.wsproxy.upstream.Upstream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventLoop} with what the relay keeps per loop: the list of its connections (for shutdown), a scratch
 * buffer for the control frames the proxy writes, and the source of masking keys.
 *
 * <p>{@link #accept}, {@link #goAwayAll} and {@link #closeAll} run on the loop thread (callers from elsewhere go
 * through {@link #execute}).
 */
final class RelayLoop {
    private static final Logger log = LoggerFactory.getLogger(RelayLoop.class);

    final EventLoop loop;
    final Relay relay;
    /** Holds one control frame at a time while it is written. */
    final ByteBuffer controlFrame = ByteBuffer.allocate(WebSocketProtocol.MAX_CONTROL_FRAME_BYTES);
    /** Masking keys for the proxy's own frames toward upstreams; see {@link #nextMaskKey()}. */
    private final SplittableRandom maskKeys = new SplittableRandom(new SecureRandom().nextLong());
    /** Heartbeat round trips measured on this loop, per hop. */
    final RoundTripRecorder clientRoundTrips = new RoundTripRecorder();
    final RoundTripRecorder upstreamRoundTrips = new RoundTripRecorder();
    long pingsSent;
    long pongsReceived;
    long heartbeatTimeouts;
    /** Head of the intrusive list of this loop's open connections. */
    private ProxyConnection first;
    private int connectionCount;

    RelayLoop(Relay relay, String name, RelayConfig config) {
        this.relay = relay;
        // Pooled buffers hold a full read plus room for a few control frames queued behind it.
        int pooled = config.bufferSize + 4 * WebSocketProtocol.MAX_CONTROL_FRAME_BYTES;
        this.loop = new EventLoop(name, config.bufferSize, pooled, 1024, System::nanoTime);
    }

    /** See {@link EventLoop#execute}: false when the loop has stopped and the task will not run. */
    boolean execute(Runnable task) {
        return loop.execute(task);
    }

    boolean inLoop() {
        return loop.inLoop();
    }

    long now() {
        return loop.now();
    }

    TimerWheel timers() {
        return loop.timers();
    }

    BufferPool bufferPool() {
        return loop.bufferPool();
    }

    ByteBuffer readBuffer() {
        return loop.readBuffer();
    }

    /**
     * A masking key for a frame the proxy writes toward an upstream. RFC 6455 §10.3 asks for unpredictable keys so
     * that an attacker who chooses a payload cannot choose its masked bytes; the proxy masks only its own control
     * frames, whose payloads (a send time, a close reason) no peer chooses, so a fast generator seeded from a
     * secure one is enough, and unlike {@link SecureRandom} it allocates nothing per key.
     */
    int nextMaskKey() {
        return maskKeys.nextInt();
    }

    /** Takes over a client socket accepted on {@code listener}. */
    void accept(SocketChannel channel, Listener listener, boolean overLimit) {
        Transport transport;
        if (listener.transport() == null) {
            transport = new PlainTransport(channel);
        } else {
            try {
                transport = listener.transport().accepted(channel);
            } catch (IOException | RuntimeException e) {
                log.warn("{}: cannot set up {} for a connection from {}: {}", loop, listener.transport().scheme(),
                        ProxyConnection.remoteAddress(channel), e.toString());
                Relay.closeQuietly(channel);
                relay.connectionClosed();
                return;
            }
        }
        ProxyConnection connection = new ProxyConnection(this, relay.config(), relay.nextId(), transport,
                listener.secure(), overLimit);
        link(connection);
        connection.start();
    }

    /**
     * Asks the loop to dispatch {@code endpoint} again with {@code OP_READ} before it blocks in select: its
     * transport holds input it took from the socket already, so no selector event would come for it.
     */
    void readAgain(Endpoint endpoint) {
        loop.dispatchAgain(endpoint.key);
    }

    SelectionKey register(SocketChannel channel, int ops, Endpoint endpoint) throws ClosedChannelException {
        return loop.register(channel, ops, endpoint);
    }

    /** A connection of this loop has ended and released everything. */
    void closed(ProxyConnection connection) {
        unlink(connection);
        relay.connectionClosed();
    }

    /** Starts a graceful close of every connection of this loop. */
    void goAwayAll() {
        for (ProxyConnection c = first; c != null; ) {
            ProxyConnection next = c.nextInLoop;
            c.goAway();
            c = next;
        }
    }

    /**
     * Closes a {@code share} (0 to 1, rounded to whole connections) of this loop's relayed connections to
     * {@code member} with 1012, one after the other at even intervals from {@code startNanos} (loop time) over
     * {@code spreadNanos}, so that their clients do not all reconnect in the same instant; the most recent
     * connections first (they have held their upstream for the shortest time), so that rebalancing sheds the
     * newest. For the drain of generation {@code generation} ({@link Upstream#drainingSince}), the closes stop when
     * that drain ends; -1 for closes not tied to a drain. One timer per drain, not one per connection. Returns how
     * many connections it will close.
     */
    int drain(Upstream member, double share, int generation, long startNanos, long spreadNanos) {
        List<ProxyConnection> targets = new ArrayList<>();
        for (ProxyConnection c = first; c != null; c = c.nextInLoop) {
            if (c.upstreamMember() == member && !c.closed()) {
                targets.add(c);
            }
        }
        int count = (int) Math.round(targets.size() * Math.max(0, Math.min(1, share)));
        // New connections are linked at the head, so the list runs from the newest to the oldest.
        targets = new ArrayList<>(targets.subList(0, count));
        if (!targets.isEmpty()) {
            new DrainTask(targets, member, generation, startNanos, spreadNanos).next(now());
        }
        return targets.size();
    }

    /** Closes the connections of one drain as their turns come: the i-th of n at start + spread * i / n. */
    private final class DrainTask extends TimerTask {
        private final List<ProxyConnection> targets;
        private final Upstream member;
        private final int generation;
        private final long start;
        private final long spread;
        private int next;

        DrainTask(List<ProxyConnection> targets, Upstream member, int generation, long start, long spread) {
            this.targets = targets;
            this.member = member;
            this.generation = generation;
            this.start = start;
            this.spread = spread;
        }

        private long due(int i) {
            return start + (long) ((double) spread * i / targets.size());
        }

        /** Closes every connection whose turn has come, then waits for the next turn. */
        void next(long now) {
            if (generation >= 0 && !member.drainingSince(generation)) {
                log.debug("{}: the drain of {} ended; {} of its connections not closed", loop, member,
                        targets.size() - next);
                return;
            }
            while (next < targets.size() && due(next) <= now) {
                ProxyConnection connection = targets.get(next++);
                if (!connection.closed()) {
                    connection.drain();
                }
            }
            if (next < targets.size()) {
                timers().schedule(this, due(next));
            }
        }

        @Override
        protected void expired(long now) {
            next(now);
        }

        @Override
        protected void failed(Throwable cause) {
            log.error("{}: draining connections failed", loop, cause);
        }
    }

    /** Closes every connection of this loop now. */
    void closeAll() {
        if (connectionCount > 0) {
            log.info("{}: closing {} connections that did not finish closing in time", loop, connectionCount);
        }
        for (ProxyConnection c = first; c != null; ) {
            ProxyConnection next = c.nextInLoop;
            c.abort("proxy shutting down");
            c = next;
        }
    }

    /** Adds this loop's pings sent, pongs received and heartbeat timeouts to {@code totals}. */
    void heartbeatCounters(long[] totals) {
        totals[0] += pingsSent;
        totals[1] += pongsReceived;
        totals[2] += heartbeatTimeouts;
    }

    List<ConnectionInfo> connectionInfos() {
        List<ConnectionInfo> infos = new ArrayList<>(connectionCount);
        for (ProxyConnection c = first; c != null; c = c.nextInLoop) {
            infos.add(c.info());
        }
        return infos;
    }

    int connectionCount() {
        return connectionCount;
    }

    void start() {
        loop.start();
    }

    void shutdown() {
        loop.shutdown();
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return loop.awaitTermination(timeout, unit);
    }

    private void link(ProxyConnection connection) {
        connection.nextInLoop = first;
        if (first != null) {
            first.previousInLoop = connection;
        }
        first = connection;
        connectionCount++;
    }

    private void unlink(ProxyConnection connection) {
        if (connection.previousInLoop != null) {
            connection.previousInLoop.nextInLoop = connection.nextInLoop;
        } else if (first == connection) {
            first = connection.nextInLoop;
        }
        if (connection.nextInLoop != null) {
            connection.nextInLoop.previousInLoop = connection.previousInLoop;
        }
        connection.nextInLoop = null;
        connection.previousInLoop = null;
        connectionCount--;
    }

    @Override
    public String toString() {
        return loop.name();
    }
}
