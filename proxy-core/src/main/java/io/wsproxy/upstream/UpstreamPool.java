package io.wsproxy.upstream;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams a {@code ProxyServer} relays to, and the {@link BalancingStrategy} that spreads new connections
 * over them. Like an nginx {@code upstream} block.
 *
 * <p>Thread-safe: members may be added, removed and drained from any thread while the proxy runs; a choice reads
 * an immutable snapshot of them without a lock. Each connection's {@link Attempt} is confined to that connection's
 * event-loop thread.
 */
public final class UpstreamPool {
    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);

    /** The members now; replaced whole by {@link #add}, {@link #addBackup} and {@link #remove}, under this object. */
    private volatile Members snapshot;
    private final int maxFails;
    private final long failWindowNanos;
    private final long failTimeoutNanos;
    private final BalancingStrategy strategy;
    private final LongSupplier clock;
    /** The latest time until which some member is down (passive health): before it, choices check each member. */
    private volatile long anyDownUntil;
    /** Active health checks; null when the pool has none. */
    private final ActiveHealthCheck activeCheck;
    /** Members the probes have down now: while any, choices check each member. */
    private final AtomicInteger probedDown = new AtomicInteger();
    /** Members given by a host name, each address a member; re-resolved every {@link #resolveEvery}. */
    private final List<HostGroup> hostGroups;
    private final Duration resolveEvery;
    private final HostResolver resolver;
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    /** The threads of the active checks and the re-resolution while they run; guarded by this object. */
    private ScheduledExecutorService background;
    /** Some member is draining: choices filter the members (otherwise they take the list as it is). */
    private volatile boolean anyDraining;

    private UpstreamPool(Builder builder, List<Upstream> members, List<Upstream> backups, List<HostGroup> groups) {
        this.snapshot = Members.of(members, backups);
        this.hostGroups = groups;
        this.resolveEvery = builder.resolveEvery;
        this.resolver = builder.resolver;
        this.maxFails = builder.maxFails;
        this.failWindowNanos = builder.failWindow.toNanos();
        this.failTimeoutNanos = builder.failTimeout.toNanos();
        this.strategy = builder.strategy != null ? builder.strategy : BalancingStrategy.roundRobin();
        this.clock = builder.clock;
        this.activeCheck = builder.activeCheck;
        this.anyDownUntil = clock.getAsLong();
        for (Upstream member : snapshot.all) {
            member.passiveHealth(maxFails, failWindowNanos, failTimeoutNanos, clock);
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
     * A round-robin pool of the given {@code ws://host:port} URIs, a host name a member per address (see
     * {@link Builder#add(String, int)}).
     *
     * @throws IllegalArgumentException if there are none, or one is invalid (see {@link Upstream#of(String)})
     */
    public static UpstreamPool of(String... uris) {
        Builder builder = builder();
        Arrays.stream(uris).forEach(builder::add);
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

    private void addMember(Upstream member, boolean backup) {
        Objects.requireNonNull(member, "member");
        synchronized (this) {
            Members now = snapshot;
            for (Upstream existing : now.all) {
                if (existing.address().equals(member.address())) {
                    throw new IllegalArgumentException("Upstream " + member + " is already in the pool");
                }
            }
            member.passiveHealth(maxFails, failWindowNanos, failTimeoutNanos, clock);
            List<Upstream> all = new ArrayList<>(now.all);
            all.add(member);
            List<Upstream> backups = new ArrayList<>(now.backups);
            if (backup) {
                backups.add(member);
            }
            snapshot = Members.of(all, backups);
        }
        for (MembershipListener listener : listeners) {
            listener.joined(member);
        }
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

    /**
     * Changes a member's weight while the proxy runs, from any thread: new connections follow the new weight at once;
     * open ones stay where they are ({@code ProxyServer.rebalance} moves them).
     *
     * @throws IllegalArgumentException if {@code weight} is below 1 or {@code member} is not in this pool
     */
    public void setWeight(Upstream member, int weight) {
        requireMember(member);
        member.setWeight(weight);
        log.info("Upstream {} weight is now {}", member, weight);
    }

    public BalancingStrategy strategy() {
        return strategy;
    }

    /**
     * Each member now, in pool order: its state, whether it is a backup, its weight, connections, failures and
     * heartbeat round trip, what HAProxy's stats page shows. A snapshot read without a lock from the live counters.
     */
    public List<MemberStatus> status() {
        Members members = snapshot;
        List<MemberStatus> status = new ArrayList<>(members.all.size());
        for (Upstream member : members.all) {
            status.add(MemberStatus.of(member, members.backups.contains(member)));
        }
        return status;
    }

    /** Tells {@code listener} of the members that join or leave from now on. */
    public void addListener(MembershipListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Stops telling {@code listener}; returns whether it was told. */
    public boolean removeListener(MembershipListener listener) {
        return listeners.remove(listener);
    }

    /**
     * Starts the pool's background work, each part if configured: the active health checks (the first round at
     * once, then one every interval) and the re-resolution of host names, on daemon threads of the pool's own. A
     * {@code ProxyServer} calls this when it starts; idempotent.
     */
    public synchronized void start() {
        boolean resolving = resolveEvery != null && !hostGroups.isEmpty();
        if (background != null || activeCheck == null && !resolving) {
            return;
        }
        AtomicInteger threads = new AtomicInteger();
        background = new ScheduledThreadPoolExecutor(2, task -> {
            Thread thread = new Thread(task, "wsproxy-pool-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        if (activeCheck != null) {
            background.scheduleWithFixedDelay(this::probeAll, 0, activeCheck.interval().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (resolving) {
            long every = resolveEvery.toMillis();
            background.scheduleWithFixedDelay(this::resolveNow, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops the background work, and forgets what the health checks said: no member stays down on the word of
     * probes that no longer run. A {@code ProxyServer} calls this when it closes. Idempotent.
     */
    public synchronized void stop() {
        if (background != null) {
            background.shutdownNow();
            try {
                background.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            background = null;
            for (Upstream member : snapshot.all) {
                if (member.clearProbes()) {
                    probedDown.decrementAndGet();
                }
            }
        }
    }

    /**
     * Resolves every host name again now, as the periodic re-resolution does: a new address joins as a member, and
     * a member whose address is gone is drained and leaves the pool once its connections have ended. A host name
     * that does not resolve, or to nothing, keeps its members (one WARN line). From any thread; one at a time.
     */
    public void resolveNow() {
        synchronized (hostGroups) {
            for (HostGroup group : hostGroups) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                List<InetAddress> addresses;
                String failure = null;
                try {
                    addresses = resolver.resolve(group.target().host());
                    if (addresses.isEmpty()) {
                        failure = "no address";
                    }
                } catch (UnknownHostException | RuntimeException e) {
                    addresses = List.of();
                    failure = e.toString();
                }
                if (failure != null) {
                    if (!failure.equals(group.lastFailure)) {
                        log.warn("Upstream {}: host name not resolved ({}); keeping its {} address(es)",
                                group.target().uri(), failure, group.members.size());
                    }
                    group.lastFailure = failure;
                    continue;
                }
                group.lastFailure = null;
                update(group, addresses);
            }
        }
    }

    private static String listed(List<String> addresses) {
        return addresses.isEmpty() ? "none" : String.join(", ", addresses);
    }

    /** {@code group}'s members become one per address of {@code addresses}, vanished ones drained then removed. */
    private void update(HostGroup group, List<InetAddress> addresses) {
        List<Upstream> inPool = snapshot.all;
        group.members.removeIf(member -> !inPool.contains(member)); // removed by hand: back while it resolves
        group.vanished.removeIf(member -> !inPool.contains(member));
        List<String> joined = new ArrayList<>();
        for (InetAddress address : addresses) {
            Upstream member = group.find(address);
            if (member == null) {
                member = group.target().member(address, group.weight());
                try {
                    addMember(member, group.backup());
                } catch (IllegalArgumentException taken) {
                    log.warn("Upstream {}: address {} is already a member of its own; not added twice",
                            group.target().uri(), address.getHostAddress());
                    continue;
                }
                group.members.add(member);
                joined.add(address.getHostAddress());
            } else if (group.vanished.remove(member)) {
                resume(member); // back in the answer before its connections were gone
                joined.add(address.getHostAddress());
            }
        }
        List<String> left = new ArrayList<>();
        for (Upstream member : List.copyOf(group.members)) {
            if (!addresses.contains(member.address().getAddress()) && !group.vanished.contains(member)) {
                group.vanished.add(member);
                drain(member);
                left.add(member.address().getAddress().getHostAddress());
                for (MembershipListener listener : listeners) {
                    listener.vanished(member);
                }
            }
        }
        if (!joined.isEmpty() || !left.isEmpty()) {
            log.info("Upstream {}: {} joined, {} left; now {} address(es)", group.target().uri(), listed(joined),
                    listed(left), group.members.size() - group.vanished.size());
        }
        for (Upstream member : List.copyOf(group.vanished)) {
            if (member.activeConnections() == 0 && member.pendingConnections() == 0) {
                try {
                    remove(member);
                } catch (IllegalArgumentException lastPrimary) {
                    continue; // the new addresses were all taken by other members: this one stays, draining
                }
                group.vanished.remove(member);
                group.members.remove(member);
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
     * {@link #resume} ends the drain. Thread-safe.
     *
     * @throws IllegalArgumentException if {@code member} is not in this pool
     */
    public void drain(Upstream member) {
        requireMember(member);
        member.startDrain();
        anyDraining = true;
    }

    /**
     * Ends the drain of {@code member}: it takes new connections again, and the closes a {@code ProxyServer.drain}
     * of it still had to make are not made (HAProxy's {@code set server ... state ready}). Returns whether it was
     * draining.
     *
     * @throws IllegalArgumentException if {@code member} is not in this pool
     */
    public boolean resume(Upstream member) {
        requireMember(member);
        boolean was = member.endDrain();
        if (was) {
            log.info("Upstream {} takes new connections again", member);
        }
        return was;
    }

    private void requireMember(Upstream member) {
        if (!snapshot.all.contains(Objects.requireNonNull(member, "member"))) {
            throw new IllegalArgumentException(member + " is not a member of this pool");
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
        /** Members given as {@link Upstream}s, and host names to resolve at {@link #build()}, in order. */
        private final List<Object> entries = new ArrayList<>();
        private final List<Upstream> backups = new ArrayList<>();
        private BalancingStrategy strategy;
        private int maxFails = 1;
        private Duration failWindow = Duration.ofSeconds(10);
        private Duration failTimeout = Duration.ofSeconds(10);
        private LongSupplier clock = System::nanoTime;
        private ActiveHealthCheck activeCheck;
        private Duration resolveEvery;
        private HostResolver resolver = HostResolver.SYSTEM;

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
         * {@code failTimeout}; see {@link #passiveHealth(int, Duration, Duration)}.
         */
        public Builder passiveHealth(int maxFails, Duration failTimeout) {
            return passiveHealth(maxFails, failTimeout, failTimeout);
        }

        /**
         * Passive health: {@code maxFails} failed connects or upgrades to a member within {@code failWindow} mark it
         * down for {@code failTimeout}; then it is tried again, and one more failure puts it down again while a
         * success brings it back. A member that is down gets no new connections, unless every member is down: then
         * all are tried, as nginx does, so that a recovering fleet is found at once. {@code maxFails} 0 turns this
         * off. nginx has one {@code fail_timeout} for both durations; HAProxy's {@code observe layer4} with
         * {@code error-limit} is the closest it has.
         *
         * @throws IllegalArgumentException for a negative {@code maxFails} or a duration that is not positive
         */
        public Builder passiveHealth(int maxFails, Duration failWindow, Duration failTimeout) {
            if (maxFails < 0 || !positive(failWindow) || !positive(failTimeout)) {
                throw new IllegalArgumentException("maxFails must be at least 0 and failWindow and failTimeout"
                        + " positive, got " + maxFails + ", " + failWindow + " and " + failTimeout);
            }
            this.maxFails = maxFails;
            this.failWindow = failWindow;
            this.failTimeout = failTimeout;
            return this;
        }

        private static boolean positive(Duration duration) {
            return !Objects.requireNonNull(duration, "duration").isNegative() && !duration.isZero();
        }

        /** The clock of passive health, for tests; default {@link System#nanoTime()}. */
        Builder clock(LongSupplier clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How host names are resolved, for tests; default {@link InetAddress#getAllByName}. */
        Builder resolver(HostResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Re-resolves the members given by host name ({@link #add(String, int)}) every {@code interval} while the
         * {@code ProxyServer} runs, as nginx's {@code resolve} parameter does: a new address joins as a member of the
         * host's weight, and a vanished one is drained (no new connections; a {@code ProxyServer} built with
         * {@code drainVanished} also closes its connections) and leaves the pool when its connections have ended. A
         * failed lookup keeps the addresses. The JDK caches lookups for 30 s by default
         * ({@code networkaddress.cache.ttl}), so a shorter interval finds changes no sooner. Off by default: a host
         * name is resolved once, at {@link #build()}.
         *
         * @throws IllegalArgumentException if {@code interval} is under 100 ms
         */
        public Builder resolveEvery(Duration interval) {
            if (Objects.requireNonNull(interval, "interval").toMillis() < 100) {
                throw new IllegalArgumentException("resolveEvery must be at least 100 ms, got " + interval);
            }
            this.resolveEvery = interval;
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

        /** Adds backup members for a URI, each address of its host one; see {@link #add(String, int)}. */
        public Builder addBackup(String uri, int weight) {
            return addTarget(uri, weight, true);
        }

        /** Adds a member; each member may be added once. */
        public Builder add(Upstream upstream) {
            Objects.requireNonNull(upstream, "upstream");
            entries.add(upstream);
            return this;
        }

        /** Adds members of weight 1 for a URI; see {@link #add(String, int)}. */
        public Builder add(String uri) {
            return add(uri, 1);
        }

        /**
         * Adds members for a {@code ws://host:port} or {@code wss://host:port} URI of the given weight: one member
         * when the host is an address, and one per address when it is a name, as nginx makes a peer of each address
         * of a {@code server}'s name (each keeps the name for its {@code Host}, SNI and certificate check). The name
         * is resolved at {@link #build()}, and again every {@link #resolveEvery} if set.
         *
         * @throws IllegalArgumentException if the URI is invalid or the weight below 1 (see {@link Upstream#of})
         */
        public Builder add(String uri, int weight) {
            return addTarget(uri, weight, false);
        }

        private Builder addTarget(String uri, int weight, boolean backup) {
            Upstream.Target target = Upstream.Target.parse(Upstream.parse(uri), weight);
            if (!target.named()) {
                Upstream member = Upstream.of(target.uri(), weight);
                return backup ? addBackup(member) : add(member);
            }
            HostGroup group = new HostGroup(target, weight, backup);
            entries.add(group);
            return this;
        }

        /** The balancing strategy; default {@link BalancingStrategy#roundRobin()}. */
        public Builder strategy(BalancingStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * Resolves the host names and builds the pool.
         *
         * @throws IllegalArgumentException if no member was added, all are backups, two have the same address, or a
         *                                  host name does not resolve
         */
        public UpstreamPool build() {
            List<Upstream> members = new ArrayList<>();
            List<Upstream> allBackups = new ArrayList<>(backups);
            List<HostGroup> groups = new ArrayList<>();
            for (Object entry : entries) {
                if (entry instanceof Upstream member) {
                    members.add(member);
                    continue;
                }
                HostGroup group = ((HostGroup) entry).copy();
                groups.add(group);
                List<InetAddress> addresses;
                try {
                    addresses = resolver.resolve(group.target().host());
                } catch (UnknownHostException e) {
                    addresses = List.of();
                }
                if (addresses.isEmpty()) {
                    throw new IllegalArgumentException("Upstream host does not resolve: '" + group.target().host()
                            + "' in " + group.target().uri());
                }
                for (InetAddress address : addresses) {
                    Upstream member = group.target().member(address, group.weight());
                    members.add(member);
                    group.members.add(member);
                    if (group.backup()) {
                        allBackups.add(member);
                    }
                }
            }
            for (int i = 0; i < members.size(); i++) {
                for (int j = 0; j < i; j++) {
                    if (members.get(j).address().equals(members.get(i).address())) {
                        throw new IllegalArgumentException("Upstream " + members.get(i) + " is already in the pool");
                    }
                }
            }
            if (members.size() == allBackups.size()) {
                if (!members.isEmpty()) {
                    throw new IllegalArgumentException("An upstream pool needs at least one member that is not a"
                            + " backup");
                }
                throw new IllegalArgumentException("An upstream pool needs at least one member");
            }
            return new UpstreamPool(this, members, allBackups, groups);
        }
    }

    /**
     * The members of one URI given by host name: one per address, re-resolved by {@link #resolveNow()}. Touched
     * under the pool's {@code hostGroups} monitor only.
     */
    private static final class HostGroup {
        private final Upstream.Target target;
        private final int weight;
        private final boolean backup;
        /** The members of this name in the pool, the vanished ones among them until they leave. */
        final List<Upstream> members = new ArrayList<>();
        /** Members whose address the last answer lacked: draining until their connections end. */
        final List<Upstream> vanished = new ArrayList<>();
        /** Why the last lookup failed, so that a failure repeated every interval is logged once. */
        String lastFailure;

        HostGroup(Upstream.Target target, int weight, boolean backup) {
            this.target = target;
            this.weight = weight;
            this.backup = backup;
        }

        /** A group with the same name and no members, so that one builder can build several pools. */
        HostGroup copy() {
            return new HostGroup(target, weight, backup);
        }

        Upstream.Target target() {
            return target;
        }

        int weight() {
            return weight;
        }

        boolean backup() {
            return backup;
        }

        Upstream find(InetAddress address) {
            for (Upstream member : members) {
                if (member.address().getAddress().equals(address)) {
                    return member;
                }
            }
            return null;
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
