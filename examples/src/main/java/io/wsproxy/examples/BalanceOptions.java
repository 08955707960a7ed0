package io.wsproxy.examples;

import io.wsproxy.upstream.ActiveHealthCheck;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.Upstream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runner's upstream and balancing flags, parsed and checked together: the upstreams (weights, backups), the
 * strategy, passive and active health, re-resolving host names, what happens to open connections when addresses
 * vanish or members join, and how many upstreams one connection may try. Part of {@link RunnerOptions} and, like it,
 * a pure function of the arguments apart from resolving host names; the {@link Runner} builds the pool from it.
 * Immutable.
 */
public final class BalanceOptions {
    /** Passive health without {@code --max-fails}/{@code --fail-timeout}: the pool's defaults, nginx's too. */
    static final int DEFAULT_MAX_FAILS = 1;
    static final Duration DEFAULT_FAIL_TIMEOUT = Duration.ofSeconds(10);
    /** Active health without {@code --health-interval}, {@code --health-rise} or {@code --health-fall}. */
    static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(5);
    static final int DEFAULT_HEALTH_RISE = 2;
    static final int DEFAULT_HEALTH_FALL = 3;

    /** The shortest {@code --health-interval}, as {@link ActiveHealthCheck} accepts. */
    private static final Duration MIN_HEALTH_INTERVAL = Duration.ofMillis(10);
    /** The shortest {@code --resolve-every}, as {@code UpstreamPool.Builder.resolveEvery} accepts. */
    private static final Duration MIN_RESOLVE_EVERY = Duration.ofMillis(100);
    /** {@code TOLERANCE,RATE} of {@code --rebalance-on-join}: two decimal numbers. */
    private static final Pattern REBALANCE =
            Pattern.compile("([0-9]{1,6}(?:\\.[0-9]{1,6})?),([0-9]{1,6}(?:\\.[0-9]{1,6})?)");

    /** {@code --drain-vanished}: close a vanished address's connections after {@code deadline}, over {@code spread}. */
    public record DrainVanished(Duration deadline, Duration spread) {
    }

    /**
     * {@code --rebalance-on-join}: members over their weighted share by more than {@code tolerance} (0.1 = 10%) shed
     * connections, at most {@code closesPerSecond} in all.
     */
    public record Rebalance(double tolerance, double closesPerSecond) {
    }

    /** In the order given. */
    private final List<UpstreamOption> upstreams;
    /** Canonical, as {@link BalancingStrategy#byName} accepts and {@code toString} gives it. */
    private final String balance;
    private final int maxFails;
    private final Duration failWindow;
    private final Duration failTimeout;
    /** Null without {@code --health-check}. */
    private final ActiveHealthCheck healthCheck;
    private final Duration resolveEvery;
    /** Never without {@link #resolveEvery}. */
    private final DrainVanished drainVanished;
    private final Rebalance rebalanceOnJoin;
    private final Duration connectBudget;
    private final Integer maxUpstreamTries;

    private BalanceOptions(Parser parser) {
        this.upstreams = List.copyOf(parser.upstreams);
        this.balance = parser.balance;
        this.maxFails = parser.maxFails != null ? parser.maxFails : DEFAULT_MAX_FAILS;
        this.failTimeout = parser.failTimeout != null ? parser.failTimeout : DEFAULT_FAIL_TIMEOUT;
        this.failWindow = parser.failWindow != null ? parser.failWindow : failTimeout;
        this.healthCheck = parser.healthCheck();
        this.resolveEvery = parser.resolveEvery;
        this.drainVanished = parser.drainVanished;
        this.rebalanceOnJoin = parser.rebalanceOnJoin;
        this.connectBudget = parser.connectBudget;
        this.maxUpstreamTries = parser.maxUpstreamTries;
    }

    /** No balancing flag given (as with {@code --help}): no upstreams, round-robin, the pool's defaults. */
    static BalanceOptions none() {
        return new BalanceOptions(new Parser());
    }

    /** The {@code --upstream}s in the order given; empty only with {@code --demo}. */
    public List<UpstreamOption> upstreams() {
        return upstreams;
    }

    /** {@code --balance}: the strategy's canonical name, accepted by {@link BalancingStrategy#byName}. */
    public String balance() {
        return balance;
    }

    /** {@code --max-fails}: failed connects or upgrades within the fail window that mark a member down; 0 for off. */
    public int maxFails() {
        return maxFails;
    }

    /** {@code --fail-window}: the period failures are counted over; the fail timeout unless given. */
    public Duration failWindow() {
        return failWindow;
    }

    /** {@code --fail-timeout}: how long a member that failed is left out. */
    public Duration failTimeout() {
        return failTimeout;
    }

    /** {@code --health-check} with the {@code --health-*} tuning; empty without it. */
    public Optional<ActiveHealthCheck> healthCheck() {
        return Optional.ofNullable(healthCheck);
    }

    /** {@code --resolve-every}: how often host names are resolved again; empty for once, at start. */
    public Optional<Duration> resolveEvery() {
        return Optional.ofNullable(resolveEvery);
    }

    /** {@code --drain-vanished}; empty when a vanished address's connections stay until they end. */
    public Optional<DrainVanished> drainVanished() {
        return Optional.ofNullable(drainVanished);
    }

    /** {@code --rebalance-on-join}; empty for off. */
    public Optional<Rebalance> rebalanceOnJoin() {
        return Optional.ofNullable(rebalanceOnJoin);
    }

    /** {@code --connect-budget}; empty for the builder's default. */
    public Optional<Duration> connectBudget() {
        return Optional.ofNullable(connectBudget);
    }

    /** {@code --max-upstream-tries}; empty for the builder's default. */
    public OptionalInt maxUpstreamTries() {
        return maxUpstreamTries == null ? OptionalInt.empty() : OptionalInt.of(maxUpstreamTries);
    }

    /** Collects the balancing flags for {@link RunnerOptions}' walk over the arguments; {@link #finish} checks them. */
    static final class Parser {
        private final List<UpstreamOption> upstreams = new ArrayList<>();
        /** The address each of {@link #upstreams} resolved to first, to find one given twice. */
        private final List<InetSocketAddress> upstreamAddresses = new ArrayList<>();
        private String balance = "round-robin";
        private Integer maxFails;
        private Duration failWindow;
        private Duration failTimeout;
        private boolean healthCheckGiven;
        /** The path of {@code --health-check ws:PATH}; null for {@code tcp}. */
        private String healthPath;
        private Duration healthInterval;
        private Duration healthTimeout;
        private Integer healthRise;
        private Integer healthFall;
        private Duration resolveEvery;
        private DrainVanished drainVanished;
        private Rebalance rebalanceOnJoin;
        private Duration connectBudget;
        private Integer maxUpstreamTries;

        /** Whether {@code flag} is a balancing flag (each takes a value). */
        static boolean isValueFlag(String flag) {
            switch (flag) {
                case "--upstream":
                case "--balance":
                case "--max-fails":
                case "--fail-timeout":
                case "--fail-window":
                case "--health-check":
                case "--health-interval":
                case "--health-timeout":
                case "--health-rise":
                case "--health-fall":
                case "--resolve-every":
                case "--drain-vanished":
                case "--rebalance-on-join":
                case "--connect-budget":
                case "--max-upstream-tries":
                    return true;
                default:
                    return false;
            }
        }

        /** Takes one balancing flag's value; the flag is one of {@link #isValueFlag} and the value is not null. */
        void accept(String flag, String value) throws UsageException {
            switch (flag) {
                case "--upstream":
                    upstreams.add(upstream(value));
                    break;
                case "--balance":
                    balance = strategyName(value);
                    break;
                case "--max-fails":
                    if (!value.matches("[0-9]{1,9}")) {
                        throw new UsageException(flag + ": invalid number '" + value
                                + "' (use a whole number from 0; 0 turns passive health off)");
                    }
                    maxFails = Integer.parseInt(value);
                    break;
                case "--fail-timeout":
                    failTimeout = duration(flag, value);
                    break;
                case "--fail-window":
                    failWindow = duration(flag, value);
                    break;
                case "--health-check":
                    healthPath = healthCheckPath(value);
                    healthCheckGiven = true;
                    break;
                case "--health-interval":
                    healthInterval = atLeast(flag, value, MIN_HEALTH_INTERVAL);
                    break;
                case "--health-timeout":
                    healthTimeout = duration(flag, value);
                    break;
                case "--health-rise":
                    healthRise = positiveNumber(flag, value);
                    break;
                case "--health-fall":
                    healthFall = positiveNumber(flag, value);
                    break;
                case "--resolve-every":
                    resolveEvery = atLeast(flag, value, MIN_RESOLVE_EVERY);
                    break;
                case "--drain-vanished":
                    drainVanished = drainVanished(value);
                    break;
                case "--rebalance-on-join":
                    rebalanceOnJoin = rebalance(value);
                    break;
                case "--connect-budget":
                    connectBudget = duration(flag, value);
                    break;
                default:
                    maxUpstreamTries = positiveNumber(flag, value);
                    break;
            }
        }

        /**
         * Checks the flags against each other and makes the options.
         *
         * @param demo whether {@code --demo} adds its backends: then no {@code --upstream} is needed
         * @throws UsageException for the first mistake, naming the flag
         */
        BalanceOptions finish(boolean demo) throws UsageException {
            if (upstreams.isEmpty() && !demo) {
                throw new UsageException("--upstream: at least one upstream is required (or use --demo)");
            }
            if (!demo && upstreams.stream().allMatch(UpstreamOption::backup)) {
                throw new UsageException("--upstream: every upstream is a backup; at least one must not be");
            }
            if (maxFails != null && maxFails == 0) {
                String durationFlag = failTimeout != null ? "--fail-timeout"
                        : failWindow != null ? "--fail-window"
                        : null;
                if (durationFlag != null) {
                    throw new UsageException("--max-fails: 0 turns passive health off, and cannot be combined with "
                            + durationFlag);
                }
            }
            if (!healthCheckGiven) {
                String tuningFlag = healthInterval != null ? "--health-interval"
                        : healthTimeout != null ? "--health-timeout"
                        : healthRise != null ? "--health-rise"
                        : healthFall != null ? "--health-fall"
                        : null;
                if (tuningFlag != null) {
                    throw new UsageException(tuningFlag + ": needs --health-check tcp or --health-check ws:PATH");
                }
            }
            if (drainVanished != null && resolveEvery == null) {
                throw new UsageException("--drain-vanished: needs --resolve-every D (addresses vanish only when host"
                        + " names are resolved again)");
            }
            return new BalanceOptions(this);
        }

        /** The check of {@code --health-check} and its tuning; null without it. Values were checked already. */
        ActiveHealthCheck healthCheck() {
            if (!healthCheckGiven) {
                return null;
            }
            Duration interval = healthInterval != null ? healthInterval : DEFAULT_HEALTH_INTERVAL;
            ActiveHealthCheck check = healthPath == null ? ActiveHealthCheck.tcp(interval)
                    : ActiveHealthCheck.webSocket(healthPath, interval);
            if (healthTimeout != null) {
                check = check.withTimeout(healthTimeout);
            }
            return check.withThresholds(healthRise != null ? healthRise : DEFAULT_HEALTH_RISE,
                    healthFall != null ? healthFall : DEFAULT_HEALTH_FALL);
        }

        /** {@code URI[;weight=N][;backup]}, checked, its host resolved to find an address given twice. */
        private UpstreamOption upstream(String value) throws UsageException {
            String[] parts = value.split(";", -1);
            int weight = 1;
            boolean backup = false;
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].equals("backup")) {
                    backup = true;
                    continue;
                }
                if (!parts[i].startsWith("weight=")) {
                    throw new UsageException("--upstream: unknown parameter '" + parts[i] + "' in '" + value
                            + "' (use ;weight=N or ;backup)");
                }
                String number = parts[i].substring("weight=".length());
                if (!number.matches("[0-9]{1,6}") || Integer.parseInt(number) < 1) {
                    throw new UsageException("--upstream: invalid weight '" + number + "' in '" + value
                            + "' (use a whole number from 1)");
                }
                weight = Integer.parseInt(number);
            }
            Upstream upstream;
            try {
                upstream = Upstream.of(parts[0], weight);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--upstream: " + startLowerCase(e.getMessage()));
            }
            int earlier = upstreamAddresses.indexOf(upstream.address());
            if (earlier >= 0) {
                URI first = upstreams.get(earlier).uri();
                throw new UsageException("--upstream: " + upstream.uri() + (first.equals(upstream.uri())
                        ? " is given twice" : " and " + first + " are the same address"));
            }
            upstreamAddresses.add(upstream.address());
            return new UpstreamOption(upstream.uri(), weight, backup);
        }

        /** The canonical name: aliases resolved, a hash key's cookie or parameter name kept as given. */
        private static String strategyName(String value) throws UsageException {
            try {
                return BalancingStrategy.byName(value).toString();
            } catch (IllegalArgumentException e) {
                throw new UsageException("--balance: " + startLowerCase(e.getMessage()));
            }
        }

        /** {@code tcp}, or {@code ws:PATH} whose path goes into the probe's request line as it is; null for tcp. */
        private static String healthCheckPath(String value) throws UsageException {
            if (value.toLowerCase(Locale.ROOT).equals("tcp")) {
                return null;
            }
            if (!value.toLowerCase(Locale.ROOT).startsWith("ws:")) {
                throw new UsageException("--health-check: unknown check '" + value
                        + "' (use tcp or ws:PATH, e.g. ws:/health)");
            }
            String path = value.substring("ws:".length());
            if (!path.startsWith("/")) {
                throw new UsageException("--health-check: the path in '" + value + "' must start with /"
                        + " (e.g. ws:/health)");
            }
            if (!path.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                throw new UsageException("--health-check: invalid path in '" + value
                        + "' (use printable ASCII without spaces; percent-encode the rest)");
            }
            return path;
        }

        /** {@code D} or {@code D,SPREAD}. */
        private static DrainVanished drainVanished(String value) throws UsageException {
            String[] parts = value.split(",", -1);
            if (parts.length > 2) {
                throw new UsageException("--drain-vanished: invalid value '" + value
                        + "' (use D or D,SPREAD, e.g. 30s,60s)");
            }
            Duration deadline = duration("--drain-vanished", parts[0]);
            Duration spread = parts.length == 2 ? duration("--drain-vanished", parts[1]) : Duration.ZERO;
            return new DrainVanished(deadline, spread);
        }

        /** {@code TOLERANCE,RATE}: a tolerance from 0 and a positive rate. */
        private static Rebalance rebalance(String value) throws UsageException {
            Matcher matcher = REBALANCE.matcher(value);
            if (!matcher.matches()) {
                throw new UsageException("--rebalance-on-join: invalid value '" + value + "' (use TOLERANCE,RATE,"
                        + " e.g. 0.1,50: 10% over the fair share, 50 closes per second)");
            }
            double rate = Double.parseDouble(matcher.group(2));
            if (rate <= 0) {
                throw new UsageException("--rebalance-on-join: the rate must be positive, got '" + matcher.group(2)
                        + "' in '" + value + "'");
            }
            return new Rebalance(Double.parseDouble(matcher.group(1)), rate);
        }

        private static Duration duration(String flag, String value) throws UsageException {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException(flag + ": " + e.getMessage());
            }
        }

        private static Duration atLeast(String flag, String value, Duration minimum) throws UsageException {
            Duration duration = duration(flag, value);
            if (duration.compareTo(minimum) < 0) {
                throw new UsageException(flag + ": " + value + " is too short (use at least " + minimum.toMillis()
                        + "ms)");
            }
            return duration;
        }

        private static int positiveNumber(String flag, String value) throws UsageException {
            if (!value.matches("[0-9]{1,9}") || Integer.parseInt(value) < 1) {
                throw new UsageException(flag + ": invalid number '" + value + "' (use a whole number from 1)");
            }
            return Integer.parseInt(value);
        }

        private static String startLowerCase(String message) {
            if (message == null || message.isEmpty()) {
                return "invalid value";
            }
            return Character.toLowerCase(message.charAt(0)) + message.substring(1);
        }
    }
}
