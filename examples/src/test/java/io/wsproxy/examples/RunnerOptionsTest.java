package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
    }

    @Test
    void repeatedListenAndUpstreamKeepTheirOrder() throws UsageException {
        RunnerOptions options = RunnerOptions.parse("--listen", "127.0.0.1:0", "--upstream", UPSTREAM,
                "--listen", "[::1]:8081", "--upstream", "ws://127.0.0.1:9002;weight=3");

        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("::1", 8081)),
                options.listen());
        assertEquals(List.of(new UpstreamOption(URI.create(UPSTREAM), 1),
                new UpstreamOption(URI.create("ws://127.0.0.1:9002"), 3)), options.upstreams());
        assertEquals(3, options.upstreams().get(1).toUpstream().weight());
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
    void helpWinsOverEverythingElse() throws UsageException {
        assertTrue(RunnerOptions.parse("--bogus", "--help").help());
        assertTrue(RunnerOptions.parse("-h").help());
    }

    @Test
    void usageNamesEveryFlagTheParserTakes() {
        for (String flag : List.of("--listen", "--upstream", "--balance", "--demo", "--connect-timeout",
                "--handshake-timeout", "--upstream-handshake-timeout", "--close-timeout", "--send-timeout",
                "--shutdown-timeout", "--max-connections", "--event-loops", "--help")) {
            assertTrue(RunnerOptions.usage().contains("  " + flag + " "), flag);
        }
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
                        "--upstream: upstream URI must start with ws://, got 'http://127.0.0.1:9001'"),
                Arguments.of(List.of("--upstream", "ws://"),
                        "--upstream: invalid upstream URI 'ws://': Expected authority"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";weight=0"),
                        "--upstream: invalid weight '0' in 'ws://127.0.0.1:9001;weight=0' (use a whole number from 1)"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";weight=x"),
                        "--upstream: invalid weight 'x' in 'ws://127.0.0.1:9001;weight=x' (use a whole number from 1)"),
                Arguments.of(List.of("--upstream", UPSTREAM + ";max_fails=3"),
                        "--upstream: unknown parameter 'max_fails=3' in 'ws://127.0.0.1:9001;max_fails=3'"
                                + " (only ;weight=N is supported)"),
                Arguments.of(List.of("--upstream", UPSTREAM, "--upstream", UPSTREAM + ";weight=2"),
                        "--upstream: ws://127.0.0.1:9001 is given twice"),
                Arguments.of(List.of("--demo", "--balance", "least-connections"),
                        "--balance: unknown balancing strategy 'least-connections'; known: round-robin"),
                Arguments.of(List.of("--demo", "--max-connections", "0"),
                        "--max-connections: invalid number '0' (use a whole number from 1)"),
                Arguments.of(List.of("--demo", "--event-loops", "many"),
                        "--event-loops: invalid number 'many' (use a whole number from 1)"),
                Arguments.of(List.of("--demo", "--ping-interval", "30s"),
                        "--ping-interval is not supported yet (no heartbeats in this version)"),
                Arguments.of(List.of("--demo", "--ping-timeout=10s"),
                        "--ping-timeout is not supported yet (no heartbeats in this version)"),
                Arguments.of(List.of("--demo", "--idle-timeout", "5m"),
                        "--idle-timeout is not supported yet (no heartbeats in this version)"),
                Arguments.of(List.of("--demo", "--tls-cert", "cert.pem"),
                        "--tls-cert is not supported yet (no TLS in this version)"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void eachMistakeIsOneLineNamingTheFlag(List<String> args, String message) {
        UsageException error = assertThrows(UsageException.class,
                () -> RunnerOptions.parse(args.toArray(String[]::new)));
        assertEquals(message, error.getMessage());
    }
}
