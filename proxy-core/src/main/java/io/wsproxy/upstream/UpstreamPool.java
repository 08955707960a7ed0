package io.wsproxy.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The upstreams a {@code ProxyServer} relays to, and the {@link BalancingStrategy} that spreads new connections
 * over them. Like an nginx {@code upstream} block.
 *
 * <p>Thread-safe: members may be added, removed and drained from any thread while the proxy runs; a choice reads
 * an immutable snapshot of them without a lock. Each connection's {@link Attempt} is confined to that connection's
 * event-loop thread.
 */
public final class UpstreamPool {
    /** The members now; replaced whole by {@link #add}, {@link #addBackup} and {@link #remove}, under this object. */
    private volatile Members snapshot;
    private final int maxFails;
    private final long failTimeoutNanos;
    private final BalancingStrategy strategy;
    private final LongSupplier clock;
    /** The latest time until which some member is down (passive health): before it, choices check each member. */
    private volatile long anyDownUntil;
    /** Active health checks; null when the pool has none. */
    private final ActiveHealthCheck activeCheck;
    /** Members the probes have down now: while any, choices check each member. */
    private final AtomicInteger probedDown = new AtomicInteger();
    /** The thread of the active checks while they run; guarded by this object. */
    private ScheduledExecutorService checker;
    /** Some member is draining: choices filter the members (otherwise they take the list as it is). */
    private volatile boolean anyDraining;

    private UpstreamPool(Builder builder) {
        this.snapshot = Members.of(builder.members, builder.backups);
        this.maxFails = builder.maxFails;
        this.failTimeoutNanos = builder.failTimeout.toNanos();
        this.strategy = builder.strategy != null ? builder.strategy : BalancingStrategy.roundRobin();
        this.clock = builder.clock;
        this.activeCheck = builder.activeCheck;
        this.anyDownUntil = clock.getAsLong();
        for (Upstream member : snapshot.all) {
            member.passiveHealth(maxFails, failTimeoutNanos, clock);
        }
    }

    /**
     * The members at one moment: all in the order they were added, the primaries (what a choice starts from) and the
     * backups. Immutable.
     */
    private record Members(List<Upstream> all, List<Upstream> primaries, List<Upstream> backups) {
        static Members of(List<Upstream> all, List<Upstream> backups) {
            List<Upstream> primaries = new ArrayList<>(all);
            primaries.removeAll(backups);
            return new Members(List.copyOf(all), List.copyOf(primaries), List.copyOf(backups));
        }
    }

    /**
     * A round-robin pool of the given {@code ws://host:port} URIs.
     *
     * @throws IllegalArgumentException if there are none, or one is invalid (see {@link Upstream#of(String)})
     */
    public static UpstreamPool of(String... uris) {
        Builder builder = builder();
        Arrays.stream(uris).map(Upstream::of).forEach(builder::add);
        return builder.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The members now, in the order they were added, backups included. */
    public List<Upstream> members() {
        return snapshot.all;
    }

    /** Whether {@code member} is a backup: it gets connections only when no other member can take them. */
    public boolean isBackup(Upstream member) {
        return snapshot.backups.contains(member);
    }

    /**
     * Adds a member while the proxy runs, from any thread: new connections may go to it at once. Its address must
     * not be in the pool already.
     *
     * @throws IllegalArgumentException if a member has the same address
     */
    public void add(Upstream member) {
        addMember(member, false);
    }

    /** Adds a backup member while the proxy runs; see {@link Builder#addBackup(Upstream)}. */
    public void addBackup(Upstream member) {
        addMember(member, true);
    }

    private synchronized void addMember(Upstream member, boolean backup) {
        Objects.requireNonNull(member, "member");
        Members now = snapshot;
        for (Upstream existing : now.all) {
            if (existing.address().equals(member.address())) {
                throw new IllegalArgumentException("Upstream " + member + " is already in the pool");
            }
        }
        member.passiveHealth(maxFails, failTimeoutNanos, clock);
        List<Upstream> all = new ArrayList<>(now.all);
        all.add(member);
        List<Upstream> backups = new ArrayList<>(now.backups);
        if (backup) {
            backups.add(member);
        }
        snapshot = Members.of(all, backups);
    }

    /**
     * Removes a member while the proxy runs, from any thread: it gets no new connections, and its open connections
     * go on until they end (drain it first to close them). Returns whether it was a member.
     *
     * @throws IllegalArgumentException if it is the last member that is not a backup (nginx needs a server too)
     */
    public synchronized boolean remove(Upstream member) {
        Members now = snapshot;
        if (!now.all.contains(member)) {
            return false;
        }
        if (now.primaries.size() == 1 && now.primaries.get(0) == member) {
            throw new IllegalArgumentException("Cannot remove " + member + ", the last member that is not a backup");
        }
        List<Upstream> all = new ArrayList<>(now.all);
        all.remove(member);
        List<Upstream> backups = new ArrayList<>(now.backups);
        backups.remove(member);
        snapshot = Members.of(all, backups);
        if (member.clearProbes()) {
            probedDown.decrementAndGet();
        }
        return true;
    }

    public BalancingStrategy strategy() {
        return strategy;
    }

    /**
     * Starts the active health checks, if the pool has them, on one daemon thread of their own: the first round at
     * once, then one every interval. A {@code ProxyServer} calls this when it starts; idempotent.
     */
    public synchronized void startHealthChecks() {
        if (activeCheck == null || checker != null) {
            return;
        }
        checker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "wsproxy-health-check");
            thread.setDaemon(true);
            return thread;
        });
        checker.scheduleWithFixedDelay(this::probeAll, 0, activeCheck.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the active health checks, and forgets what they said: no member stays down on the word of probes that no
     * longer run. A {@code ProxyServer} calls this when it closes. Idempotent.
     */
    public synchronized void stopHealthChecks() {
        if (checker != null) {
            checker.shutdownNow();
            try {
                checker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            checker = null;
            for (Upstream member : snapshot.all) {
                if (member.clearProbes()) {
                    probedDown.decrementAndGet();
                }
            }
        }
    }

    /** One round of probes, one member after the other. */
    private void probeAll() {
        for (Upstream member : snapshot.all) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            int change = member.probed(HealthProbe.probe(member, activeCheck), activeCheck);
            if (change != 0) {
                probedDown.addAndGet(change);
            }
        }
    }

    /** Notes that a member is down until {@code until}, so that choices check members until then. */
    private synchronized void markedDown(long until) {
        if (until - anyDownUntil > 0) {
            anyDownUntil = until;
        }
    }

    /**
     * Stops sending new connections to {@code member}; its open connections stay until they end or are closed
     * ({@code ProxyServer.drain} does both). While every member is draining, new connections get {@code 502}.
     * Irreversible for now; thread-safe.
     *
     * @throws IllegalArgumentException if {@code member} is not in this pool
     */
    public void drain(Upstream member) {
        if (!snapshot.all.contains(member)) {
            throw new IllegalArgumentException(member + " is not a member of this pool");
        }
        if (!member.draining()) {
            member.setDraining();
            anyDraining = true;
        }
    }

    /**
     * Starts choosing an upstream for one client connection, trying at most {@code maxTries} members (each at most
     * once). The caller reports each outcome to the attempt.
     */
    public Attempt attempt(ClientRequest request, int maxTries) {
        return new Attempt(request, Math.max(1, Math.min(maxTries, snapshot.all.size())));
    }

    @Override
    public String toString() {
        return snapshot.all + " by " + strategy;
    }

    /** Collects members and the strategy of a pool. */
    public static final class Builder {
        private final List<Upstream> members = new ArrayList<>();
        private final List<Upstream> backups = new ArrayList<>();
        private BalancingStrategy strategy;
        private int maxFails = 1;
        private Duration failTimeout = Duration.ofSeconds(10);
        private LongSupplier clock = System::nanoTime;
        private ActiveHealthCheck activeCheck;

        private Builder() {
        }

        /**
         * Probes every member as {@code check} says, besides passive health; the checks run while the
         * {@code ProxyServer} using the pool runs. Off by default.
         */
        public Builder activeHealth(ActiveHealthCheck check) {
            this.activeCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * Passive health, nginx's {@code max_fails} and {@code fail_timeout} with the same defaults (1 and 10 s):
         * {@code maxFails} failed connects or upgrades to a member within {@code failTimeout} mark it down for
         * {@code failTimeout}; then it is tried again, and one more failure puts it down again while a success
         * brings it back. A member that is down gets no new connections, unless every member is down: then all are
         * tried, as nginx does, so that a recovering fleet is found at once. {@code maxFails} 0 turns this off.
         *
         * @throws IllegalArgumentException for a negative {@code maxFails} or a fail timeout that is not positive
         */
        public Builder passiveHealth(int maxFails, Duration failTimeout) {
            if (maxFails < 0 || failTimeout.isNegative() || failTimeout.isZero()) {
                throw new IllegalArgumentException("maxFails must be at least 0 and failTimeout positive, got "
                        + maxFails + " and " + failTimeout);
            }
            this.maxFails = maxFails;
            this.failTimeout = failTimeout;
            return this;
        }

        /** The clock of passive health, for tests; default {@link System#nanoTime()}. */
        Builder clock(LongSupplier clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Adds a backup member, nginx's {@code server ... backup} and HAProxy's {@code backup}: it gets new
         * connections only when no other member can take them (each is down, draining, or already failed for that
         * connection).
         */
        public Builder addBackup(Upstream upstream) {
            add(upstream);
            backups.add(upstream);
            return this;
        }

        /** Adds a member; each member may be added once. */
        public Builder add(Upstream upstream) {
            Objects.requireNonNull(upstream, "upstream");
            for (Upstream member : members) {
                if (member.address().equals(upstream.address())) {
                    throw new IllegalArgumentException("Upstream " + upstream + " is already in the pool");
                }
            }
            members.add(upstream);
            return this;
        }

        /** Adds a {@code ws://host:port} member of weight 1. */
        public Builder add(String uri) {
            return add(Upstream.of(uri));
        }

        /** The balancing strategy; default {@link BalancingStrategy#roundRobin()}. */
        public Builder strategy(BalancingStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** @throws IllegalArgumentException if no member was added */
        public UpstreamPool build() {
            if (members.size() == backups.size()) {
                if (!members.isEmpty()) {
                    throw new IllegalArgumentException("An upstream pool needs at least one member that is not a"
                            + " backup");
                }
                throw new IllegalArgumentException("An upstream pool needs at least one member");
            }
            return new UpstreamPool(this);
        }
    }

    /**
     * The choice of an upstream for one connection (nginx's per-request peer state): {@link #next()} yields members
     * not tried yet, and the caller reports {@link #failed()} or {@link #succeeded()} for the last one, and
     * {@link #closed()} when a succeeded connection ends. From {@link #next()} to its outcome the member counts the
     * try in {@link Upstream#pendingConnections()}. Confined to the connection's thread.
     */
    public final class Attempt {
        /** Dropped once the connection is established, so a long-lived connection does not keep its headers. */
        private ClientRequest request;
        private final int maxTries;
        private List<Upstream> tried;
        /**
         * The member of the last {@link #next()}, pending until its outcome; after {@link #succeeded()} the relayed
         * member until {@link #closed()}. Null once it failed, was abandoned or closed, so that each try is released
         * from the pending count exactly once.
         */
        private Upstream current;
        private boolean open;
        private boolean declined;

        private Attempt(ClientRequest request, int maxTries) {
            this.request = request;
            this.maxTries = maxTries;
        }

        /**
         * The next member to try, or null when the tries are used up, every member was tried, or the strategy
         * declined. Whether null means "all failed" or "declined" is told by {@link #declined()}.
         */
        public Upstream next() {
            if (current != null) {
                throw new IllegalStateException("The outcome of " + current + " was not reported");
            }
            if (tried != null && tried.size() >= maxTries) {
                return null;
            }
            Members members = snapshot;
            List<Upstream> candidates = members.primaries;
            long now = clock.getAsLong();
            boolean someDown = now - anyDownUntil < 0 || probedDown.get() > 0;
            if (tried != null || anyDraining || someDown) {
                candidates = candidates(members.primaries, now, someDown);
                if (candidates.isEmpty() && !members.backups.isEmpty()) {
                    candidates = candidates(members.backups, now, someDown);
                }
                if (candidates.isEmpty() && someDown) {
                    candidates = candidates(members.all, now, false); // every member is down: try them all, as nginx
                }
                if (candidates.isEmpty()) {
                    return null;
                }
            }
            Upstream chosen = strategy.choose(candidates, request);
            if (chosen == null) {
                declined = true;
                return null;
            }
            if (!candidates.contains(chosen)) {
                throw new IllegalStateException(strategy + " chose " + chosen + ", which is not a candidate");
            }
            if (tried == null) {
                tried = new ArrayList<>(Math.min(maxTries, 4));
            }
            tried.add(chosen);
            current = chosen;
            chosen.tryStarted();
            return chosen;
        }

        /** The {@code from} neither draining nor tried by this connection, less those down when {@code skipDown}. */
        private List<Upstream> candidates(List<Upstream> from, long now, boolean skipDown) {
            List<Upstream> candidates = new ArrayList<>(from.size());
            for (Upstream member : from) {
                if (!member.draining() && (tried == null || !tried.contains(member))
                        && !(skipDown && member.downAt(now))) {
                    candidates.add(member);
                }
            }
            return candidates;
        }

        /** Whether the strategy declined the connection. */
        public boolean declined() {
            return declined;
        }

        /** Members tried so far, the current one included; until the attempt succeeds. */
        public int tries() {
            return tried == null ? 0 : tried.size();
        }

        /** Connecting to, or the handshake with, the member of the last {@link #next()} failed. */
        public void failed() {
            Upstream upstream = Objects.requireNonNull(current, "no current upstream");
            current = null;
            upstream.tryEnded();
            long now = clock.getAsLong();
            if (upstream.failedAt(now)) {
                markedDown(upstream.downUntilNanos());
            }
        }

        /** The member of the last {@link #next()} accepted the connection: it is relayed from now on. */
        public void succeeded() {
            Upstream upstream = Objects.requireNonNull(current, "no current upstream");
            open = true;
            request = null;
            tried = null;
            upstream.connectionOpened();
            upstream.succeededAt();
            upstream.tryEnded();
            strategy.connectionOpened(upstream);
        }

        /**
         * The connection gave up on the member of the last {@link #next()} for a reason of its own (the client left,
         * the proxy is shutting down): neither a failure nor a success of that member. A no-op when no member is
         * pending or the attempt succeeded.
         */
        public void abandon() {
            if (!open && current != null) {
                current.tryEnded();
                current = null;
            }
        }

        /**
         * The connection ended: a succeeded one is no longer relayed, and a try still under way is abandoned (see
         * {@link #abandon()}). Idempotent.
         */
        public void closed() {
            if (open) {
                Upstream upstream = current;
                open = false;
                current = null;
                upstream.connectionClosed();
                strategy.connectionClosed(upstream);
            } else {
                abandon();
            }
        }
    }
}
