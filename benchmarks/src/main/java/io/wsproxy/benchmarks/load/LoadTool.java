package io.wsproxy.benchmarks.load;

import io.wsproxy.benchmarks.Args;
import io.wsproxy.benchmarks.LatencyHistogram;
import io.wsproxy.benchmarks.ProcessStats;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * WebSocket load generator: a few NIO selector threads ({@code --threads}), no thread per connection, pooled buffers.
 * See benchmarks/README.md, "Load tool". Exit status 0 success, 1 errors (bad echo, failed connections), 2 bad
 * arguments or not enough file descriptors.
 */
public final class LoadTool {
    static final int HANDSHAKES_IN_FLIGHT = 200;
    static final String USAGE = "LoadTool echo|rate|idle|churn --target ws://HOST:PORT/path|wss://HOST:PORT/path"
            + " [--connections C] [--size S] [--window W] [--rate R] [--duration D] [--warmup D] [--hold D]"
            + " [--concurrency K] [--threads N] [--sources IP,IP,...] [--handshakes-in-flight H] [--json FILE]"
            + " [--tls] [--tls-ca FILE] [--tls-server-name NAME] [--tls-resume]";
    /** The SNI name sent when the target's host is an address (SNI carries names only, RFC 6066 §3). */
    static final String DEFAULT_SERVER_NAME = "localhost";

    enum Mode { ECHO, RATE, IDLE, CHURN }

    /** The parsed command line. */
    static final class Config {
        Mode mode;
        String targetText;
        InetSocketAddress target;
        String hostHeader;
        String path;
        int threads;
        int connections;
        int concurrency;
        /** Echo, rate, idle: connections being opened (connect, TLS, upgrade) at a time, over all threads. */
        int handshakesInFlight;
        int size;
        int window;
        int rate;
        long durationMillis;
        long warmupMillis;
        long holdMillis;
        InetSocketAddress[] sources;
        String json;
        /** {@code --tls} or a wss:// target; null for plain ws://. */
        ClientTls tls;
    }

    /** State shared between the main thread and the workers. */
    static final class Control {
        volatile boolean stop;
        volatile boolean holding;
        volatile long windowStart = Long.MAX_VALUE;
        volatile long windowEnd = Long.MAX_VALUE;
        /** Written last; workers read the window after seeing it. */
        volatile long trafficStart = Long.MAX_VALUE;
        final AtomicInteger upgraded = new AtomicInteger();
        final AtomicLong sourceCounter = new AtomicLong();
        final AtomicInteger errorCount = new AtomicInteger();
        final AtomicReference<String> firstError = new AtomicReference<>();

        void error(String message) {
            errorCount.incrementAndGet();
            firstError.compareAndSet(null, message);
        }
    }

    private LoadTool() {
    }

    public static void main(String[] argv) throws Exception {
        Config config;
        try {
            config = parse(argv);
            checkFileDescriptors(config);
        } catch (IllegalArgumentException e) {
            System.err.println("LoadTool: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(config));
    }

    static Config parse(String[] argv) {
        if (argv.length == 0 || argv[0].startsWith("-")) {
            if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h"))) {
                System.out.println(USAGE);
                System.exit(0);
            }
            throw new IllegalArgumentException("first argument must be the mode (echo, rate, idle, churn); usage: "
                    + USAGE);
        }
        Config c = new Config();
        try {
            c.mode = Mode.valueOf(argv[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown mode " + argv[0] + "; usage: " + USAGE);
        }
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        Set<String> common = Set.of("target", "threads", "sources", "json", "warmup", "size", "tls-ca",
                "tls-server-name");
        Set<String> known = new java.util.HashSet<>(common);
        switch (c.mode) {
            case ECHO: known.addAll(Set.of("connections", "window", "duration", "handshakes-in-flight")); break;
            case RATE: known.addAll(Set.of("connections", "rate", "duration", "handshakes-in-flight")); break;
            case IDLE: known.addAll(Set.of("connections", "hold", "handshakes-in-flight")); break;
            default: known.addAll(Set.of("concurrency", "duration")); break;
        }
        Args args = Args.parse(rest, known, Set.of("tls", "tls-resume"), USAGE);
        if (!args.has("target")) {
            throw new IllegalArgumentException("--target ws://HOST:PORT/path is required");
        }
        c.targetText = args.stringValue("target", null);
        URI uri;
        try {
            uri = new URI(c.targetText);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad --target " + c.targetText);
        }
        boolean wss = "wss".equalsIgnoreCase(uri.getScheme());
        if (!wss && !"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--target must be ws://HOST:PORT/path or wss://HOST:PORT/path, got "
                    + c.targetText);
        }
        boolean tls = wss || args.has("tls");
        if (!tls && (args.has("tls-ca") || args.has("tls-server-name") || args.has("tls-resume"))) {
            throw new IllegalArgumentException("--tls-ca, --tls-server-name and --tls-resume need --tls (or wss://)");
        }
        int port = uri.getPort() < 0 ? (wss ? 443 : 80) : uri.getPort();
        try {
            c.target = new InetSocketAddress(InetAddress.getByName(uri.getHost()), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in --target: " + uri.getHost());
        }
        c.hostHeader = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + port);
        c.path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        c.threads = args.intValue("threads", 1, 1);
        c.connections = args.intValue("connections", c.mode == Mode.IDLE ? 1000 : 50, 1);
        c.concurrency = args.intValue("concurrency", 16, 1);
        c.handshakesInFlight = args.intValue("handshakes-in-flight", HANDSHAKES_IN_FLIGHT, 1);
        c.size = args.intValue("size", c.mode == Mode.CHURN ? 32 : 128, 1);
        c.window = args.intValue("window", 16, 1);
        c.rate = args.intValue("rate", 10_000, 1);
        c.durationMillis = args.durationMillis("duration", 10_000, 1);
        c.warmupMillis = args.durationMillis("warmup", 0, 0);
        c.holdMillis = args.durationMillis("hold", 10_000, 0);
        c.json = args.stringValue("json", null);
        String sources = args.stringValue("sources", "");
        java.util.List<InetSocketAddress> list = new java.util.ArrayList<>();
        for (String s : sources.split(",")) {
            if (!s.isBlank()) {
                try {
                    list.add(new InetSocketAddress(InetAddress.getByName(s.trim()), 0));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("bad address in --sources: " + s);
                }
            }
        }
        c.sources = list.toArray(new InetSocketAddress[0]);
        if (tls) {
            String host = uri.getHost();
            boolean address = host.startsWith("[") || host.chars().allMatch(ch -> ch == '.' || ch >= '0' && ch <= '9');
            String serverName = args.stringValue("tls-server-name", address ? DEFAULT_SERVER_NAME : host);
            String ca = args.stringValue("tls-ca", null);
            c.tls = ClientTls.create(serverName, port, ca == null ? null : Path.of(ca), args.has("tls-resume"));
        }
        int perThread = c.mode == Mode.CHURN ? c.concurrency : c.connections;
        if (c.threads > perThread) {
            c.threads = perThread; // no idle threads
        }
        return c;
    }

    /** Refuses to start when the connections would not fit under the soft fd limit. */
    static void checkFileDescriptors(Config c) {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean)) {
            return;
        }
        com.sun.management.UnixOperatingSystemMXBean os =
                (com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long limit = os.getMaxFileDescriptorCount();
        long open = os.getOpenFileDescriptorCount();
        long sockets = c.mode == Mode.CHURN ? c.concurrency : c.connections;
        long needed = sockets + 2L * c.threads + 64; // selectors, jar, stdio, slack
        if (open + needed > limit) {
            throw new IllegalArgumentException("not enough file descriptors: " + sockets + " connections need about "
                    + needed + " more, but " + open + " of the limit " + limit + " (ulimit -n) are open; at most "
                    + Math.max(0, limit - open - 2L * c.threads - 64) + " fit");
        }
    }

    static int run(Config c) throws Exception {
        Control control = new Control();
        ClientWorker[] workers = new ClientWorker[c.threads];
        for (int i = 0; i < c.threads; i++) {
            workers[i] = new ClientWorker(c, control, i);
        }
        for (ClientWorker worker : workers) {
            worker.start();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("mode", c.mode.name().toLowerCase(Locale.ROOT));
        result.put("target", c.targetText);
        result.put("threads", c.threads);
        result.put("tls", c.tls != null);
        double seconds;
        long cpuNanos;
        long openNanos = 0;
        long t0 = System.nanoTime();
        if (c.mode == Mode.CHURN) {
            long start = System.nanoTime();
            control.windowEnd = start + (c.warmupMillis + c.durationMillis) * 1_000_000;
            control.windowStart = start + c.warmupMillis * 1_000_000;
            control.trafficStart = start;
            sleepUntil(control.windowStart, null); // churn counts errors and goes on
            long cpu0 = ProcessStats.processCpuNanos();
            long w0 = System.nanoTime();
            sleepUntil(control.windowEnd, null);
            cpuNanos = ProcessStats.processCpuNanos() - cpu0;
            seconds = (System.nanoTime() - w0) / 1e9;
        } else {
            long openDeadline = System.nanoTime() + Math.max(60_000, c.connections * 10L) * 1_000_000;
            while (control.upgraded.get() < c.connections) {
                if (control.errorCount.get() > 0 || System.nanoTime() > openDeadline) {
                    control.stop = true;
                    for (ClientWorker worker : workers) {
                        worker.join();
                    }
                    String error = control.firstError.get();
                    System.err.println("LoadTool: only " + control.upgraded.get() + " of " + c.connections
                            + " connections upgraded" + (error == null ? " in time" : "; " + error));
                    result.put("connections", c.connections);
                    result.put("upgraded", control.upgraded.get());
                    result.put("errors", Math.max(1, control.errorCount.get()));
                    result.put("firstError", error == null ? "connections not upgraded in time" : error);
                    result.put("ok", false);
                    System.out.println("RESULT mode=" + result.get("mode") + " target=" + c.targetText
                            + " connections=" + c.connections + " upgraded=" + control.upgraded.get()
                            + " errors=" + result.get("errors") + " ok=false");
                    if (c.json != null) {
                        Files.writeString(Path.of(c.json), toJson(result) + "\n", StandardCharsets.UTF_8);
                    }
                    return 1;
                }
                Thread.sleep(5);
            }
            openNanos = System.nanoTime() - t0;
            if (c.mode == Mode.IDLE) {
                long cpu0 = ProcessStats.processCpuNanos();
                long w0 = System.nanoTime();
                control.holding = true;
                control.trafficStart = w0;
                System.out.println("ready " + c.connections);
                System.out.flush();
                if (c.holdMillis == 0) {
                    InputStream stdin = System.in;
                    byte[] sink = new byte[256];
                    while (stdin.read(sink) >= 0) {
                        // hold until stdin closes
                    }
                } else {
                    sleepUntil(w0 + c.holdMillis * 1_000_000, null);
                }
                cpuNanos = ProcessStats.processCpuNanos() - cpu0;
                seconds = (System.nanoTime() - w0) / 1e9;
            } else {
                long start = System.nanoTime() + 5_000_000;
                control.windowStart = start + c.warmupMillis * 1_000_000;
                control.windowEnd = control.windowStart + c.durationMillis * 1_000_000;
                control.trafficStart = start;
                sleepUntil(control.windowStart, control);
                long cpu0 = ProcessStats.processCpuNanos();
                long w0 = System.nanoTime();
                sleepUntil(control.windowEnd, control);
                cpuNanos = ProcessStats.processCpuNanos() - cpu0;
                seconds = (System.nanoTime() - w0) / 1e9;
            }
        }
        control.stop = true;
        for (ClientWorker worker : workers) {
            worker.join();
        }
        LatencyHistogram latency = workers.length == 1 ? workers[0].latency : new LatencyHistogram();
        long messages = 0;
        long sent = 0;
        long errors = 0;
        long verificationErrors = 0;
        long closed = 0;
        long handshakes = 0;
        long cycles = 0;
        long pings = 0;
        for (ClientWorker w : workers) {
            if (workers.length > 1) {
                latency.add(w.latency);
            }
            messages += w.messages;
            sent += w.sent;
            errors += w.errors;
            verificationErrors += w.verificationErrors;
            closed += w.closedByPeer;
            handshakes += w.handshakesInWindow;
            cycles += w.cyclesInWindow;
            pings += w.pings;
        }
        errors = Math.max(errors, control.errorCount.get());
        switch (c.mode) {
            case ECHO:
                result.put("connections", c.connections);
                result.put("size", c.size);
                result.put("window", c.window);
                break;
            case RATE:
                result.put("connections", c.connections);
                result.put("size", c.size);
                result.put("rate", c.rate);
                break;
            case IDLE:
                result.put("connections", c.connections);
                result.put("handshakesInFlight", c.handshakesInFlight);
                break;
            default:
                result.put("concurrency", c.concurrency);
                result.put("size", c.size);
                break;
        }
        if (c.mode == Mode.IDLE) {
            result.put("holdMillis", c.holdMillis);
        } else {
            result.put("durationMillis", c.durationMillis);
            result.put("warmupMillis", c.warmupMillis);
        }
        result.put("sources", c.sources.length);
        if (c.tls != null) {
            result.put("tlsServerName", c.tls.serverName());
            result.put("tlsVerified", c.tls.verify());
            result.put("tlsResume", c.tls.resume());
            long sessions = 0;
            long resumed = 0;
            for (ClientWorker w : workers) {
                if (w.tlsProtocol != null && !result.containsKey("tlsProtocol")) {
                    result.put("tlsProtocol", w.tlsProtocol);
                    result.put("tlsCipherSuite", w.tlsCipherSuite);
                }
                sessions += w.tlsSessions;
                resumed += w.tlsResumed;
            }
            result.put("tlsSessions", sessions);
            result.put("tlsResumed", resumed);
        }
        result.put("seconds", round(seconds, 3));
        if (c.mode == Mode.ECHO || c.mode == Mode.RATE) {
            result.put("messages", messages);
            result.put("messagesPerSecond", round(messages / seconds, 1));
            result.put("mbPerSecond", round(messages * (double) c.size / seconds / 1e6, 3));
            result.put("sent", sent);
        }
        if (c.mode == Mode.IDLE) {
            result.put("openMillis", round(openNanos / 1e6, 1));
            result.put("handshakesPerSecond", round(c.connections / (openNanos / 1e9), 1));
            result.put("closedDuringHold", closed);
            result.put("pingsAnswered", pings);
        }
        if (c.mode == Mode.CHURN) {
            result.put("handshakes", handshakes);
            result.put("handshakesPerSecond", round(handshakes / seconds, 1));
            result.put("cyclesPerSecond", round(cycles / seconds, 1));
        }
        // echo, rate: round trip (rate: from the scheduled send time); idle, churn: connect + upgrade.
        result.put("latency", c.mode == Mode.ECHO ? "round trip" : c.mode == Mode.RATE
                ? "round trip from scheduled send" : "connect+upgrade");
        result.put("samples", latency.count());
        result.put("p50Micros", latency.percentileMicros(0.50));
        result.put("p90Micros", latency.percentileMicros(0.90));
        result.put("p99Micros", latency.percentileMicros(0.99));
        result.put("p999Micros", latency.percentileMicros(0.999));
        result.put("maxMicros", latency.maxMicros());
        result.put("meanMicros", round(latency.meanMicros(), 1));
        result.put("errors", errors);
        result.put("verificationErrors", verificationErrors);
        result.put("cpuPercent", round(100.0 * cpuNanos / 1e9 / seconds, 1));
        long units = c.mode == Mode.CHURN ? cycles : messages;
        if (units > 0) {
            result.put("cpuMicrosPerOp", round(cpuNanos / 1e3 / units, 3));
        }
        String error = control.firstError.get();
        if (error != null) {
            result.put("firstError", error);
        }
        boolean ok = errors == 0;
        result.put("ok", ok);
        StringBuilder line = new StringBuilder("RESULT");
        for (Map.Entry<String, Object> e : result.entrySet()) {
            if (e.getKey().equals("firstError") || e.getKey().equals("latency")) {
                continue;
            }
            line.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        System.out.println(line);
        if (error != null) {
            System.err.println("LoadTool: first error: " + error);
        }
        if (c.json != null) {
            Files.writeString(Path.of(c.json), toJson(result) + "\n", StandardCharsets.UTF_8);
        }
        return ok ? 0 : 1;
    }

    /**
     * Sleeps until {@code deadline}; with a {@code control}, returns early once a worker has reported an error (echo
     * and rate: a bad echo or a lost connection makes the run fail anyway).
     */
    private static void sleepUntil(long deadline, Control control) throws InterruptedException {
        long now;
        while ((now = System.nanoTime()) < deadline) {
            if (control != null && control.errorCount.get() > 0) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(20, (deadline - now) / 1_000_000)));
        }
    }

    static double round(double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return 0;
        }
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    static String toJson(Map<String, Object> map) {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (json.length() > 1) {
                json.append(", ");
            }
            json.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Number || v instanceof Boolean) {
                json.append(v);
            } else {
                json.append('"');
                for (char ch : String.valueOf(v).toCharArray()) {
                    if (ch == '"' || ch == '\\') {
                        json.append('\\').append(ch);
                    } else if (ch < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        json.append(ch);
                    }
                }
                json.append('"');
            }
        }
        return json.append('}').toString();
    }

    /** {@code HOST:PORT} (HOST may be a bracketed IPv6 literal) as an address. */
    static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(text.substring(colon + 1)));
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("bad HOST:PORT " + text);
        }
    }
}
