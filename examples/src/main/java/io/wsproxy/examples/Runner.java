package io.wsproxy.examples;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.UpstreamTls;
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
 * a {@link ProxyServer} over the pool its {@link BalanceOptions} describe (and with {@code --demo} two
 * {@link EchoServer}s as upstreams), prints where it listens, reloads its TLS certificates on SIGHUP, and shuts down
 * gracefully on SIGTERM or SIGINT.
 *
 * <p>Only {@link #main} exits the JVM; {@link #start} and {@link #run} return, so tests drive the runner in-process.
 * Exit status: 0 after {@code --help} or a graceful shutdown, 1 when the proxy cannot start (e.g. port in use),
 * 2 for a command-line mistake, which includes a file named by a TLS flag that does not load (as a host name that
 * does not resolve: the value of a flag is wrong, not the machine's state). Errors are one line on stderr, without
 * a stack trace.
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
        System.exit(run(args, System.out, System.err, ShutdownSignal.onTerminateOrInterrupt(),
                ReloadSignal.onHangup()));
    }

    /** {@link #run(String[], PrintStream, PrintStream, ShutdownSignal, ReloadSignal)} without reload requests. */
    static int run(String[] args, PrintStream out, PrintStream err, ShutdownSignal shutdown) {
        return run(args, out, err, shutdown, ReloadSignal.manual());
    }

    /**
     * Runs the proxy of {@code args} until {@code shutdown} is requested, then closes it; while it serves wss://,
     * each {@code reload} request reloads the certificates. Returns the exit status.
     */
    static int run(String[] args, PrintStream out, PrintStream err, ShutdownSignal shutdown, ReloadSignal reload) {
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
            running = start(options, out, reload);
        } catch (UsageException e) {
            err.println("wsproxy: " + e.getMessage());
            return EXIT_USAGE;
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
            reload.onRequest(null);
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
     * Loads the TLS files, starts the demo backends (with {@code --demo}) and the proxy, then prints one line per
     * listener containing {@code listening on ws://HOST:PORT} (or {@code wss://}) to {@code out}. On failure nothing
     * stays open.
     *
     * @throws UsageException if a file named by a TLS flag does not load (the message names the flag and the file),
     *                        or an {@code --upstream} host name does not resolve or shares an address with another
     * @throws IOException    if an address cannot be bound; the message names it
     */
    public static RunningProxy start(RunnerOptions options, PrintStream out) throws UsageException, IOException {
        return start(options, out, ReloadSignal.manual());
    }

    /**
     * As {@link #start(RunnerOptions, PrintStream)}; with wss:// listeners, {@code reload} requests reload the
     * certificates from before the ready lines are printed (so a SIGHUP sent once they appear is handled).
     */
    static RunningProxy start(RunnerOptions options, PrintStream out, ReloadSignal reload)
            throws UsageException, IOException {
        ServerTls serverTls = RunnerTls.serverTls(options.tls()).orElse(null);
        List<EchoServer> demoBackends = List.of();
        ProxyServer proxy;
        try {
            UpstreamTls upstreamTls = RunnerTls.upstreamTls(options.tls(), options.upstreams()).orElse(null);
            demoBackends = options.demo() ? startDemoBackends() : List.of();
            proxy = proxyBuilder(options, demoBackends, serverTls, upstreamTls).build().start();
        } catch (UsageException | IOException | RuntimeException e) {
            demoBackends.forEach(EchoServer::close);
            if (serverTls != null) {
                serverTls.close();
            }
            throw e;
        }
        AdminServer admin = null;
        if (options.admin().isPresent()) {
            try {
                admin = AdminServer.start(options.admin().get(), proxy);
            } catch (IOException | RuntimeException e) {
                new RunningProxy(proxy, serverTls, demoBackends, null).close();
                throw e;
            }
        }
        RunningProxy running = new RunningProxy(proxy, serverTls, demoBackends, admin);
        if (serverTls != null) {
            reload.onRequest(running::reloadCertificates);
        }
        printReady(running, options, out);
        return running;
    }

    /**
     * {@code serverTls} and {@code upstreamTls} are null for ws:// listeners and when no upstream is wss://.
     *
     * @throws UsageException naming {@code --upstream}, when a host name does not resolve or two upstreams share an
     *                        address
     */
    private static ProxyServer.Builder proxyBuilder(RunnerOptions options, List<EchoServer> demoBackends,
            ServerTls serverTls, UpstreamTls upstreamTls) throws UsageException {
        BalanceOptions balancing = options.balancing();
        ProxyServer.Builder builder = ProxyServer.builder().upstreams(upstreamPool(balancing, demoBackends));
        for (InetSocketAddress address : options.listen()) {
            if (serverTls == null) {
                builder.listen(address);
            } else {
                builder.listen(address, serverTls);
            }
        }
        if (upstreamTls != null) {
            builder.upstreamTls(upstreamTls);
        }
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
        balancing.maxUpstreamTries().ifPresent(builder::maxUpstreamTries);
        balancing.connectBudget().ifPresent(builder::connectBudget);
        balancing.drainVanished().ifPresent(drain -> builder.drainVanished(drain.deadline(), drain.spread()));
        balancing.rebalanceOnJoin().ifPresent(rebalance -> builder.rebalanceOnJoin(rebalance.tolerance(),
                rebalance.closesPerSecond()));
        return builder;
    }

    /**
     * The pool of the {@code --upstream}s and the demo backends, with the strategy and health the flags give. Built
     * from the URIs, so that a host name is one member per address (resolved now, and again with
     * {@code --resolve-every}).
     *
     * @throws UsageException naming {@code --upstream}, when a host name does not resolve or two upstreams share an
     *                        address
     */
    private static UpstreamPool upstreamPool(BalanceOptions balancing, List<EchoServer> demoBackends)
            throws UsageException {
        UpstreamPool.Builder pool = UpstreamPool.builder()
                .strategy(BalancingStrategy.byName(balancing.balance()))
                .passiveHealth(balancing.maxFails(), balancing.failWindow(), balancing.failTimeout());
        balancing.healthCheck().ifPresent(pool::activeHealth);
        balancing.resolveEvery().ifPresent(pool::resolveEvery);
        try {
            balancing.upstreams().forEach(upstream -> upstream.addTo(pool));
            demoBackends.forEach(backend -> pool.add(backend.uri().toString()));
            return pool.build();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new UsageException("--upstream: " + Character.toLowerCase(message.charAt(0)) + message.substring(1));
        }
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
        String scheme = options.tls().secureListeners() ? "wss://" : "ws://";
        List<InetSocketAddress> bound = running.addresses();
        for (int i = 0; i < bound.size(); i++) {
            out.println("wsproxy: listening on " + scheme + Addresses.format(asRequested(options, bound, i)));
        }
        UpstreamPool pool = running.proxy().upstreams();
        String upstreams = pool.members().stream()
                .map(member -> pool.isBackup(member) ? member + " backup" : member.toString())
                .collect(Collectors.joining(", "));
        out.println("wsproxy: relaying to " + upstreams + " (" + options.balance() + ")"
                + (options.tls().upstreamInsecure() ? "; wss:// upstream certificates NOT verified" : ""));
        running.admin().ifPresent(admin -> out.println("wsproxy: runtime API on http://"
                + Addresses.format(admin.address()) + "/upstreams"));
        if (options.demo()) {
            out.println("wsproxy: connect with: npx wscat -c " + scheme
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
