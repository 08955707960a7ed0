package io.wsproxy.benchmarks;

import io.wsproxy.ProxyServer;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Heap (and RSS) the proxy holds per idle relayed connection. The proxy runs in this JVM; a child JVM
 * ({@link IdleLoad}) runs the backend and the clients, so none of their sockets or objects count. Heap is read after
 * forced collections, once with the proxy started and idle, once with N upgraded idle connections relayed.
 *
 * <pre>java -cp benchmarks/target/wsproxy-benchmarks.jar io.wsproxy.benchmarks.IdleHeapMeasurement
 *     [--connections N] [--loops L]</pre>
 */
public final class IdleHeapMeasurement {
    private static final String USAGE = "IdleHeapMeasurement [--connections N (4000)] [--loops L (1)]";

    private IdleHeapMeasurement() {
    }

    public static void main(String[] arguments) throws Exception {
        ProcessStats.quietLogging();
        Args args = Args.parse(arguments, Set.of("connections", "loops"), USAGE);
        int connections = args.intValue("connections", 4000, 1);
        int loops = args.intValue("loops", 1, 1);

        System.out.println("wsproxy idle heap per connection");
        System.out.println("machine: " + ProcessStats.machine());
        try (ChildJvm load = ChildJvm.start(IdleLoad.class, List.of(),
                "--connections", Integer.toString(connections))) {
            int backendPort = Integer.parseInt(load.expect("backend", 60).trim());
            ProxyServer proxy = ProxyUnderTest.start(backendPort, loops);
            try {
                System.out.printf(Locale.ROOT, "setup: proxy %s, %d event loop(s); load JVM pid %d: %d clients"
                        + " -> proxy -> 1 backend, all on loopback%n", proxy.address(), loops, load.pid(), connections);

                ClassHistogram histogramIdle = ClassHistogram.take(); // kept alive through both readings
                Reading idle = Reading.take();

                long connectStart = System.nanoTime();
                load.send(Integer.toString(proxy.address().getPort()));
                int ready = Integer.parseInt(load.expect("ready", 600).trim());
                if (ready != connections
                        || !ProxyUnderTest.awaitOpenConnections(proxy, open -> open == connections, 60)) {
                    throw new IllegalStateException("Expected " + connections + " connections, the load has " + ready
                            + " and the proxy " + proxy.openConnections());
                }
                double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
                Thread.sleep(1_000); // let every loop go back to idle
                Reading loaded = Reading.take();
                ClassHistogram histogramLoaded = ClassHistogram.take();
                int openAtReading = proxy.openConnections();

                System.out.printf(Locale.ROOT, "connections: %d upgraded through the proxy in %.1f s;"
                        + " proxy openConnections() = %d at the reading%n", connections, connectSeconds, openAtReading);
                report("heap used after GC", idle.heap, loaded.heap, connections);
                report("RSS (VmRSS)", idle.rss, loaded.rss, connections);
                report("direct buffers", idle.direct, loaded.direct, connections);
                System.out.printf(Locale.ROOT, "direct buffer count: %d -> %d%n", idle.directCount,
                        loaded.directCount);
                System.out.println("heap growth by class, per connection (top 15):");
                for (String line : histogramLoaded.growthSince(histogramIdle, 15, connections)) {
                    System.out.println("  " + line);
                }
                System.out.printf(Locale.ROOT, "RESULT idle heap per connection: %.0f B (RSS %.0f B) with %d"
                        + " connections, %d loop(s)%n", perConnection(idle.heap, loaded.heap, connections),
                        perConnection(idle.rss, loaded.rss, connections), connections, loops);

                load.send("close");
                load.finish();
                boolean drained = ProxyUnderTest.awaitOpenConnections(proxy, open -> open == 0, 60);
                System.out.println("cleanup: load JVM exited; proxy openConnections() = " + proxy.openConnections()
                        + (drained ? "" : " (did not drop to 0 within 60 s)"));
            } finally {
                proxy.close();
            }
        }
    }

    private static double perConnection(long before, long after, int connections) {
        return (double) (after - before) / connections;
    }

    private static void report(String what, long before, long after, int connections) {
        System.out.printf(Locale.ROOT, "%s: idle proxy %,d B; with connections %,d B; delta %,d B = %.1f B per"
                + " connection%n", what, before, after, after - before, perConnection(before, after, connections));
    }

    /** The figures read at one point. */
    private static final class Reading {
        long heap;
        long rss;
        long direct;
        long directCount;

        static Reading take() throws InterruptedException {
            Reading reading = new Reading();
            reading.heap = ProcessStats.usedHeapAfterGc();
            reading.rss = ProcessStats.residentSetBytes();
            long[] direct = ProcessStats.directBuffers();
            reading.directCount = direct[0];
            reading.direct = direct[1];
            return reading;
        }
    }
}
