package io.wsproxy.examples;

import io.wsproxy.HeartbeatPolicy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The runner's command line, parsed and checked. {@link #parse} is a pure function of the arguments (apart from
 * resolving host names), so every mistake an operator can make is testable without starting anything or exiting.
 * Immutable.
 *
 * <p>A flag's value follows it as the next argument or after {@code =} ({@code --listen 0.0.0.0:80} or
 * {@code --listen=0.0.0.0:80}). Settings not given keep the {@code ProxyServer.Builder} defaults.
 */
public final class RunnerOptions {
    /** Where the runner listens when no {@code --listen} is given. */
    public static final InetSocketAddress DEFAULT_LISTEN = new InetSocketAddress("127.0.0.1", 8080);

    /** Close codes {@code --shutdown-close-code} accepts: 1001 Going Away and 1012 Service Restart. */
    private static final List<Integer> SHUTDOWN_CLOSE_CODES = List.of(1001, 1012);

    /** The shortest heartbeat interval, heartbeat timeout and idle timeout: the proxy's timer tick. */
    private static final Duration MIN_TIMER = Duration.ofMillis(10);

    private static final String USAGE = String.join("\n",
            "Usage: java -jar wsproxy.jar [flags]",
            "",
            "A WebSocket (ws:// and wss://) load-balancing reverse proxy.",
            "",
            "Flags (durations are written 500ms, 30s, 2m or 1h):",
            "  --listen HOST:PORT              address to accept clients on; repeatable; default 127.0.0.1:8080",
            "                                  (IPv6 as [::1]:8080; port 0 picks a free port)",
            "  --upstream URI                  ws://HOST:PORT or wss://HOST:PORT to relay to, optionally ;weight=N",
            "                                  and ;backup (gets connections only when no other upstream can take",
            "                                  them); repeatable; a host name is one upstream per address",
            "  --balance NAME                  balancing strategy: round-robin (default), least-connections (or",
            "                                  least-conn), random-two (or p2c: the less loaded of two picked at",
            "                                  random), ip-hash (a client's IPv4 /24 keeps its upstream), or",
            "                                  consistent hashing on hash:ip, hash:header:NAME, hash:cookie:NAME or",
            "                                  hash:query:NAME (connections without the key go round-robin)",
            "  --demo                          start two echo backends on 127.0.0.1 and relay to them too",
            "  --connect-timeout D             TCP connect to one upstream; then the next is tried (default 5s)",
            "  --handshake-timeout D           client's upgrade request must arrive within D, else 408 (default 10s)",
            "  --upstream-handshake-timeout D  upstream must answer the upgrade within D (default 10s)",
            "  --close-timeout D               close handshake, then TCP close (default 5s)",
            "  --send-timeout D                a side that accepts no bytes for D is closed (default 60s)",
            "  --shutdown-timeout D            graceful shutdown deadline on SIGTERM/SIGINT (default 10s)",
            "  --shutdown-close-code CODE      Close code clients and upstreams get at that shutdown: 1001 Going",
            "                                  Away (default) or 1012 Service Restart (reconnect elsewhere)",
            "  --ping-interval D               ping a side after D without traffic from it (default 30s; min 10ms)",
            "  --ping-timeout D                a pinged side silent for D more is closed with 1001 (default 10s)",
            "  --ping-side SIDE                hops the proxy pings: client, upstream or both (default both)",
            "  --no-heartbeat                  send no pings of its own (endpoints' pings still pass through)",
            "  --idle-timeout D                close both sides with 1001 after D without data either way;",
            "                                  0 or off for none (default off)",
            "  --max-connections N             clients beyond N get 503 with Retry-After (default: no limit)",
            "  --event-loops N                 event-loop threads (default: one per processor)",
            "  --admin HOST:PORT               serve the runtime API (upstream status, drain, resume, weight, add,",
            "                                  remove, rebalance) over HTTP there; no authentication: loopback only",
            "  --help                          print this help and exit",
            "",
            "Upstream retries, health and host names:",
            "  --max-upstream-tries N          upstreams tried for one connection, then 502 (default 3)",
            "  --connect-budget D              time all tries of one connection may take, then 504 (default 30s)",
            "  --max-fails N                   failed connects or upgrades within the fail window that take an",
            "                                  upstream out for the fail timeout; 0 turns this off (default 1)",
            "  --fail-timeout D                how long a failed upstream is left out (default 10s)",
            "  --fail-window D                 period failures are counted over (default: the fail timeout)",
            "  --health-check CHECK            probe every upstream: tcp (a connect) or ws:PATH (an upgrade of",
            "                                  PATH, e.g. ws:/health, that must be answered 101); default off",
            "  --health-interval D             time between two rounds of probes (default 5s; min 10ms)",
            "  --health-timeout D              time one probe may take (default 2s, at most the interval)",
            "  --health-rise N                 passed probes in a row that bring an upstream back (default 2)",
            "  --health-fall N                 failed probes in a row that take it out (default 3)",
            "  --resolve-every D               resolve upstream host names again every D (min 100ms): new",
            "                                  addresses join, vanished ones get no new connections (default:",
            "                                  once, at start)",
            "  --drain-vanished D[,SPREAD]     close a vanished address's connections with 1012 after D, one",
            "                                  after the other over SPREAD (default 0); needs --resolve-every",
            "  --rebalance-on-join T,RATE      when upstreams join, upstreams over their share by more than T",
            "                                  (0.1 = 10%) close connections with 1012, at most RATE a second",
            "",
            "TLS (files in PEM form):",
            "  --tls-cert FILE                 certificate chain, the server's own certificate first: with --tls-key,",
            "                                  every listener serves wss://",
            "  --tls-key FILE                  private key of the --tls-cert in the same position; the pair is",
            "                                  repeatable for SNI: each serves the names in its certificate, the",
            "                                  first pair also clients that send another name or none",
            "  --tls-key-password PASS         password of encrypted keys (other users may see it in ps; prefer",
            "                                  --tls-key-password-file)",
            "  --tls-key-password-file FILE    password of encrypted keys: the first line of FILE",
            "  --tls-client-ca FILE            ask clients for a certificate issued by a CA in FILE (mutual TLS)",
            "  --tls-client-auth MODE          required (default with --tls-client-ca) or optional",
            "  --tls-watch D                   check the certificate, key and CA files every D and reload them when",
            "                                  they change; SIGHUP reloads them too; files that do not load leave",
            "                                  the previous certificates in use",
            "  --upstream-ca FILE              CAs to verify wss:// upstreams with (default: the JDK's trusted CAs)",
            "  --upstream-insecure             do not verify wss:// upstreams' certificates (for development only)",
            "",
            "Exit status: 0 after a graceful shutdown or --help, 1 if the proxy cannot start (e.g. port in use),",
            "2 for a command-line mistake, which includes a certificate, key, password or CA file that does not",
            "load.",
            "");

    private final boolean help;
    private final boolean demo;
    private final List<InetSocketAddress> listen;
    private final InetSocketAddress admin;
    private final BalanceOptions balancing;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Duration upstreamHandshakeTimeout;
    private final Duration closeTimeout;
    private final Duration sendTimeout;
    private final Duration shutdownTimeout;
    private final Integer maxConnections;
    private final Integer eventLoops;
    private final HeartbeatPolicy heartbeat;
    private final Duration idleTimeout;
    private final Integer shutdownCloseCode;
    private final TlsOptions tls;

    private RunnerOptions(Parser parser, BalanceOptions balancing, TlsOptions tls) {
        this.help = parser.help;
        this.demo = parser.demo;
        this.listen = parser.listen.isEmpty() ? List.of(DEFAULT_LISTEN) : List.copyOf(parser.listen);
        this.admin = parser.admin;
        this.balancing = balancing;
        this.connectTimeout = parser.connectTimeout;
        this.handshakeTimeout = parser.handshakeTimeout;
        this.upstreamHandshakeTimeout = parser.upstreamHandshakeTimeout;
        this.closeTimeout = parser.closeTimeout;
        this.sendTimeout = parser.sendTimeout;
        this.shutdownTimeout = parser.shutdownTimeout;
        this.maxConnections = parser.maxConnections;
        this.eventLoops = parser.eventLoops;
        this.heartbeat = parser.heartbeat();
        this.idleTimeout = parser.idleTimeout;
        this.shutdownCloseCode = parser.shutdownCloseCode;
        this.tls = tls;
    }

    /**
     * Parses and checks the runner's arguments. {@code --help} anywhere wins over everything else.
     *
     * @throws UsageException for the first mistake, with a one-line message naming the flag
     */
    public static RunnerOptions parse(String... args) throws UsageException {
        Parser parser = new Parser();
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            parser.help = true;
            return new RunnerOptions(parser, BalanceOptions.none(), TlsOptions.none());
        }
        return parser.parse(args);
    }

    /** The {@code --help} text, ending with a line break. */
    public static String usage() {
        return USAGE;
    }

    /** {@code --help} was given: print {@link #usage()}; the other settings are defaults. */
    public boolean help() {
        return help;
    }

    /** {@code --demo}: start two echo backends and add them to the upstreams. */
    public boolean demo() {
        return demo;
    }

    /** {@code --admin}: where the runtime API ({@link AdminServer}) listens; empty when it is off. */
    public Optional<InetSocketAddress> admin() {
        return Optional.ofNullable(admin);
    }

    /** The listen addresses, resolved; {@link #DEFAULT_LISTEN} when none was given. */
    public List<InetSocketAddress> listen() {
        return listen;
    }

    /** The {@code --upstream}s in the order given; empty only with {@code --demo}. Short for {@link #balancing()}'s. */
    public List<UpstreamOption> upstreams() {
        return balancing.upstreams();
    }

    /** The {@code --balance} strategy's canonical name. Short for {@link #balancing()}'s. */
    public String balance() {
        return balancing.balance();
    }

    /** The upstream and balancing flags: {@code --upstream}, {@code --balance}, health, retries, host names. */
    public BalanceOptions balancing() {
        return balancing;
    }

    public Optional<Duration> connectTimeout() {
        return Optional.ofNullable(connectTimeout);
    }

    public Optional<Duration> handshakeTimeout() {
        return Optional.ofNullable(handshakeTimeout);
    }

    public Optional<Duration> upstreamHandshakeTimeout() {
        return Optional.ofNullable(upstreamHandshakeTimeout);
    }

    public Optional<Duration> closeTimeout() {
        return Optional.ofNullable(closeTimeout);
    }

    public Optional<Duration> sendTimeout() {
        return Optional.ofNullable(sendTimeout);
    }

    public Optional<Duration> shutdownTimeout() {
        return Optional.ofNullable(shutdownTimeout);
    }

    public OptionalInt maxConnections() {
        return maxConnections == null ? OptionalInt.empty() : OptionalInt.of(maxConnections);
    }

    public OptionalInt eventLoops() {
        return eventLoops == null ? OptionalInt.empty() : OptionalInt.of(eventLoops);
    }

    /**
     * The proxy's pings: {@link HeartbeatPolicy#disabled()} with {@code --no-heartbeat}, else the
     * {@code --ping-*} values over the policy's defaults (30 s, 10 s, both sides).
     */
    public HeartbeatPolicy heartbeat() {
        return heartbeat;
    }

    /** {@code --idle-timeout}: {@link Duration#ZERO} when given as {@code 0} or {@code off}; empty when not given. */
    public Optional<Duration> idleTimeout() {
        return Optional.ofNullable(idleTimeout);
    }

    /** {@code --shutdown-close-code}: 1001 or 1012; empty when not given (the builder's default is 1001). */
    public OptionalInt shutdownCloseCode() {
        return shutdownCloseCode == null ? OptionalInt.empty() : OptionalInt.of(shutdownCloseCode);
    }

    /** The {@code --tls-*} and {@code --upstream-ca}/{@code --upstream-insecure} flags. */
    public TlsOptions tls() {
        return tls;
    }

    /** Walks the arguments once, collecting values; the first mistake ends the walk. */
    private static final class Parser {
        private boolean help;
        private boolean demo;
        private final List<InetSocketAddress> listen = new ArrayList<>();
        private InetSocketAddress admin;
        private Duration connectTimeout;
        private Duration handshakeTimeout;
        private Duration upstreamHandshakeTimeout;
        private Duration closeTimeout;
        private Duration sendTimeout;
        private Duration shutdownTimeout;
        private Integer maxConnections;
        private Integer eventLoops;
        private boolean noHeartbeat;
        private Duration pingInterval;
        private Duration pingTimeout;
        private HeartbeatPolicy.Sides pingSide;
        private Duration idleTimeout;
        private Integer shutdownCloseCode;
        private final BalanceOptions.Parser balancing = new BalanceOptions.Parser();
        private final TlsOptions.Parser tls = new TlsOptions.Parser();

        /** Takes every argument and checks the flags against each other. */
        RunnerOptions parse(String[] args) throws UsageException {
            for (int i = 0; i < args.length; i++) {
                String argument = args[i];
                if (!argument.startsWith("--")) {
                    throw new UsageException("unexpected argument '" + argument + "' (flags start with --; see --help)");
                }
                int equals = argument.indexOf('=');
                String flag = equals < 0 ? argument : argument.substring(0, equals);
                String inlineValue = equals < 0 ? null : argument.substring(equals + 1);
                if (flag.equals("--demo") || flag.equals("--no-heartbeat") || TlsOptions.Parser.isSwitch(flag)) {
                    if (inlineValue != null) {
                        throw new UsageException(flag + " takes no value");
                    }
                    if (flag.equals("--demo")) {
                        demo = true;
                    } else if (flag.equals("--no-heartbeat")) {
                        noHeartbeat = true;
                    } else {
                        tls.acceptSwitch();
                    }
                    continue;
                }
                String value;
                if (inlineValue != null) {
                    value = inlineValue;
                } else if (isValueFlag(flag) && i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    value = args[++i];
                } else {
                    value = null;
                }
                accept(flag, value);
            }
            BalanceOptions balanceOptions = balancing.finish(demo);
            if (noHeartbeat) {
                String pingFlag = pingInterval != null ? "--ping-interval"
                        : pingTimeout != null ? "--ping-timeout"
                        : pingSide != null ? "--ping-side"
                        : null;
                if (pingFlag != null) {
                    throw new UsageException("--no-heartbeat: cannot be combined with " + pingFlag);
                }
            }
            return new RunnerOptions(this, balanceOptions, tls.finish(balanceOptions.upstreams()));
        }

        /** The heartbeat the flags describe; the values were checked against the policy's bounds already. */
        HeartbeatPolicy heartbeat() {
            if (noHeartbeat) {
                return HeartbeatPolicy.disabled();
            }
            HeartbeatPolicy.Builder builder = HeartbeatPolicy.builder();
            if (pingInterval != null) {
                builder.interval(pingInterval);
            }
            if (pingTimeout != null) {
                builder.timeout(pingTimeout);
            }
            if (pingSide != null) {
                builder.sides(pingSide);
            }
            return builder.build();
        }

        private static boolean isValueFlag(String flag) {
            switch (flag) {
                case "--listen":
                case "--admin":
                case "--connect-timeout":
                case "--handshake-timeout":
                case "--upstream-handshake-timeout":
                case "--close-timeout":
                case "--send-timeout":
                case "--shutdown-timeout":
                case "--max-connections":
                case "--event-loops":
                case "--ping-interval":
                case "--ping-timeout":
                case "--ping-side":
                case "--idle-timeout":
                case "--shutdown-close-code":
                    return true;
                default:
                    return BalanceOptions.Parser.isValueFlag(flag) || TlsOptions.Parser.isValueFlag(flag);
            }
        }

        private void accept(String flag, String value) throws UsageException {
            if (!isValueFlag(flag)) {
                throw new UsageException("unknown flag '" + flag + "' (see --help)");
            }
            if (value == null) {
                throw new UsageException(flag + ": missing value");
            }
            if (BalanceOptions.Parser.isValueFlag(flag)) {
                balancing.accept(flag, value);
                return;
            }
            if (TlsOptions.Parser.isValueFlag(flag)) {
                tls.accept(flag, value);
                return;
            }
            switch (flag) {
                case "--listen":
                    listen.add(listenAddress(flag, value));
                    break;
                case "--admin":
                    admin = listenAddress(flag, value);
                    break;
                case "--connect-timeout":
                    connectTimeout = duration(flag, value);
                    break;
                case "--handshake-timeout":
                    handshakeTimeout = duration(flag, value);
                    break;
                case "--upstream-handshake-timeout":
                    upstreamHandshakeTimeout = duration(flag, value);
                    break;
                case "--close-timeout":
                    closeTimeout = duration(flag, value);
                    break;
                case "--send-timeout":
                    sendTimeout = duration(flag, value);
                    break;
                case "--shutdown-timeout":
                    shutdownTimeout = duration(flag, value);
                    break;
                case "--max-connections":
                    maxConnections = positiveNumber(flag, value);
                    break;
                case "--ping-interval":
                    pingInterval = timerDuration(flag, value);
                    break;
                case "--ping-timeout":
                    pingTimeout = timerDuration(flag, value);
                    break;
                case "--ping-side":
                    pingSide = side(value);
                    break;
                case "--idle-timeout":
                    idleTimeout = isOff(value) ? Duration.ZERO : timerDuration(flag, value);
                    break;
                case "--shutdown-close-code":
                    shutdownCloseCode = shutdownCloseCode(value);
                    break;
                default:
                    eventLoops = positiveNumber(flag, value);
                    break;
            }
        }

        private static InetSocketAddress listenAddress(String flag, String value) throws UsageException {
            try {
                return Addresses.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException(flag + ": " + e.getMessage());
            }
        }

        private static Duration duration(String flag, String value) throws UsageException {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException(flag + ": " + e.getMessage());
            }
        }

        /** A duration the proxy's timer can honour: at least {@link #MIN_TIMER}. */
        private static Duration timerDuration(String flag, String value) throws UsageException {
            Duration duration = duration(flag, value);
            if (duration.compareTo(MIN_TIMER) < 0) {
                throw new UsageException(flag + ": " + value + " is shorter than the timer tick (use at least "
                        + MIN_TIMER.toMillis() + "ms)");
            }
            return duration;
        }

        /** {@code off}, {@code 0} or a zero duration such as {@code 0s}. */
        private static boolean isOff(String value) {
            return value.equals("off") || value.matches("0{1,9}(ms|s|m|h)?");
        }

        private static HeartbeatPolicy.Sides side(String value) throws UsageException {
            switch (value.toLowerCase(Locale.ROOT)) {
                case "client":
                    return HeartbeatPolicy.Sides.CLIENT;
                case "upstream":
                    return HeartbeatPolicy.Sides.UPSTREAM;
                case "both":
                    return HeartbeatPolicy.Sides.BOTH;
                default:
                    throw new UsageException("--ping-side: unknown side '" + value + "' (use client, upstream or both)");
            }
        }

        private static int shutdownCloseCode(String value) throws UsageException {
            if (value.matches("[0-9]{1,9}") && SHUTDOWN_CLOSE_CODES.contains(Integer.parseInt(value))) {
                return Integer.parseInt(value);
            }
            throw new UsageException("--shutdown-close-code: invalid close code '" + value
                    + "' (use 1001 Going Away or 1012 Service Restart)");
        }

        private static int positiveNumber(String flag, String value) throws UsageException {
            if (!value.matches("[0-9]{1,9}") || Integer.parseInt(value) < 1) {
                throw new UsageException(flag + ": invalid number '" + value + "' (use a whole number from 1)");
            }
            return Integer.parseInt(value);
        }
    }
}
