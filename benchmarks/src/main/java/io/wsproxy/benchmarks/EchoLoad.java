package io.wsproxy.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link ThroughputMeasurement}: an echo backend and C closed-loop clients on one NIO thread.
 * Prints {@code backend PORT}, reads the proxy's port, connects and prints {@code ready C}, then runs the load;
 * {@code start} on stdin resets the counters, {@code stop} prints {@code result key=value...}, closes and exits.
 */
public final class EchoLoad {
    private EchoLoad() {
    }

    public static void main(String[] arguments) throws Exception {
        Args args = Args.parse(arguments, Set.of("connections", "size", "window"),
                "EchoLoad --connections C --size S --window W");
        int connections = args.intValue("connections", 50, 1);
        int size = args.intValue("size", 128, 0);
        int window = args.intValue("window", 16, 1);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        SelectorLoop loop = new SelectorLoop("echo-load");
        EchoBackend backend = new EchoBackend(loop, Math.max(64 * 1024, 2 * (size + 14)));
        loop.start();
        System.out.println("backend " + backend.port());

        String portLine = commands.readLine();
        if (portLine == null) {
            loop.close();
            return;
        }
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", Integer.parseInt(portLine.trim()));
        EchoClient.Stats stats = new EchoClient.Stats();
        CountDownLatch started = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            SocketChannel channel = WebSocketHandshake.connect(proxy);
            EchoClient client = new EchoClient(channel, size, window, stats);
            loop.execute(() -> {
                try {
                    client.start(loop);
                } catch (java.io.IOException e) {
                    System.err.println("load: starting a client failed: " + e);
                }
                started.countDown();
            });
        }
        started.await();
        System.out.println("ready " + connections);

        long[] window0 = new long[2]; // nanoTime and process CPU at "start", written on the loop thread
        CompletableFuture<String> result = new CompletableFuture<>();
        String command;
        while ((command = commands.readLine()) != null) {
            if (command.equals("start")) {
                loop.execute(() -> {
                    stats.latency.reset();
                    stats.errors = 0;
                    window0[0] = System.nanoTime();
                    window0[1] = ProcessStats.processCpuNanos();
                });
            } else if (command.equals("stop")) {
                loop.execute(() -> {
                    double seconds = (System.nanoTime() - window0[0]) / 1e9;
                    double cpuSeconds = (ProcessStats.processCpuNanos() - window0[1]) / 1e9;
                    LatencyHistogram latency = stats.latency;
                    result.complete(String.format(Locale.ROOT,
                            "messages=%d seconds=%.3f p50us=%d p99us=%d p999us=%d maxus=%d meanus=%.1f errors=%d"
                                    + " loadcpus=%.3f",
                            latency.count(), seconds, latency.percentileMicros(0.50),
                            latency.percentileMicros(0.99), latency.percentileMicros(0.999), latency.maxMicros(),
                            latency.meanMicros(), stats.errors, cpuSeconds));
                });
                System.out.println("result " + result.get());
                break;
            }
        }
        loop.close();
    }
}
