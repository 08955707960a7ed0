package io.wsproxy.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child JVM of {@link IdleHeapMeasurement}: a backend that answers upgrades and then holds the socket, and N
 * clients that upgrade through the proxy and stay idle. Prints {@code backend PORT}, reads the proxy's port on
 * stdin, prints {@code ready N}; closes everything and exits when stdin ends.
 */
public final class IdleLoad {
    private static final int CONNECT_THREADS = 8;

    private IdleLoad() {
    }

    public static void main(String[] arguments) throws Exception {
        Args args = Args.parse(arguments, Set.of("connections"), "IdleLoad --connections N");
        int connections = args.intValue("connections", 4000, 1);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        SelectorLoop loop = new SelectorLoop("idle-backend");
        EchoBackend backend = new EchoBackend(loop, 1024);
        loop.start();
        System.out.println("backend " + backend.port());

        String portLine = commands.readLine();
        if (portLine == null) {
            loop.close();
            return;
        }
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", Integer.parseInt(portLine.trim()));
        List<SocketChannel> clients = Collections.synchronizedList(new ArrayList<>(connections));
        AtomicInteger next = new AtomicInteger();
        ExecutorService connectors = Executors.newFixedThreadPool(CONNECT_THREADS);
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < CONNECT_THREADS; t++) {
            results.add(connectors.submit(() -> {
                while (next.getAndIncrement() < connections) {
                    clients.add(WebSocketHandshake.connect(proxy));
                }
                return null;
            }));
        }
        try {
            for (Future<?> result : results) {
                result.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            System.out.println("error " + e.getCause());
            closeAll(clients);
            loop.close();
            System.exit(1);
        } finally {
            connectors.shutdown();
        }
        System.out.println("ready " + clients.size());

        while (commands.readLine() != null) {
            // Hold the connections until stdin ends.
        }
        closeAll(clients);
        loop.close();
    }

    private static void closeAll(List<SocketChannel> clients) {
        synchronized (clients) {
            for (SocketChannel client : clients) {
                try {
                    client.close();
                } catch (java.io.IOException ignored) {
                    // Exiting anyway.
                }
            }
        }
    }
}
