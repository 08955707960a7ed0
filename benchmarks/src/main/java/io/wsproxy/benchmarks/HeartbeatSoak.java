package io.wsproxy.benchmarks;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.HeartbeatStats;
import io.wsproxy.ProxyServer;
import io.wsproxy.RoundTripSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Heartbeats on many idle connections: the proxy (this JVM) pings both hops of N relayed connections every
 * interval; a child JVM ({@link HeartbeatLoad}) holds the N clients and the backend, which send nothing but answer
 * every ping correctly. Over T seconds, checks that no connection is lost and no heartbeat times out, counts pings
 * and pongs, and measures the proxy's CPU, against a baseline run with the heartbeat disabled (same N).
 *
 * <pre>java -cp benchmarks/target/wsproxy-benchmarks.jar io.wsproxy.benchmarks.HeartbeatSoak
 *     [--connections N] [--interval MS] [--timeout MS] [--seconds T] [--loops L] [--baseline B] [--warmup U]</pre>
 */
public final class HeartbeatSoak {
    private static final String USAGE = "HeartbeatSoak [--connections N (9000)] [--interval MS (1000)]"
            + " [--timeout MS (5000)] [--seconds T (60)] [--loops L (1)] [--baseline B (15; 0 = none)]"
            + " [--warmup U (5)]";
    private static final int SAMPLE_SECONDS = 5;
    /** File descriptors a JVM holds besides the connections (jars, epoll, pipes, ...); measured about 30-60. */
    private static final int FD_OVERHEAD = 200;

    private HeartbeatSoak() {
    }

    public static void main(String[] arguments) throws Exception {
        ProcessStats.quietLogging();
        Args args = Args.parse(arguments,
                Set.of("connections", "interval", "timeout", "seconds", "loops", "baseline", "warmup"), USAGE);
        int connections = args.intValue("connections", 9000, 1);
        int intervalMillis = args.intValue("interval", 1000, 10);
        int timeoutMillis = args.intValue("timeout", 5000, 10);
        int seconds = args.intValue("seconds", 60, 1);
        int loops = args.intValue("loops", 1, 1);
        int baselineSeconds = args.intValue("baseline", 15, 0);
        int warmupSeconds = args.intValue("warmup", 5, 0);

        System.out.println("wsproxy heartbeat soak");
        System.out.println("machine: " + ProcessStats.machine());
        long fdLimit = maxOpenFiles();
        int fdsNow = HeartbeatLoad.openFileDescriptors();
        System.out.printf(Locale.ROOT, "file descriptors: limit %d per process (soft); the proxy needs 2 x %d = %d"
                + " for the connections + %d open now; the load JVM 2 x %d + its own%n", fdLimit, connections,
                2 * connections, fdsNow, connections);
        if (fdLimit > 0 && 2L * connections + FD_OVERHEAD > fdLimit) {
            System.out.printf(Locale.ROOT, "FAILED: %d connections need about %d descriptors per process, over the"
                    + " limit of %d: use --connections %d or less (or raise ulimit -n)%n", connections,
                    2L * connections + FD_OVERHEAD, fdLimit, (fdLimit - FD_OVERHEAD) / 2);
            System.exit(2);
        }

        HeartbeatPolicy policy = HeartbeatPolicy.builder()
                .interval(Duration.ofMillis(intervalMillis))
                .timeout(Duration.ofMillis(timeoutMillis))
                .sides(HeartbeatPolicy.Sides.BOTH)
                .build();

        Phase baseline = null;
        if (baselineSeconds > 0) {
            System.out.println();
            System.out.println("== baseline: heartbeat disabled, " + connections + " idle connections, "
                    + baselineSeconds + " s ==");
            baseline = Phase.run(HeartbeatPolicy.disabled(), connections, loops, baselineSeconds, warmupSeconds);
        }
        System.out.println();
        System.out.println("== heartbeat: " + policy + ", " + connections + " idle connections, " + seconds
                + " s ==");
        Phase soak = Phase.run(policy, connections, loops, seconds, warmupSeconds);

        System.out.println();
        System.out.println("== summary ==");
        double expected = 2.0 * connections * soak.wallNanos / 1e9 / (intervalMillis / 1e3);
        long pings = soak.last.pingsSent() - soak.first.pingsSent();
        long pongs = soak.last.pongsReceived() - soak.first.pongsReceived();
        long timeouts = soak.last.timeouts();
        long lost = connections - soak.minOpen;
        Map<String, Long> child = soak.childEnd;
        long childOpen = Math.min(child.get("clientsOpen"), child.get("backendOpen"));
        long closes = child.get("clientCloses") + child.get("backendCloses");
        long childTrouble = child.get("otherFrames") + child.get("protocolErrors") + child.get("endOfStreams")
                + child.get("ioErrors");
        long childPongs = (child.get("clientPongs") + child.get("backendPongs"))
                - (soak.childStart.get("clientPongs") + soak.childStart.get("backendPongs"));
        System.out.printf(Locale.ROOT, "connections: proxy openConnections() min %d / at end %d of %d (lost %d);"
                + " load JVM: %d clients and %d backend connections open, Close frames received %d, end-of-stream"
                + " %d, I/O errors %d, unexpected frames %d, protocol errors %d%n", soak.minOpen, soak.endOpen,
                connections, lost, child.get("clientsOpen"), child.get("backendOpen"), closes,
                child.get("endOfStreams"), child.get("ioErrors"), child.get("otherFrames"),
                child.get("protocolErrors"));
        System.out.printf(Locale.ROOT, "heartbeat in the %.1f s window: pings sent %,d, pongs received %,d"
                + " (pings answered by the load JVM %,d); expected 2*N*T/interval = %,.0f: pings %.1f%%, pongs"
                + " %.1f%% of that; timeouts %d (whole run)%n", soak.wallNanos / 1e9, pings, pongs, childPongs,
                expected, 100.0 * pings / expected, 100.0 * pongs / expected, timeouts);
        System.out.printf(Locale.ROOT, "heartbeat since the proxy started (incl. connecting and warm-up): pings %,d,"
                + " pongs %,d, timeouts %d%n", soak.last.pingsSent(), soak.last.pongsReceived(), timeouts);
        System.out.println("RTT client hop (heartbeatStats, whole run): " + describe(soak.last.client()));
        System.out.println("RTT upstream hop (heartbeatStats, whole run): " + describe(soak.last.upstream()));
        System.out.println("RTT client hop (last ping of each connection, connections()): " + soak.lastClientRtt);
        System.out.println("RTT upstream hop (last ping of each connection, connections()): " + soak.lastUpstreamRtt);

        double wallSeconds = soak.wallNanos / 1e9;
        double cpuPercent = 100.0 * soak.cpuNanos / soak.wallNanos;
        double loopPercent = 100.0 * soak.loopCpuNanos / soak.wallNanos;
        double usPerRoundTrip = soak.cpuNanos / 1e3 / Math.max(1, pongs);
        double loopUsPerRoundTrip = soak.loopCpuNanos / 1e3 / Math.max(1, pongs);
        System.out.printf(Locale.ROOT, "proxy CPU with heartbeat: %.3f s in %.1f s = %.2f%% of one core (loop"
                + " threads %.2f%%) = %.2f us per ping round trip (loop threads %.2f us)%n", soak.cpuNanos / 1e9,
                wallSeconds, cpuPercent, loopPercent, usPerRoundTrip, loopUsPerRoundTrip);
        String costText = "no baseline";
        if (baseline != null) {
            double basePercent = 100.0 * baseline.cpuNanos / baseline.wallNanos;
            double baseLoopPercent = 100.0 * baseline.loopCpuNanos / baseline.wallNanos;
            double netPercent = cpuPercent - basePercent;
            double netLoopPercent = loopPercent - baseLoopPercent;
            double netUs = netPercent / 100 * wallSeconds * 1e6 / Math.max(1, pongs);
            double netLoopUs = netLoopPercent / 100 * wallSeconds * 1e6 / Math.max(1, pongs);
            System.out.printf(Locale.ROOT, "proxy CPU, baseline without heartbeat (same N, %.1f s): %.3f s = %.2f%%"
                    + " of one core (loop threads %.2f%%)%n", baseline.wallNanos / 1e9, baseline.cpuNanos / 1e9,
                    basePercent, baseLoopPercent);
            System.out.printf(Locale.ROOT, "heartbeat's own CPU: %.2f%% of one core (loop threads %.2f%%) = %.2f us"
                    + " per ping round trip (loop threads %.2f us)%n", netPercent, netLoopPercent, netUs, netLoopUs);
            costText = String.format(Locale.ROOT, "baseline %.2f%% -> heartbeat's own %.2f%% = %.2f us per round"
                    + " trip", basePercent, netPercent, netUs);
        }
        double loadCpu = (child.get("cpuNanos") - soak.childStart.get("cpuNanos")) / 1e9;
        System.out.printf(Locale.ROOT, "load JVM CPU in the window: %.3f s = %.2f%% of one core%n", loadCpu,
                100 * loadCpu / wallSeconds);
        if (soak.machineBusyCores >= 0) {
            System.out.printf(Locale.ROOT, "machine in the window: %.2f cores busy of %d; proxy %.2f + load JVM %.2f,"
                    + " so about %.2f cores went to other processes (they slow the loops and stretch the RTT)%n",
                    soak.machineBusyCores, Runtime.getRuntime().availableProcessors(), cpuPercent / 100,
                    loadCpu / wallSeconds, soak.machineBusyCores - cpuPercent / 100 - loadCpu / wallSeconds);
        }
        System.out.printf(Locale.ROOT, "file descriptors at the end of the window: proxy JVM %d, load JVM %d, of"
                + " %d each (headroom %d / %d)%n", soak.proxyFds, child.get("fds"), fdLimit, fdLimit - soak.proxyFds,
                fdLimit - child.get("fds"));

        boolean pass = lost == 0 && soak.endOpen == connections && childOpen == connections && closes == 0
                && childTrouble == 0 && timeouts == 0 && pings > 0.9 * expected && pongs >= pings - 2L * connections;
        System.out.printf(Locale.ROOT, "RESULT heartbeat soak N=%d interval %d ms T=%.0f s L=%d: lost %d, timeouts %d,"
                + " pings %,d pongs %,d (%.1f%% of 2NT/interval), RTT p50/p99 client %s/%s us upstream %s/%s us,"
                + " proxy CPU %.2f%% of a core = %.2f us per round trip (%s): %s%n", connections, intervalMillis,
                wallSeconds, loops, lost, timeouts, pings, pongs, 100.0 * pongs / expected,
                micros(soak.last.client().median()), micros(soak.last.client().p99()),
                micros(soak.last.upstream().median()), micros(soak.last.upstream().p99()), cpuPercent,
                usPerRoundTrip, costText, pass ? "PASS" : "FAILED");
    }

    /** What one phase (one proxy, one load JVM, N connections) measured. */
    private static final class Phase {
        long wallNanos;
        long cpuNanos;
        long loopCpuNanos;
        HeartbeatStats first;
        HeartbeatStats last;
        int minOpen = Integer.MAX_VALUE;
        int endOpen;
        int proxyFds;
        Map<String, Long> childStart;
        Map<String, Long> childEnd;
        String lastClientRtt;
        String lastUpstreamRtt;
        /** Cores the whole machine kept busy in the window (all but idle), from /proc/stat; -1 when unknown. */
        double machineBusyCores = -1;

        static Phase run(HeartbeatPolicy policy, int connections, int loops, int seconds, int warmupSeconds)
                throws IOException, InterruptedException {
            Phase phase = new Phase();
            try (ChildJvm load = ChildJvm.start(HeartbeatLoad.class, List.of(),
                    "--connections", Integer.toString(connections))) {
                int backendPort = Integer.parseInt(load.expect("backend", 60).trim());
                ProxyServer proxy = ProxyUnderTest.start(backendPort, loops, policy);
                try {
                    System.out.printf(Locale.ROOT, "setup: proxy %s, %d event loop(s), %s; load JVM pid %d: %d"
                            + " clients -> proxy -> 1 backend, on loopback%n", proxy.address(), loops, policy,
                            load.pid(), connections);
                    long connectStart = System.nanoTime();
                    load.send(Integer.toString(proxy.address().getPort()));
                    int ready = Integer.parseInt(load.expect("ready", 600).trim());
                    if (ready != connections
                            || !ProxyUnderTest.awaitOpenConnections(proxy, open -> open == connections, 60)) {
                        throw new IllegalStateException("Expected " + connections + " connections, the load has "
                                + ready + " and the proxy " + proxy.openConnections());
                    }
                    System.out.printf(Locale.ROOT, "connected %d in %.1f s; warm-up %d s%n", connections,
                            (System.nanoTime() - connectStart) / 1e9, warmupSeconds);
                    Thread.sleep(warmupSeconds * 1_000L);
                    phase.measure(proxy, load, policy, seconds);
                    load.finish();
                    boolean drained = ProxyUnderTest.awaitOpenConnections(proxy, open -> open == 0, 60);
                    System.out.println("cleanup: load JVM exited; proxy openConnections() = "
                            + proxy.openConnections() + (drained ? "" : " (did not drop to 0 within 60 s)"));
                } finally {
                    proxy.close();
                }
            }
            return phase;
        }

        private void measure(ProxyServer proxy, ChildJvm load, HeartbeatPolicy policy, int seconds)
                throws IOException, InterruptedException {
            childStart = status(load);
            first = proxy.heartbeatStats();
            long wall0 = System.nanoTime();
            long cpu0 = ProcessStats.processCpuNanos();
            long loopCpu0 = ProcessStats.loopThreadsCpuNanos();
            long[] machine0 = ProcessStats.machineCpuTicks();

            long sampleWall = wall0;
            long sampleCpu = cpu0;
            long sampleLoopCpu = loopCpu0;
            HeartbeatStats sampleStats = first;
            long end = wall0 + seconds * 1_000_000_000L;
            long nextSample = wall0 + SAMPLE_SECONDS * 1_000_000_000L;
            while (true) {
                long now = System.nanoTime();
                minOpen = Math.min(minOpen, proxy.openConnections());
                long due = Math.min(nextSample, end);
                if (now < due) {
                    Thread.sleep(Math.min(100, Math.max(1, (due - now) / 1_000_000)));
                    continue;
                }
                long cpu = ProcessStats.processCpuNanos();
                long loopCpu = ProcessStats.loopThreadsCpuNanos();
                HeartbeatStats stats = proxy.heartbeatStats();
                int open = proxy.openConnections();
                minOpen = Math.min(minOpen, open);
                double span = now - sampleWall;
                System.out.printf(Locale.ROOT, "t=%5.1f s: proxy CPU %6.2f%% of a core (loops %6.2f%%), open %d,"
                        + " pings +%,d, pongs +%,d, timeouts %d, RTT p50/p99 since start: client %s/%s us,"
                        + " upstream %s/%s us%n", (now - wall0) / 1e9, 100 * (cpu - sampleCpu) / span,
                        100 * (loopCpu - sampleLoopCpu) / span, open, stats.pingsSent() - sampleStats.pingsSent(),
                        stats.pongsReceived() - sampleStats.pongsReceived(), stats.timeouts(),
                        micros(stats.client().median()), micros(stats.client().p99()),
                        micros(stats.upstream().median()), micros(stats.upstream().p99()));
                if (policy.enabled()) {
                    // Outside the CPU readings above; the snapshot costs the loops a little, counted in the next.
                    String[] lastRtts = lastRoundTrips(proxy.connections());
                    Map<String, Long> child = status(load);
                    System.out.printf(Locale.ROOT, "          last RTT per connection: client %s, upstream %s;"
                            + " load JVM: %d/%d open, most pings answered in one 10 ms slice %d (clients) / %d"
                            + " (backend)%n", lastRtts[0], lastRtts[1], child.get("clientsOpen"),
                            child.get("backendOpen"), child.get("clientMaxBurst"), child.get("backendMaxBurst"));
                }
                sampleWall = now;
                sampleCpu = cpu;
                sampleLoopCpu = loopCpu;
                sampleStats = stats;
                if (now >= end) {
                    break;
                }
                nextSample += SAMPLE_SECONDS * 1_000_000_000L;
            }
            wallNanos = sampleWall - wall0;
            cpuNanos = sampleCpu - cpu0;
            loopCpuNanos = sampleLoopCpu - loopCpu0;
            last = sampleStats;
            long[] machine1 = ProcessStats.machineCpuTicks();
            machineBusyCores = busyCores(machine0, machine1);
            endOpen = proxy.openConnections();
            proxyFds = HeartbeatLoad.openFileDescriptors();
            childEnd = status(load);
            System.out.println(ProcessStats.machineCpuSince(machine0, machine1));

            List<ConnectionInfo> infos = proxy.connections();
            Map<ConnectionInfo.State, Integer> states = new EnumMap<>(ConnectionInfo.State.class);
            for (ConnectionInfo info : infos) {
                states.merge(info.state(), 1, Integer::sum);
            }
            System.out.println("connections(): " + infos.size() + " " + states);
            String[] lastRtts = lastRoundTrips(infos);
            lastClientRtt = lastRtts[0];
            lastUpstreamRtt = lastRtts[1];
        }

        /** The distribution over connections of the last measured RTT, client hop and upstream hop. */
        private static String[] lastRoundTrips(List<ConnectionInfo> infos) {
            List<Long> clientRtts = new ArrayList<>();
            List<Long> upstreamRtts = new ArrayList<>();
            for (ConnectionInfo info : infos) {
                if (info.clientRoundTrip() != null) {
                    clientRtts.add(info.clientRoundTrip().toNanos());
                }
                if (info.upstreamRoundTrip() != null) {
                    upstreamRtts.add(info.upstreamRoundTrip().toNanos());
                }
            }
            return new String[] {distribution(clientRtts), distribution(upstreamRtts)};
        }

        private static Map<String, Long> status(ChildJvm load) throws IOException, InterruptedException {
            load.send("status");
            Map<String, Long> values = new HashMap<>();
            for (String pair : load.expect("status", 30).trim().split("\\s+")) {
                int equals = pair.indexOf('=');
                values.put(pair.substring(0, equals), Long.parseLong(pair.substring(equals + 1)));
            }
            return values;
        }
    }

    /** Non-idle cores between two {@link ProcessStats#machineCpuTicks()} readings, or -1. */
    private static double busyCores(long[] before, long[] after) {
        if (before == null || after == null) {
            return -1;
        }
        long total = 0;
        long idle = after[2] - before[2];
        for (int i = 0; i < 5; i++) {
            total += after[i] - before[i];
        }
        return total == 0 ? -1 : (double) (total - idle) / total * Runtime.getRuntime().availableProcessors();
    }

    /** "n samples, min/median/p99/max a/b/c/d us" of nanosecond values; "none" when empty. */
    private static String distribution(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return "none";
        }
        Collections.sort(nanos);
        return String.format(Locale.ROOT, "%d conns, min %d us, median %d us, p99 %d us, max %d us",
                nanos.size(), nanos.get(0) / 1000, percentile(nanos, 0.50) / 1000, percentile(nanos, 0.99) / 1000,
                nanos.get(nanos.size() - 1) / 1000);
    }

    private static long percentile(List<Long> sorted, double fraction) {
        int index = (int) Math.ceil(fraction * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String describe(RoundTripSummary summary) {
        return String.format(Locale.ROOT, "%,d samples, min %s us, median %s us, p99 %s us, max %s us",
                summary.samples(), micros(summary.min()), micros(summary.median()), micros(summary.p99()),
                micros(summary.max()));
    }

    private static String micros(Duration duration) {
        return Long.toString(duration.toNanos() / 1000);
    }

    /** The soft "Max open files" of this process from /proc/self/limits, or -1. */
    private static long maxOpenFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Max open files")) {
                    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                    return fields[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(fields[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
