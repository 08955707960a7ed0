package io.wsproxy.benchmarks;

import io.wsproxy.ProxyServer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Closed-loop echo through the proxy: a child JVM ({@link EchoLoad}) runs an echo backend and C clients, each
 * keeping W binary frames of S bytes in flight. Reports round trips per second and their latency (measured by the
 * child), and the CPU time this JVM, i.e. the proxy, spends per round trip (each round trip is two relayed frames).
 *
 * <pre>java -cp benchmarks/target/wsproxy-benchmarks.jar io.wsproxy.benchmarks.ThroughputMeasurement
 *     [--connections C] [--size S] [--window W] [--seconds T] [--warmup U] [--loops L]</pre>
 */
public final class ThroughputMeasurement {
    private static final String USAGE = "ThroughputMeasurement [--connections C (50)] [--size S (128)]"
            + " [--window W (16)] [--seconds T (10)] [--warmup U (3)] [--loops L (1)]";

    private ThroughputMeasurement() {
    }

    public static void main(String[] arguments) throws Exception {
        ProcessStats.quietLogging();
        Args args = Args.parse(arguments, Set.of("connections", "size", "window", "seconds", "warmup", "loops"), USAGE);
        int connections = args.intValue("connections", 50, 1);
        int size = args.intValue("size", 128, 0);
        int window = args.intValue("window", 16, 1);
        int seconds = args.intValue("seconds", 10, 1);
        int warmup = args.intValue("warmup", 3, 0);
        int loops = args.intValue("loops", 1, 1);

        System.out.println("wsproxy closed-loop echo throughput");
        System.out.println("machine: " + ProcessStats.machine());
        try (ChildJvm load = ChildJvm.start(EchoLoad.class, List.of(), "--connections", Integer.toString(connections),
                "--size", Integer.toString(size), "--window", Integer.toString(window))) {
            int backendPort = Integer.parseInt(load.expect("backend", 60).trim());
            ProxyServer proxy = ProxyUnderTest.start(backendPort, loops);
            try {
                System.out.printf(Locale.ROOT, "setup: proxy %s, %d event loop(s); load JVM pid %d (one NIO thread):"
                        + " %d clients x %d frames of %d B in flight -> proxy -> 1 echo backend; warmup %d s,"
                        + " measure %d s%n", proxy.address(), loops, load.pid(), connections, window, size, warmup,
                        seconds);
                load.send(Integer.toString(proxy.address().getPort()));
                load.expect("ready", 120);
                Thread.sleep(warmup * 1_000L);
                int openDuringLoad = proxy.openConnections();

                long wall0 = System.nanoTime();
                long cpu0 = ProcessStats.processCpuNanos();
                long loopCpu0 = ProcessStats.loopThreadsCpuNanos();
                long[] machine0 = ProcessStats.machineCpuTicks();
                load.send("start");
                Thread.sleep(seconds * 1_000L);
                load.send("stop");
                long wall = System.nanoTime() - wall0;
                long cpu = ProcessStats.processCpuNanos() - cpu0;
                long loopCpu = ProcessStats.loopThreadsCpuNanos() - loopCpu0;
                long[] machine1 = ProcessStats.machineCpuTicks();
                Map<String, String> result = parse(load.expect("result", 60));

                long messages = Long.parseLong(result.get("messages"));
                double measuredSeconds = Double.parseDouble(result.get("seconds"));
                long errors = Long.parseLong(result.get("errors"));
                System.out.printf(Locale.ROOT, "proxy openConnections() during the load: %d%n", openDuringLoad);
                System.out.printf(Locale.ROOT, "round trips: %,d in %.3f s = %,.0f messages/s (%,.0f frames/s"
                        + " relayed), errors %d%n", messages, measuredSeconds, messages / measuredSeconds,
                        2 * messages / measuredSeconds, errors);
                System.out.printf(Locale.ROOT, "round-trip latency: p50 %s us, p99 %s us, p99.9 %s us, max %s us,"
                        + " mean %s us%n", result.get("p50us"), result.get("p99us"), result.get("p999us"),
                        result.get("maxus"), result.get("meanus"));
                System.out.printf(Locale.ROOT, "proxy JVM CPU: %.3f s in %.3f s (%.2f cores) = %.0f ns per message;"
                        + " loop threads alone %.3f s = %.0f ns per message%n", cpu / 1e9, wall / 1e9,
                        (double) cpu / wall, (double) cpu / Math.max(1, messages), loopCpu / 1e9,
                        (double) loopCpu / Math.max(1, messages));
                double loadCpu = Double.parseDouble(result.get("loadcpus"));
                System.out.printf(Locale.ROOT, "load JVM CPU: %.3f s (%.2f cores)%n", loadCpu,
                        loadCpu / measuredSeconds);
                System.out.println(ProcessStats.machineCpuSince(machine0, machine1));
                System.out.printf(Locale.ROOT, "RESULT %,.0f messages/s, p50 %s us, p99 %s us, proxy CPU %.0f ns per"
                        + " message (C=%d S=%d W=%d L=%d)%n", messages / measuredSeconds, result.get("p50us"),
                        result.get("p99us"), (double) cpu / Math.max(1, messages), connections, size, window, loops);
                if (errors > 0 || messages == 0) {
                    System.out.println("FAILED: the load saw errors or no echoes");
                }
                load.finish();
                ProxyUnderTest.awaitOpenConnections(proxy, open -> open == 0, 30);
                System.out.println("cleanup: load JVM exited; proxy openConnections() = " + proxy.openConnections());
            } finally {
                proxy.close();
            }
        }
    }

    private static Map<String, String> parse(String keyValues) {
        Map<String, String> values = new HashMap<>();
        for (String pair : keyValues.trim().split("\\s+")) {
            int equals = pair.indexOf('=');
            values.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return values;
    }
}
