package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.tls.ClientAuth;
import io.wsproxy.upstream.ActiveHealthCheck;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RunnerOptionsTest {
    private static final String UPSTREAM = "ws://127.0.0.1:9001";

    @Test
    void defaultsToLocalhost8080AndRoundRobin() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--upstream", UPSTREAM);

        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 8080)), options.listen());
        assertEquals(List.of(new UpstreamOption(URI.create(UPSTREAM), 1)), options.upstreams());
        assertEquals("round-robin", options.balance());
        assertFalse(options.demo());
        assertFalse(options.help());
        assertEquals(Optional.empty(), options.connectTimeout());
        assertEquals(Optional.empty(), options.shutdownTimeout());
        assertEquals(OptionalInt.empty(), options.maxConnections());
        assertHeartbeat(options.heartbeat(), Duration.ofSeconds(30), Duration.ofSeconds(10),
                HeartbeatPolicy.Sides.BOTH);
        assertEquals(Optional.empty(), options.idleTimeout());
        assertEquals(OptionalInt.empty(), options.shutdownCloseCode());
        assertNoTls(options.tls());
    }

    @Test
    void tlsCertAndKeyMakeTheListenersSecure() throws UsageException {
        TlsOptions tls = RunnerOptions.parse("--demo", "--tls-cert", "fullchain.pem", "--tls-key=privkey.pem").tls();

        assertTrue(tls.secureListeners());
        assertEquals(List.of(new TlsOptions.Certificate(Path.of("fullchain.pem"), Path.of("privkey.pem"))),
                tls.certificates());
        assertEquals(Optional.empty(), tls.keyPassword());
        assertEquals(Optional.empty(), tls.keyPasswordFile());
        assertEquals(ClientAuth.NONE, tls.clientAuth());
        assertEquals(Optional.empty(), tls.clientCa());
        assertEquals(Optional.empty(), tls.watch());
    }

    @Test
    void repeatedPairsArePairedByPositionTheFirstBeingTheDefault() throws UsageException {
        TlsOptions tls = RunnerOptions.parse("--demo", "--tls-cert", "a.pem", "--tls-cert", "b.pem",
                "--tls-key", "a.key", "--tls-key", "b.key", "--tls-cert", "c.pem", "--tls-key", "c.key").tls();

        assertEquals(List.of(new TlsOptions.Certificate(Path.of("a.pem"), Path.of("a.key")),
                new TlsOptions.Certificate(Path.of("b.pem"), Path.of("b.key")),
                new TlsOptions.Certificate(Path.of("c.pem"), Path.of("c.key"))), tls.certificates());
    }

    @Test
    void readsTheKeyPasswordFromTheCommandLineOrAFile() throws UsageException {
        assertEquals(Optional.of("correct horse"), RunnerOptions.parse("--demo", "--tls-cert", "c.pem",
                "--tls-key", "k.pem", "--tls-key-password", "correct horse").tls().keyPassword());
        TlsOptions fromFile = RunnerOptions.parse("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                "--tls-key-password-file", "/run/secrets/key-password").tls();
        assertEquals(Optional.of(Path.of("/run/secrets/key-password")), fromFile.keyPasswordFile());
        assertEquals(Optional.empty(), fromFile.keyPassword());
        assertEquals(Optional.of("--starts-with-dashes"), RunnerOptions.parse("--demo", "--tls-cert", "c.pem",
                "--tls-key", "k.pem", "--tls-key-password=--starts-with-dashes").tls().keyPassword());
    }

    @Test
    void aClientCaRequiresClientCertificatesUnlessTheyAreOptional() throws UsageException {
        TlsOptions required = RunnerOptions.parse("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                "--tls-client-ca", "clients.pem").tls();
        assertEquals(Optional.of(Path.of("clients.pem")), required.clientCa());
        assertEquals(ClientAuth.REQUIRED, required.clientAuth());

        assertEquals(ClientAuth.OPTIONAL, RunnerOptions.parse("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                "--tls-client-ca", "clients.pem", "--tls-client-auth", "Optional").tls().clientAuth());
        assertEquals(ClientAuth.REQUIRED, RunnerOptions.parse("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                "--tls-client-auth=required", "--tls-client-ca", "clients.pem").tls().clientAuth());
    }

    @Test
    void readsTheWatchInterval() throws UsageException {
        assertEquals(Optional.of(Duration.ofMinutes(1)), RunnerOptions.parse("--demo", "--tls-cert", "c.pem",
                "--tls-key", "k.pem", "--tls-watch", "1m").tls().watch());
        assertEquals(Optional.of(Duration.ofMillis(10)), RunnerOptions.parse("--demo", "--tls-cert", "c.pem",
                "--tls-key", "k.pem", "--tls-watch=10ms").tls().watch());
    }

    @Test
    void wssUpstreamsTakeACaBundleOrNoVerification() throws UsageException {
        RunnerOptions withCa = RunnerOptions.parse("--upstream", "wss://127.0.0.1:9443;weight=2",
                "--upstream-ca", "internal-ca.pem");
        assertEquals(List.of(new UpstreamOption(URI.create("wss://127.0.0.1:9443"), 2)), withCa.upstreams());
        assertEquals(Optional.of(Path.of("internal-ca.pem")), withCa.tls().upstreamCa());
        assertFalse(withCa.tls().upstreamInsecure());
        assertFalse(withCa.tls().secureListeners());

        TlsOptions insecure = RunnerOptions.parse("--upstream", UPSTREAM, "--upstream", "wss://127.0.0.1:9443",
                "--upstream-insecure").tls();
        assertTrue(insecure.upstreamInsecure());
        assertEquals(Optional.empty(), insecure.upstreamCa());

        assertEquals("wss://127.0.0.1:443", RunnerOptions.parse("--upstream", "wss://127.0.0.1").upstreams().get(0)
                .uri().toString());
        assertNoTls(RunnerOptions.parse("--upstream", "wss://127.0.0.1:9443").tls());
    }

    @Test
    void readsTheHeartbeatFlags() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--demo", "--ping-interval", "200ms", "--ping-timeout=1s",
                "--ping-side", "Upstream");

        assertHeartbeat(options.heartbeat(), Duration.ofMillis(200), Duration.ofSeconds(1),
                HeartbeatPolicy.Sides.UPSTREAM);
        assertTrue(options.heartbeat().trafficCountsAsLiveness());
    }

    @Test
    void unsetHeartbeatFlagsKeepThePolicyDefaults() throws UsageException {
        assertHeartbeat(RunnerOptions.parse("--demo", "--ping-side", "client").heartbeat(), Duration.ofSeconds(30),
                Duration.ofSeconds(10), HeartbeatPolicy.Sides.CLIENT);
        assertHeartbeat(RunnerOptions.parse("--demo", "--ping-timeout", "10ms").heartbeat(), Duration.ofSeconds(30),
                Duration.ofMillis(10), HeartbeatPolicy.Sides.BOTH);
    }

    @Test
    void noHeartbeatDisablesThePings() throws UsageException {
        HeartbeatPolicy heartbeat = RunnerOptions.parse("--demo", "--no-heartbeat").heartbeat();

        assertFalse(heartbeat.enabled());
        assertFalse(heartbeat.pingsClient());
        assertFalse(heartbeat.pingsUpstream());
    }

    @Test
    void readsTheIdleTimeout() throws UsageException {
        assertEquals(Optional.of(Duration.ofMinutes(5)), RunnerOptions.parse("--demo", "--idle-timeout", "5m")
                .idleTimeout());
        assertEquals(Optional.of(Duration.ofMillis(10)), RunnerOptions.parse("--demo", "--idle-timeout=10ms")
                .idleTimeout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "off", "0s", "0ms", "00m"})
    void idleTimeoutZeroOrOffMeansNone(String value) throws UsageException {
        assertEquals(Optional.of(Duration.ZERO), RunnerOptions.parse("--demo", "--idle-timeout", value).idleTimeout());
    }

    @ParameterizedTest
    @ValueSource(ints = {1001, 1012})
    void readsTheShutdownCloseCode(int code) throws UsageException {
        assertEquals(OptionalInt.of(code),
                RunnerOptions.parse("--demo", "--shutdown-close-code", String.valueOf(code)).shutdownCloseCode());
    }

    @Test
    void repeatedListenAndUpstreamKeepTheirOrder() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--listen", "127.0.0.1:0", "--upstream", UPSTREAM,
                "--listen", "[::1]:8081", "--upstream", "ws://127.0.0.1:9002;weight=3");

        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("::1", 8081)),
                options.listen());
        assertEquals(List.of(new UpstreamOption(URI.create(UPSTREAM), 1),
                new UpstreamOption(URI.create("ws://127.0.0.1:9002"), 3)), options.upstreams());
        assertEquals(3, options.upstreams().get(1).weight());
    }

    @Test
    void valuesMayFollowAnEqualsSign() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--upstream=" + UPSTREAM, "--connect-timeout=500ms");

        assertEquals(UPSTREAM, options.upstreams().get(0).uri().toString());
        assertEquals(Optional.of(Duration.ofMillis(500)), options.connectTimeout());
    }

    @Test
    void readsEveryTimeoutAndLimit() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--demo", "--balance", "Round-Robin",
                "--connect-timeout", "500ms", "--handshake-timeout", "30s", "--upstream-handshake-timeout", "2m",
                "--close-timeout", "1h", "--send-timeout", "45s", "--shutdown-timeout", "3s",
                "--max-connections", "1000", "--event-loops", "2");

        assertTrue(options.demo());
        assertTrue(options.upstreams().isEmpty());
        assertEquals("round-robin", options.balance());
        assertEquals(Optional.of(Duration.ofMillis(500)), options.connectTimeout());
        assertEquals(Optional.of(Duration.ofSeconds(30)), options.handshakeTimeout());
        assertEquals(Optional.of(Duration.ofMinutes(2)), options.upstreamHandshakeTimeout());
        assertEquals(Optional.of(Duration.ofHours(1)), options.closeTimeout());
        assertEquals(Optional.of(Duration.ofSeconds(45)), options.sendTimeout());
        assertEquals(Optional.of(Duration.ofSeconds(3)), options.shutdownTimeout());
        assertEquals(OptionalInt.of(1000), options.maxConnections());
        assertEquals(OptionalInt.of(2), options.eventLoops());
    }

    @Test
    void readsTheRuntimeApiAddress() throws UsageException {
        assertEquals(Optional.empty(), RunnerOptions.parse("--demo").admin());
        assertEquals(Optional.of(new InetSocketAddress("127.0.0.1", 9090)),
                RunnerOptions.parse("--demo", "--admin", "127.0.0.1:9090").admin());
    }

    @Test
    void helpWinsOverEverythingElse() throws UsageException {
        assertTrue(RunnerOptions.parse("--bogus", "--help").help());
        assertTrue(RunnerOptions.parse("-h").help());
    }

    @Test
    void usageNamesEveryFlagTheParserTakes() {
        for (String flag : List.of("--listen", "--upstream", "--balance", "--demo", "--connect-timeout",
                "--handshake-timeout", "--upstream-handshake-timeout", "--close-timeout", "--send-timeout",
                "--shutdown-timeout", "--shutdown-close-code", "--max-connections", "--event-loops",
                "--ping-interval", "--ping-timeout", "--ping-side", "--no-heartbeat", "--idle-timeout", "--help",
                "--tls-cert", "--tls-key", "--tls-key-password", "--tls-key-password-file", "--tls-client-ca",
                "--tls-client-auth", "--tls-watch", "--upstream-ca", "--upstream-insecure",
                "--max-upstream-tries", "--connect-budget", "--max-fails", "--fail-timeout", "--fail-window",
                "--health-check", "--health-interval", "--health-timeout", "--health-rise", "--health-fall",
                "--resolve-every", "--drain-vanished", "--rebalance-on-join", "--admin")) {
            assertTrue(RunnerOptions.usage().contains("  " + flag + " "), flag);
        }
    }

    @Test
    void balancingFlagsNotGivenKeepThePoolsDefaults() throws UsageException {
        BalanceOptions balancing = RunnerOptions.parse("--upstream", UPSTREAM).balancing();

        assertEquals(List.of(new UpstreamOption(URI.create(UPSTREAM), 1, false)), balancing.upstreams());
        assertEquals("round-robin", balancing.balance());
        assertEquals(1, balancing.maxFails());
        assertEquals(Duration.ofSeconds(10), balancing.failTimeout());
        assertEquals(Duration.ofSeconds(10), balancing.failWindow());
        assertEquals(Optional.empty(), balancing.healthCheck());
        assertEquals(Optional.empty(), balancing.resolveEvery());
        assertEquals(Optional.empty(), balancing.drainVanished());
        assertEquals(Optional.empty(), balancing.rebalanceOnJoin());
        assertEquals(Optional.empty(), balancing.connectBudget());
        assertEquals(OptionalInt.empty(), balancing.maxUpstreamTries());
    }

    @Test
    void backupParameterMarksABackupUpstreamInAnyOrderWithTheWeight() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--upstream", UPSTREAM, "--upstream",
                "ws://127.0.0.1:9002;backup", "--upstream", "ws://127.0.0.1:9003;backup;weight=2",
                "--upstream=ws://127.0.0.1:9004;weight=3;backup");

        assertEquals(List.of(new UpstreamOption(URI.create(UPSTREAM), 1, false),
                new UpstreamOption(URI.create("ws://127.0.0.1:9002"), 1, true),
                new UpstreamOption(URI.create("ws://127.0.0.1:9003"), 2, true),
                new UpstreamOption(URI.create("ws://127.0.0.1:9004"), 3, true)), options.upstreams());
        assertEquals(List.of(UPSTREAM, "ws://127.0.0.1:9002;backup", "ws://127.0.0.1:9003;weight=2;backup",
                "ws://127.0.0.1:9004;weight=3;backup"),
                options.upstreams().stream().map(UpstreamOption::toString).toList());
    }

    @Test
    void demoBackendsAreNotBackupsSoEveryUpstreamMayBeOne() throws UsageException {
        assertTrue(RunnerOptions.parse("--demo", "--upstream", UPSTREAM + ";backup").upstreams().get(0).backup());
    }

    @Test
    void readsPassiveHealthTheWindowDefaultingToTheFailTimeout() throws UsageException {
        BalanceOptions timeoutOnly = RunnerOptions.parse("--demo", "--max-fails", "3", "--fail-timeout", "30s")
                .balancing();
        assertEquals(3, timeoutOnly.maxFails());
        assertEquals(Duration.ofSeconds(30), timeoutOnly.failTimeout());
        assertEquals(Duration.ofSeconds(30), timeoutOnly.failWindow());

        BalanceOptions windowOnly = RunnerOptions.parse("--demo", "--fail-window=1m").balancing();
        assertEquals(1, windowOnly.maxFails());
        assertEquals(Duration.ofSeconds(10), windowOnly.failTimeout());
        assertEquals(Duration.ofMinutes(1), windowOnly.failWindow());

        BalanceOptions both = RunnerOptions.parse("--demo", "--fail-window", "5s", "--fail-timeout", "2m")
                .balancing();
        assertEquals(Duration.ofSeconds(5), both.failWindow());
        assertEquals(Duration.ofMinutes(2), both.failTimeout());

        assertEquals(0, RunnerOptions.parse("--demo", "--max-fails", "0").balancing().maxFails());
    }

    @Test
    void readsATcpHealthCheckWithHaproxysDefaults() throws UsageException {
        assertEquals(Optional.of(new ActiveHealthCheck(null, Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3)),
                RunnerOptions.parse("--demo", "--health-check", "tcp").balancing().healthCheck());
        assertEquals(Optional.of(new ActiveHealthCheck(null, Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3)),
                RunnerOptions.parse("--demo", "--health-check=TCP").balancing().healthCheck());
    }

    @Test
    void readsAWebSocketHealthCheckAndItsTuning() throws UsageException {
        assertEquals(Optional.of(new ActiveHealthCheck("/health?probe=1", Duration.ofSeconds(1),
                Duration.ofMillis(500), 1, 5)), RunnerOptions.parse("--demo", "--health-check", "ws:/health?probe=1",
                "--health-interval", "1s", "--health-timeout", "500ms", "--health-rise", "1", "--health-fall", "5")
                .balancing().healthCheck());
    }

    @Test
    void healthTimeoutDefaultsToTheChecksOwnAtMostTheInterval() throws UsageException {
        assertEquals(Optional.of(new ActiveHealthCheck("/", Duration.ofMillis(100), Duration.ofMillis(100), 2, 3)),
                RunnerOptions.parse("--demo", "--health-check", "ws:/", "--health-interval", "100ms").balancing()
                        .healthCheck());
        assertEquals(Optional.of(new ActiveHealthCheck(null, Duration.ofMillis(10), Duration.ofMinutes(1), 2, 3)),
                RunnerOptions.parse("--demo", "--health-check", "tcp", "--health-interval", "10ms",
                        "--health-timeout", "1m").balancing().healthCheck());
    }

    @Test
    void readsHostNameResolutionAndWhatHappensToVanishedAddresses() throws UsageException {
        BalanceOptions balancing = RunnerOptions.parse("--demo", "--resolve-every", "30s", "--drain-vanished",
                "30s,60s").balancing();
        assertEquals(Optional.of(Duration.ofSeconds(30)), balancing.resolveEvery());
        assertEquals(Optional.of(new BalanceOptions.DrainVanished(Duration.ofSeconds(30), Duration.ofSeconds(60))),
                balancing.drainVanished());

        assertEquals(Optional.of(new BalanceOptions.DrainVanished(Duration.ofMinutes(2), Duration.ZERO)),
                RunnerOptions.parse("--demo", "--resolve-every=100ms", "--drain-vanished=2m").balancing()
                        .drainVanished());
    }

    @Test
    void readsTheRebalanceOnJoinToleranceAndRate() throws UsageException {
        assertEquals(Optional.of(new BalanceOptions.Rebalance(0.1, 50)),
                RunnerOptions.parse("--demo", "--rebalance-on-join", "0.1,50").balancing().rebalanceOnJoin());
        assertEquals(Optional.of(new BalanceOptions.Rebalance(0, 0.5)),
                RunnerOptions.parse("--demo", "--rebalance-on-join=0,0.5").balancing().rebalanceOnJoin());
    }

    @Test
    void readsTheRetryLimits() throws UsageException {
        BalanceOptions balancing = RunnerOptions.parse("--demo", "--connect-budget", "20s",
                "--max-upstream-tries", "5").balancing();

        assertEquals(Optional.of(Duration.ofSeconds(20)), balancing.connectBudget());
        assertEquals(OptionalInt.of(5), balancing.maxUpstreamTries());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of(List.of("--bogus"), "unknown flag '--bogus' (see --help)"),
                Arguments.of(List.of("upstream"), "unexpected argument 'upstream' (flags start with --; see --help)"),
                Arguments.of(List.of(), "--upstream: at least one upstream is required (or use --demo)"),
                Arguments.of(List.of("--upstream"), "--upstream: missing value"),
                Arguments.of(List.of("--upstream", "--demo"), "--upstream: missing value"),
                Arguments.of(List.of("--demo", "--listen"), "--listen: missing value"),
                Arguments.of(List.of("--demo=yes"), "--demo takes no value"),
                Arguments.of(List.of("--demo", "--connect-timeout", "abc"),
                        "--connect-timeout: invalid duration 'abc' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--handshake-timeout", "10"),
                        "--handshake-timeout: invalid duration '10' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--shutdown-timeout", "0s"),
                        "--shutdown-timeout: duration must be positive, got '0s'"),
                Arguments.of(List.of("--demo", "--listen", "8080"),
                        "--listen: invalid address '8080' (use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)"),
                Arguments.of(List.of("--demo", "--listen", "::1:8080"),
                        "--listen: invalid address '::1:8080' (use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)"),
                Arguments.of(List.of("--demo", "--listen", "127.0.0.1:70000"),
                        "--listen: invalid port '70000' in '127.0.0.1:70000' (use 0 to 65535)"),
                Arguments.of(List.of("--upstream", "http://127.0.0.1:9001"),
                        "--upstream: upstream URI must start with ws:// or wss://, got 'http://127.0.0.1:9001'"),
                Arguments.of(List.of("--upstream", "ws://"),
                        "--upstream: invalid upstream URI 'ws://': Expected authority"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";weight=0"),
                        "--upstream: invalid weight '0' in 'ws://127.0.0.1:9001;weight=0' (use a whole number from 1)"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";weight=x"),
                        "--upstream: invalid weight 'x' in 'ws://127.0.0.1:9001;weight=x' (use a whole number from 1)"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";max_fails=3"),
                        "--upstream: unknown parameter 'max_fails=3' in 'ws://127.0.0.1:9001;max_fails=3'"
                                + " (use ;weight=N or ;backup)"),
                Arguments.of(List.of("--upstream", UPSTREAM, "--upstream", UPSTREAM + ";weight=2"),
                        "--upstream: ws://127.0.0.1:9001 is given twice"),
                Arguments.of(List.of("--demo", "--balance", "fastest"),
                        "--balance: unknown balancing strategy 'fastest'; known: round-robin, least-connections"
                                + " (least-conn), random-two (p2c), ip-hash, hash:ip, hash:header:NAME,"
                                + " hash:cookie:NAME, hash:query:NAME"),
                Arguments.of(List.of("--demo", "--balance", "hash:cookie"),
                        "--balance: invalid balancing strategy 'hash:cookie': a cookie name is required, as in"
                                + " hash:cookie:session"),
                Arguments.of(List.of("--demo", "--max-connections", "0"),
                        "--max-connections: invalid number '0' (use a whole number from 1)"),
                Arguments.of(List.of("--demo", "--admin", "127.0.0.1"),
                        "--admin: invalid address '127.0.0.1' (use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)"),
                Arguments.of(List.of("--demo", "--event-loops", "many"),
                        "--event-loops: invalid number 'many' (use a whole number from 1)"),
                Arguments.of(List.of("--demo", "--ping-interval", "9ms"),
                        "--ping-interval: 9ms is shorter than the timer tick (use at least 10ms)"),
                Arguments.of(List.of("--demo", "--ping-interval", "0s"),
                        "--ping-interval: duration must be positive, got '0s'"),
                Arguments.of(List.of("--demo", "--ping-interval", "off"),
                        "--ping-interval: invalid duration 'off' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--ping-timeout=5ms"),
                        "--ping-timeout: 5ms is shorter than the timer tick (use at least 10ms)"),
                Arguments.of(List.of("--demo", "--ping-timeout"), "--ping-timeout: missing value"),
                Arguments.of(List.of("--demo", "--ping-side", "server"),
                        "--ping-side: unknown side 'server' (use client, upstream or both)"),
                Arguments.of(List.of("--demo", "--ping-side", "--no-heartbeat"), "--ping-side: missing value"),
                Arguments.of(List.of("--demo", "--no-heartbeat=true"), "--no-heartbeat takes no value"),
                Arguments.of(List.of("--demo", "--ping-interval", "5s", "--no-heartbeat"),
                        "--no-heartbeat: cannot be combined with --ping-interval"),
                Arguments.of(List.of("--demo", "--no-heartbeat", "--ping-side", "both"),
                        "--no-heartbeat: cannot be combined with --ping-side"),
                Arguments.of(List.of("--demo", "--idle-timeout", "5ms"),
                        "--idle-timeout: 5ms is shorter than the timer tick (use at least 10ms)"),
                Arguments.of(List.of("--demo", "--idle-timeout", "never"),
                        "--idle-timeout: invalid duration 'never' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--send-timeout", "9000h"),
                        "--send-timeout: duration must be at most 8760h, got '9000h'"),
                Arguments.of(List.of("--demo", "--shutdown-close-code", "1000"),
                        "--shutdown-close-code: invalid close code '1000' (use 1001 Going Away or 1012 Service Restart)"),
                Arguments.of(List.of("--demo", "--shutdown-close-code", "4000"),
                        "--shutdown-close-code: invalid close code '4000' (use 1001 Going Away or 1012 Service Restart)"),
                Arguments.of(List.of("--demo", "--shutdown-close-code", "going-away"),
                        "--shutdown-close-code: invalid close code 'going-away'"
                                + " (use 1001 Going Away or 1012 Service Restart)"),
                Arguments.of(List.of("--demo", "--tls-cert", "cert.pem"),
                        "--tls-key: missing for --tls-cert cert.pem (give each --tls-cert its --tls-key, in the same"
                                + " order)"),
                Arguments.of(List.of("--demo", "--tls-key", "key.pem"),
                        "--tls-cert: missing for --tls-key key.pem (give each --tls-key its --tls-cert, in the same"
                                + " order)"),
                Arguments.of(List.of("--demo", "--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-cert", "b.pem"),
                        "--tls-key: missing for --tls-cert b.pem (give each --tls-cert its --tls-key, in the same"
                                + " order)"),
                Arguments.of(List.of("--demo", "--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-key", "b.key"),
                        "--tls-cert: missing for --tls-key b.key (give each --tls-key its --tls-cert, in the same"
                                + " order)"),
                Arguments.of(List.of("--demo", "--tls-cert"), "--tls-cert: missing value"),
                Arguments.of(List.of("--demo", "--tls-cert", "--tls-key", "k.pem"), "--tls-cert: missing value"),
                Arguments.of(List.of("--demo", "--tls-cert=", "--tls-key", "k.pem"), "--tls-cert: missing value"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key"), "--tls-key: missing value"),
                Arguments.of(List.of("--demo", "--tls-cert", "c\u0000.pem", "--tls-key", "k.pem"),
                        "--tls-cert: invalid file name 'c\u0000.pem' (Nul character not allowed)"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-key-password"),
                        "--tls-key-password: missing value"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-key-password="),
                        "--tls-key-password: missing value"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                        "--tls-key-password", "secret", "--tls-key-password-file", "password.txt"),
                        "--tls-key-password-file: cannot be combined with --tls-key-password"),
                Arguments.of(List.of("--demo", "--tls-key-password", "secret"),
                        "--tls-key-password: needs --tls-cert and --tls-key (the listeners' certificate)"),
                Arguments.of(List.of("--demo", "--tls-key-password-file", "password.txt"),
                        "--tls-key-password-file: needs --tls-cert and --tls-key (the listeners' certificate)"),
                Arguments.of(List.of("--demo", "--tls-client-ca", "clients.pem"),
                        "--tls-client-ca: needs --tls-cert and --tls-key (the listeners' certificate)"),
                Arguments.of(List.of("--demo", "--tls-client-auth", "optional"),
                        "--tls-client-auth: needs --tls-cert and --tls-key (the listeners' certificate)"),
                Arguments.of(List.of("--demo", "--tls-watch", "1m"),
                        "--tls-watch: needs --tls-cert and --tls-key (the listeners' certificate)"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                        "--tls-client-auth", "optional"),
                        "--tls-client-auth: needs --tls-client-ca FILE (the CAs that issue the client certificates)"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                        "--tls-client-ca", "clients.pem", "--tls-client-auth", "none"),
                        "--tls-client-auth: unknown mode 'none' (use optional or required)"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-watch", "5ms"),
                        "--tls-watch: 5ms is too short (use at least 10ms)"),
                Arguments.of(List.of("--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-watch", "often"),
                        "--tls-watch: invalid duration 'often' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--upstream", "wss://127.0.0.1:9443", "--upstream-ca", "ca.pem",
                        "--upstream-insecure"),
                        "--upstream-insecure: cannot be combined with --upstream-ca"),
                Arguments.of(List.of("--upstream", "wss://127.0.0.1:9443", "--upstream-insecure=yes"),
                        "--upstream-insecure takes no value"),
                Arguments.of(List.of("--upstream", "wss://127.0.0.1:9443", "--upstream-ca"),
                        "--upstream-ca: missing value"),
                Arguments.of(List.of("--demo", "--upstream", UPSTREAM, "--upstream-ca", "ca.pem"),
                        "--upstream-ca: applies to wss:// upstreams, and no --upstream is wss://"),
                Arguments.of(List.of("--demo", "--upstream-insecure"),
                        "--upstream-insecure: applies to wss:// upstreams, and no --upstream is wss://"),
                Arguments.of(List.of("--upstream", "wss://127.0.0.1:9443", "--upstream", "ws://127.0.0.1:9443"),
                        "--upstream: ws://127.0.0.1:9443 and wss://127.0.0.1:9443 are the same address"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";backup=yes"),
                        "--upstream: unknown parameter 'backup=yes' in 'ws://127.0.0.1:9001;backup=yes'"
                                + " (use ;weight=N or ;backup)"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";backup", "--upstream", "ws://127.0.0.1:9002;backup"),
                        "--upstream: every upstream is a backup; at least one must not be"),
                Arguments.of(List.of("--demo", "--max-fails", "-1"),
                        "--max-fails: invalid number '-1' (use a whole number from 0; 0 turns passive health off)"),
                Arguments.of(List.of("--demo", "--max-fails", "few"),
                        "--max-fails: invalid number 'few' (use a whole number from 0; 0 turns passive health off)"),
                Arguments.of(List.of("--demo", "--max-fails", "0", "--fail-timeout", "5s"),
                        "--max-fails: 0 turns passive health off, and cannot be combined with --fail-timeout"),
                Arguments.of(List.of("--demo", "--fail-window", "5s", "--max-fails=0"),
                        "--max-fails: 0 turns passive health off, and cannot be combined with --fail-window"),
                Arguments.of(List.of("--demo", "--fail-timeout", "0s"),
                        "--fail-timeout: duration must be positive, got '0s'"),
                Arguments.of(List.of("--demo", "--fail-window", "10"),
                        "--fail-window: invalid duration '10' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--fail-timeout"), "--fail-timeout: missing value"),
                Arguments.of(List.of("--demo", "--health-check", "http"),
                        "--health-check: unknown check 'http' (use tcp or ws:PATH, e.g. ws:/health)"),
                Arguments.of(List.of("--demo", "--health-check", "ws:health"),
                        "--health-check: the path in 'ws:health' must start with / (e.g. ws:/health)"),
                Arguments.of(List.of("--demo", "--health-check", "ws:"),
                        "--health-check: the path in 'ws:' must start with / (e.g. ws:/health)"),
                Arguments.of(List.of("--demo", "--health-check", "ws:/a b"),
                        "--health-check: invalid path in 'ws:/a b' (use printable ASCII without spaces;"
                                + " percent-encode the rest)"),
                Arguments.of(List.of("--demo", "--health-check"), "--health-check: missing value"),
                Arguments.of(List.of("--demo", "--health-interval", "1s"),
                        "--health-interval: needs --health-check tcp or --health-check ws:PATH"),
                Arguments.of(List.of("--demo", "--health-timeout", "1s"),
                        "--health-timeout: needs --health-check tcp or --health-check ws:PATH"),
                Arguments.of(List.of("--demo", "--health-rise", "1"),
                        "--health-rise: needs --health-check tcp or --health-check ws:PATH"),
                Arguments.of(List.of("--demo", "--health-fall", "1"),
                        "--health-fall: needs --health-check tcp or --health-check ws:PATH"),
                Arguments.of(List.of("--demo", "--health-check", "tcp", "--health-interval", "5ms"),
                        "--health-interval: 5ms is too short (use at least 10ms)"),
                Arguments.of(List.of("--demo", "--health-check", "tcp", "--health-timeout", "0ms"),
                        "--health-timeout: duration must be positive, got '0ms'"),
                Arguments.of(List.of("--demo", "--health-check", "tcp", "--health-rise", "0"),
                        "--health-rise: invalid number '0' (use a whole number from 1)"),
                Arguments.of(List.of("--demo", "--health-check", "tcp", "--health-fall", "three"),
                        "--health-fall: invalid number 'three' (use a whole number from 1)"),
                Arguments.of(List.of("--demo", "--resolve-every", "50ms"),
                        "--resolve-every: 50ms is too short (use at least 100ms)"),
                Arguments.of(List.of("--demo", "--resolve-every", "often"),
                        "--resolve-every: invalid duration 'often' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--drain-vanished", "30s"),
                        "--drain-vanished: needs --resolve-every D (addresses vanish only when host names are"
                                + " resolved again)"),
                Arguments.of(List.of("--demo", "--resolve-every", "10s", "--drain-vanished", "30s,60s,90s"),
                        "--drain-vanished: invalid value '30s,60s,90s' (use D or D,SPREAD, e.g. 30s,60s)"),
                Arguments.of(List.of("--demo", "--resolve-every", "10s", "--drain-vanished", "30s,soon"),
                        "--drain-vanished: invalid duration 'soon' (use e.g. 500ms, 30s, 2m)"),
                Arguments.of(List.of("--demo", "--resolve-every", "10s", "--drain-vanished", "0s"),
                        "--drain-vanished: duration must be positive, got '0s'"),
                Arguments.of(List.of("--demo", "--rebalance-on-join", "0.1"),
                        "--rebalance-on-join: invalid value '0.1' (use TOLERANCE,RATE, e.g. 0.1,50: 10% over the"
                                + " fair share, 50 closes per second)"),
                Arguments.of(List.of("--demo", "--rebalance-on-join", "10%,50"),
                        "--rebalance-on-join: invalid value '10%,50' (use TOLERANCE,RATE, e.g. 0.1,50: 10% over the"
                                + " fair share, 50 closes per second)"),
                Arguments.of(List.of("--demo", "--rebalance-on-join", "0.1,0"),
                        "--rebalance-on-join: the rate must be positive, got '0' in '0.1,0'"),
                Arguments.of(List.of("--demo", "--connect-budget", "0s"),
                        "--connect-budget: duration must be positive, got '0s'"),
                Arguments.of(List.of("--demo", "--max-upstream-tries", "0"),
                        "--max-upstream-tries: invalid number '0' (use a whole number from 1)"));
    }

    private static void assertNoTls(TlsOptions tls) {
        assertFalse(tls.secureListeners());
        assertEquals(List.of(), tls.certificates());
        assertEquals(ClientAuth.NONE, tls.clientAuth());
        assertEquals(Optional.empty(), tls.upstreamCa());
        assertFalse(tls.upstreamInsecure());
    }

    /** {@link HeartbeatPolicy} has no {@code equals}, so its parts are compared. */
    private static void assertHeartbeat(HeartbeatPolicy heartbeat, Duration interval, Duration timeout,
            HeartbeatPolicy.Sides sides) {
        assertTrue(heartbeat.enabled(), heartbeat::toString);
        assertEquals(interval, heartbeat.interval());
        assertEquals(timeout, heartbeat.timeout());
        assertEquals(sides, heartbeat.sides());
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void eachMistakeIsOneLineNamingTheFlag(List<String> args, String message) {
        UsageException error = assertThrows(UsageException.class,
                () -> RunnerOptions.parse(args.toArray(String[]::new)));
        assertEquals(message, error.getMessage());
    }
}
