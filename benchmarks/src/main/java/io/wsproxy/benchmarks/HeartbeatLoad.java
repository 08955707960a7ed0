package io.wsproxy.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The child JVM of {@link HeartbeatSoak}: a backend and N clients that stay idle but answer every ping correctly
 * ({@link PongEndpoint}), the backend's connections on one NIO thread and the clients' on another. Prints
 * {@code backend PORT}, reads the proxy's port on stdin, connects the clients (8 threads, blocking handshakes, each
 * client handed to its loop at once so that an early ping is answered), prints {@code ready N}; then answers
 * {@code status} with {@code status key=value...}; closes everything and exits when stdin ends.
 */
public final class HeartbeatLoad {
    private static final int CONNECT_THREADS = 8;

    private HeartbeatLoad() {
    }

    public static void main(String[] arguments) throws Exception {
        Args args = Args.parse(arguments, Set.of("connections"), "HeartbeatLoad --connections N");
        int connections = args.intValue("connections", 9000, 1);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        SelectorLoop backendLoop = new SelectorLoop("heartbeat-backend");
        SelectorLoop clientLoop = new SelectorLoop("heartbeat-clients");
        PongEndpoint.Counters backendCounters = new PongEndpoint.Counters();
        PongEndpoint.Counters clientCounters = new PongEndpoint.Counters();
        PongEndpoint.Backend backend = new PongEndpoint.Backend(backendLoop, backendCounters);
        backendLoop.start();
        clientLoop.start();
        System.out.println("backend " + backend.port());

        String portLine = commands.readLine();
        if (portLine == null) {
            clientLoop.close();
            backendLoop.close();
            return;
        }
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", Integer.parseInt(portLine.trim()));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger registered = new AtomicInteger();
        ExecutorService connectors = Executors.newFixedThreadPool(CONNECT_THREADS);
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < CONNECT_THREADS; t++) {
            results.add(connectors.submit(() -> {
                while (next.getAndIncrement() < connections) {
                    SocketChannel channel = WebSocketHandshake.connect(proxy);
                    clientLoop.execute(() -> {
                        try {
                            PongEndpoint.registerClient(channel, clientLoop, clientCounters);
                        } catch (IOException e) {
                            System.err.println("load: registering a client failed: " + e);
                        }
                        registered.incrementAndGet();
                    });
                }
                return null;
            }));
        }
        try {
            for (Future<?> result : results) {
                result.get();
            }
        } catch (ExecutionException e) {
            System.out.println("error " + e.getCause());
            clientLoop.close();
            backendLoop.close();
            System.exit(1);
        } finally {
            connectors.shutdown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (registered.get() < connections && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.out.println("ready " + clientCounters.open);

        String command;
        while ((command = commands.readLine()) != null) {
            if (command.equals("status")) {
                System.out.println("status " + status(clientCounters, backendCounters));
            }
        }
        clientLoop.close();
        backendLoop.close();
    }

    private static String status(PongEndpoint.Counters clients, PongEndpoint.Counters backend) {
        return String.format(Locale.ROOT, "clientsOpen=%d backendOpen=%d clientPongs=%d backendPongs=%d"
                + " clientCloses=%d backendCloses=%d otherFrames=%d protocolErrors=%d endOfStreams=%d ioErrors=%d"
                + " fds=%d cpuNanos=%d clientMaxBurst=%d backendMaxBurst=%d", clients.open, backend.open, clients.pingsAnswered, backend.pingsAnswered,
                clients.closesReceived, backend.closesReceived, clients.otherFrames + backend.otherFrames,
                clients.protocolErrors + backend.protocolErrors, clients.endOfStreams + backend.endOfStreams,
                clients.ioErrors + backend.ioErrors, openFileDescriptors(), ProcessStats.processCpuNanos(),
                clients.takeMaxBurst(), backend.takeMaxBurst());
    }

    /** Entries in /proc/self/fd, or -1 where there is none. */
    static int openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
