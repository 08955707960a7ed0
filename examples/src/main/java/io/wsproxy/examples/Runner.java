package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The standalone runner, main class of {@code wsproxy.jar}: parses the command line ({@link RunnerOptions}), starts
 * a {@link ProxyServer} (and with {@code --demo} two {@link EchoServer}s as upstreams), prints where it listens, and
 * shuts down gracefully on SIGTERM or SIGINT.
 *
 * <p>Only {@link #main} exits the JVM; {@link #start} and {@link #run} return, so tests drive the runner in-process.
 * Exit status: 0 after {@code --help} or a graceful shutdown, 1 when the proxy cannot start (e.g. port in use),
 * 2 for a command-line mistake. Errors are one line on stderr, without a stack trace.
 */
public final class Runner {
    static final int EXIT_OK = 0;
    static final int EXIT_CANNOT_START = 1;
    static final int EXIT_USAGE = 2;

    private static final String DEMO_BACKENDS_HOST = "127.0.0.1";
    private static final int DEMO_BACKEND_COUNT = 2;

    private Runner() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, ShutdownSignal.onTerminateOrInterrupt()));
    }

    /**
     * Runs the proxy of {@code args} until {@code shutdown} is requested, then closes it. Returns the exit status.
     */
    static int run(String[] args, PrintStream out, PrintStream err, ShutdownSignal shutdown) {
        RunnerOptions options;
        try {
            options = RunnerOptions.parse(args);
        } catch (UsageException e) {
            err.println("wsproxy: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(RunnerOptions.usage());
            return EXIT_OK;
        }
        RunningProxy running;
        try {
            running = start(options, out);
        } catch (IOException e) {
            err.println("wsproxy: " + e.getMessage());
            return EXIT_CANNOT_START;
        }
        Thread hook = new Thread(running::close, "wsproxy-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            shutdown.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.close();
            removeShutdownHook(hook);
        }
        return EXIT_OK;
    }

    /**
     * Parses {@code args} and starts the proxy they describe; see {@link #start(RunnerOptions, PrintStream)}.
     *
     * @throws UsageException for a command-line mistake, {@code --help} included (it does not start a proxy)
     */
    public static RunningProxy start(String[] args, PrintStream out) throws UsageException, IOException {
        RunnerOptions options = RunnerOptions.parse(args);
        if (options.help()) {
            throw new UsageException("--help does not start a proxy");
        }
        return start(options, out);
    }

    /**
     * Starts the demo backends (with {@code --demo}) and the proxy, then prints one line per listener containing
     * {@code listening on ws://HOST:PORT} to {@code out}. On failure nothing stays open.
     *
     * @throws IOException if an address cannot be bound; the message names it
     */
    public static RunningProxy start(RunnerOptions options, PrintStream out) throws IOException {
        List<EchoServer> demoBackends = options.demo() ? startDemoBackends() : List.of();
        ProxyServer proxy;
        try {
            proxy = proxyBuilder(options, demoBackends).build().start();
        } catch (IOException | RuntimeException e) {
            demoBackends.forEach(EchoServer::close);
            throw e;
        }
        RunningProxy running = new RunningProxy(proxy, demoBackends);
        printReady(running, options, out);
        return running;
    }

    private static ProxyServer.Builder proxyBuilder(RunnerOptions options, List<EchoServer> demoBackends) {
        UpstreamPool.Builder pool = UpstreamPool.builder().strategy(BalancingStrategy.byName(options.balance()));
        options.upstreams().forEach(upstream -> pool.add(upstream.toUpstream()));
        demoBackends.forEach(backend -> pool.add(backend.uri().toString()));

        ProxyServer.Builder builder = ProxyServer.builder().upstreams(pool.build());
        options.listen().forEach(builder::listen);
        options.connectTimeout().ifPresent(builder::connectTimeout);
        options.handshakeTimeout().ifPresent(builder::handshakeTimeout);
        options.upstreamHandshakeTimeout().ifPresent(builder::upstreamHandshakeTimeout);
        options.closeTimeout().ifPresent(builder::closeTimeout);
        options.sendTimeout().ifPresent(builder::sendTimeout);
        options.shutdownTimeout().ifPresent(builder::shutdownTimeout);
        options.maxConnections().ifPresent(builder::maxConnections);
        options.eventLoops().ifPresent(builder::eventLoops);
        builder.heartbeat(options.heartbeat());
        options.idleTimeout().ifPresent(builder::idleTimeout);
        options.shutdownCloseCode().ifPresent(builder::shutdownCloseCode);
        return builder;
    }

    private static List<EchoServer> startDemoBackends() throws IOException {
        List<EchoServer> backends = new ArrayList<>();
        try {
            for (int number = 1; number <= DEMO_BACKEND_COUNT; number++) {
                backends.add(EchoServer.start(new InetSocketAddress(DEMO_BACKENDS_HOST, 0),
                        "demo echo backend " + number + " of " + DEMO_BACKEND_COUNT
                                + " here; send a message and it comes back"));
            }
        } catch (IOException | RuntimeException e) {
            backends.forEach(EchoServer::close);
            throw e;
        }
        return backends;
    }

    private static void printReady(RunningProxy running, RunnerOptions options, PrintStream out) {
        List<InetSocketAddress> bound = running.addresses();
        for (int i = 0; i < bound.size(); i++) {
            out.println("wsproxy: listening on ws://" + Addresses.format(asRequested(options, bound, i)));
        }
        String upstreams = running.proxy().upstreams().members().stream()
                .map(Object::toString)
                .collect(Collectors.joining(", "));
        out.println("wsproxy: relaying to " + upstreams + " (" + options.balance() + ")");
        if (options.demo()) {
            out.println("wsproxy: connect with: npx wscat -c ws://"
                    + Addresses.format(reachable(asRequested(options, bound, 0))));
        }
        out.flush();
    }

    /**
     * Bound address {@code index} with the host as the operator wrote it: a socket bound to 0.0.0.0 may report
     * itself as {@code ::} on a dual-stack host, which would confuse.
     */
    private static InetSocketAddress asRequested(RunnerOptions options, List<InetSocketAddress> bound, int index) {
        if (options.listen().size() != bound.size()) {
            return bound.get(index);
        }
        return new InetSocketAddress(options.listen().get(index).getAddress(), bound.get(index).getPort());
    }

    /** The address a local client would use: a wildcard listen address is reached over loopback. */
    private static InetSocketAddress reachable(InetSocketAddress address) {
        if (address.getAddress() != null && address.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(DEMO_BACKENDS_HOST, address.getPort());
        }
        return address;
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // The JVM is already exiting and runs the hook, which finds the proxy closed.
        }
    }
}
