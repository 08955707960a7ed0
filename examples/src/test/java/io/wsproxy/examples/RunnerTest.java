package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.HeartbeatStats;
import io.wsproxy.testing.Await;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The runner in-process: real sockets on 127.0.0.1, demo backends, and the exit statuses of {@code run}. */
class RunnerTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (wss?://\\S+)");
    /** Deadline of conditions that take a few probe rounds on a loaded machine. */
    private static final Duration CONDITION_DEADLINE = Duration.ofSeconds(30);

    @Test
    void demoRelaysTextAndBinaryMessagesToTheEchoBackends() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0"},
                new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            String output = printed.toString(StandardCharsets.UTF_8);
            URI proxyUri = listeningUris(output).get(0);
            assertTrue(output.contains("connect with: npx wscat -c " + proxyUri), output);
            assertEquals(2, running.demoBackends().size());

            RecordingClient client = RecordingClient.connect(proxyUri);
            assertTrue(client.nextMessage().toString().startsWith("demo echo backend "));
            client.send("hello through the proxy");
            assertEquals("hello through the proxy", client.nextMessage());
            byte[] binary = {0, 1, 2, (byte) 0xff};
            client.send(binary);
            assertArrayEquals(binary, (byte[]) client.nextMessage());
            client.closeBlocking();
            assertEquals(1000, client.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void demoSpreadsConnectionsOverBothBackends() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            URI proxyUri = URI.create("ws://" + Addresses.format(running.addresses().get(0)));
            Set<Object> greetings = new HashSet<>();
            for (int i = 0; i < 2; i++) {
                RecordingClient client = RecordingClient.connect(proxyUri);
                greetings.add(client.nextMessage());
                client.closeBlocking();
            }
            assertEquals(Set.of("demo echo backend 1 of 2 here; send a message and it comes back",
                    "demo echo backend 2 of 2 here; send a message and it comes back"), greetings);
        }
    }

    @Test
    void pingsClientsWithTheGivenHeartbeatAndConsumesTheirPongs() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--ping-interval", "200ms", "--ping-timeout", "1s"}, quietly())) {
            RecordingClient client = RecordingClient.connect(proxyUri(running));
            client.nextMessage();

            // The client says nothing more, so the proxy pings it: 8 bytes, the send time. The default would be 30 s.
            assertEquals(8, client.nextPing().length);
            assertEquals(8, client.nextPing().length);
            awaitTrue(() -> running.proxy().heartbeatStats().client().samples() >= 1,
                    "the client's pong measured as a round trip");
            awaitTrue(() -> running.proxy().connections().stream()
                    .anyMatch(connection -> connection.clientRoundTrip() != null), "a round trip in connections()");
            HeartbeatStats stats = running.proxy().heartbeatStats();
            assertEquals(0, stats.timeouts(), stats::toString);

            // Answered pings keep the connection, and the pongs were the proxy's to consume: the relay is intact.
            client.send("still here");
            assertEquals("still here", client.nextMessage());
            assertTrue(running.proxy().connections().stream()
                    .allMatch(connection -> connection.state() == ConnectionInfo.State.RELAYING));
            client.closeBlocking();
            assertEquals(1000, client.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void idleTimeoutClosesWith1001AndTheProxysPingsDoNotCountAsData() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--idle-timeout", "500ms", "--ping-interval", "100ms", "--ping-timeout", "5s"}, quietly())) {
            RecordingClient client = RecordingClient.connect(proxyUri(running));
            client.nextMessage();

            client.nextPing();
            assertEquals(1001, client.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void gracefulShutdownSendsTheGivenCloseCode() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--shutdown-close-code", "1012"}, quietly())) {
            RecordingClient client = RecordingClient.connect(proxyUri(running));
            client.nextMessage();

            running.close();

            assertEquals(1012, client.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void printsOneLinePerListener() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (RunningProxy running = Runner.start(
                new String[] {"--demo", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0"},
                new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            List<URI> printedUris = listeningUris(printed.toString(StandardCharsets.UTF_8));
            assertEquals(2, printedUris.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(running.addresses().get(i).getPort(), printedUris.get(i).getPort());
            }
        }
    }

    @Test
    void theRuntimeApiShowsTheUpstreamsAndStopsWithTheProxy() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0", "--admin",
                "127.0.0.1:0"}, new PrintStream(printed, true, StandardCharsets.UTF_8));
        InetSocketAddress admin;
        try {
            admin = running.admin().orElseThrow().address();
            URI status = URI.create("http://127.0.0.1:" + admin.getPort() + "/upstreams");
            assertTrue(printed.toString(StandardCharsets.UTF_8).contains("wsproxy: runtime API on " + status),
                    printed.toString(StandardCharsets.UTF_8));
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(status).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode());
            for (EchoServer backend : running.demoBackends()) {
                assertTrue(answer.body().contains("\"address\":\"" + Addresses.format(backend.address()) + "\""),
                        answer.body());
            }
        } finally {
            running.close();
        }
        assertFalse(accepts(admin), "the runtime API still listening after close");
    }

    @Test
    void closeStopsTheDemoBackends() throws Exception {
        RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        InetSocketAddress backend = running.demoBackends().get(0).address();
        running.close();
        running.close();
        assertFalse(accepts(backend), "demo backend still listening after close");
    }

    @Test
    void portInUseExitsWithStatus1AndOneLineNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            Streams streams = new Streams();
            int status = Runner.run(new String[] {"--demo", "--listen", address}, streams.out(), streams.err(),
                    ShutdownSignal.manual());
            assertEquals(Runner.EXIT_CANNOT_START, status);
            String error = streams.err.toString(StandardCharsets.UTF_8);
            assertEquals(1, error.lines().count(), error);
            assertTrue(error.startsWith("wsproxy: ") && error.contains(address), error);
        }
    }

    @Test
    void portInUseThrowsFromStartAndLeavesNothingOpen() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            IOException error = assertThrows(IOException.class, () -> Runner.start(
                    new String[] {"--demo", "--listen", "127.0.0.1:" + taken.getLocalPort()},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
            assertTrue(error.getMessage().contains(String.valueOf(taken.getLocalPort())), error.getMessage());
        }
    }

    @Test
    void usageMistakeExitsWithStatus2AndOneLine() {
        Streams streams = new Streams();
        int status = Runner.run(new String[] {"--connect-timeout", "abc"}, streams.out(), streams.err(),
                ShutdownSignal.manual());
        assertEquals(Runner.EXIT_USAGE, status);
        assertEquals("wsproxy: --connect-timeout: invalid duration 'abc' (use e.g. 500ms, 30s, 2m)"
                + System.lineSeparator(), streams.err.toString(StandardCharsets.UTF_8));
        assertEquals("", streams.out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsageAndExitsWith0() {
        Streams streams = new Streams();
        int status = Runner.run(new String[] {"--help"}, streams.out(), streams.err(), ShutdownSignal.manual());
        assertEquals(Runner.EXIT_OK, status);
        assertEquals(RunnerOptions.usage(), streams.out.toString(StandardCharsets.UTF_8));
        assertEquals("", streams.err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runReturns0AfterTheShutdownIsRequested() {
        Streams streams = new Streams();
        ShutdownSignal shutdown = ShutdownSignal.manual();
        shutdown.request();
        int status = Runner.run(new String[] {"--demo", "--listen", "127.0.0.1:0"}, streams.out(), streams.err(),
                shutdown);
        assertEquals(Runner.EXIT_OK, status);
        assertTrue(streams.out.toString(StandardCharsets.UTF_8).contains("listening on ws://127.0.0.1:"));
    }

    @Test
    void backupUpstreamGetsConnectionsOnlyOnceThePrimarysPortIsClosed() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (EchoServer primary = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), "primary");
                EchoServer backup = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), "backup");
                RunningProxy running = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", primary.uri().toString(), "--upstream", backup.uri() + ";backup",
                        "--fail-timeout", "1m"}, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            assertTrue(printed.toString(StandardCharsets.UTF_8).contains(", " + backup.uri() + " backup ("),
                    printed::toString);
            UpstreamPool pool = running.proxy().upstreams();
            Upstream primaryMember = member(pool, primary.address());
            Upstream backupMember = member(pool, backup.address());
            assertTrue(pool.isBackup(backupMember));
            assertFalse(pool.isBackup(primaryMember));

            for (int i = 0; i < 3; i++) {
                RecordingClient client = RecordingClient.connect(proxyUri(running));
                assertEquals("primary", client.nextMessage(), "connection " + i + " while the primary is up");
                client.closeBlocking();
            }
            assertEquals(0, backupMember.failures() + backupMember.activeConnections());

            InetSocketAddress primaryAddress = primary.address();
            primary.close();
            Await.until("the primary's port closed", CONDITION_DEADLINE, () -> !accepts(primaryAddress));
            List<RecordingClient> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RecordingClient client = RecordingClient.connect(proxyUri(running));
                assertEquals("backup", client.nextMessage(), "connection " + i + " once the primary's port is closed");
                clients.add(client);
            }
            // The first of them found the port closed and tried the backup; the primary is down since, so the
            // others went to the backup at once.
            assertEquals(1, primaryMember.failures());
            assertEquals(Upstream.State.DOWN, primaryMember.state());
            assertEquals(3, backupMember.activeConnections());
            for (RecordingClient client : clients) {
                client.closeBlocking();
            }
        }
    }

    @Test
    void webSocketHealthCheckTakesAnUpstreamThatNeverAnswersOutOfTheRotation() throws Exception {
        // Accepts TCP connections (the kernel completes them into the backlog) but never reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                EchoServer answering = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), "answering");
                RunningProxy running = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", "ws://127.0.0.1:" + silent.getLocalPort(),
                        "--upstream", answering.uri().toString(),
                        "--health-check", "ws:/", "--health-interval", "100ms", "--health-timeout", "1s",
                        "--health-fall", "2", "--upstream-handshake-timeout", "2s"}, quietly())) {
            UpstreamPool pool = running.proxy().upstreams();
            Upstream silentMember = member(pool, (InetSocketAddress) silent.getLocalSocketAddress());
            Upstream answeringMember = member(pool, answering.address());

            Await.until(() -> "the silent upstream marked down by the health check: " + pool.status(),
                    CONDITION_DEADLINE, () -> silentMember.state() == Upstream.State.DOWN);
            List<RecordingClient> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RecordingClient client = RecordingClient.connect(proxyUri(running));
                assertEquals("answering", client.nextMessage(), "connection " + i);
                clients.add(client);
            }

            // A connection sent to the silent upstream would have failed its upgrade (and been retried).
            assertEquals(0, silentMember.failures(), pool.status()::toString);
            assertEquals(4, answeringMember.activeConnections(), pool.status()::toString);
            assertEquals(Upstream.State.UP, answeringMember.state());
            for (RecordingClient client : clients) {
                client.closeBlocking();
            }
        }
    }

    @Test
    void oneTryPerConnectionGivesTheClientAnErrorInsteadOfTheNextUpstream() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            closedPort = probe.getLocalPort();
        }
        try (EchoServer answering = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), "answering");
                RunningProxy running = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", "ws://127.0.0.1:" + closedPort, "--upstream", answering.uri().toString(),
                        "--max-upstream-tries", "1", "--max-fails", "0"}, quietly())) {
            Upstream closedMember = member(running.proxy().upstreams(), new InetSocketAddress("127.0.0.1", closedPort));

            // Round-robin alternates, and with passive health off the closed port stays in the rotation: one of
            // two connections goes to it, and is not retried on the other upstream.
            int upgraded = 0;
            for (int i = 0; i < 2; i++) {
                upgraded += RecordingClient.upgrades(proxyUri(running), null) ? 1 : 0;
            }
            assertEquals(1, upgraded);
            assertEquals(1, closedMember.failures());
            assertEquals(Upstream.State.UP, closedMember.state());
        }
    }

    @Test
    void hostNameUpstreamIsOneMemberPerAddress() throws Exception {
        try (EchoServer backend = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), "named");
                RunningProxy running = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", "ws://localhost:" + backend.address().getPort()}, quietly())) {
            Set<InetAddress> expected = Set.of(InetAddress.getAllByName("localhost"));
            List<Upstream> members = running.proxy().upstreams().members();

            assertEquals(expected, members.stream().map(member -> member.address().getAddress())
                    .collect(Collectors.toSet()));
            assertEquals(expected.size(), members.size());
            for (Upstream member : members) {
                assertEquals("localhost", member.host());
                assertEquals(URI.create("ws://localhost:" + backend.address().getPort()), member.uri());
            }
        }
    }

    @Test
    void anAddressGivenAgainAsAHostNameExitsWithStatus2AndOneLine() throws Exception {
        Assumptions.assumeTrue(Arrays.asList(InetAddress.getAllByName("localhost"))
                .contains(InetAddress.getByName("127.0.0.1")), "localhost is not 127.0.0.1 here");
        Streams streams = new Streams();
        int status = Runner.run(new String[] {"--listen", "127.0.0.1:0", "--upstream", "ws://localhost:9",
                "--upstream", "ws://127.0.0.1:9"}, streams.out(), streams.err(), ShutdownSignal.manual());

        assertEquals(Runner.EXIT_USAGE, status);
        String error = streams.err.toString(StandardCharsets.UTF_8);
        assertEquals(1, error.lines().count(), error);
        assertTrue(error.startsWith("wsproxy: --upstream: ") && error.contains("ws://127.0.0.1:9 "), error);
    }

    static List<URI> listeningUris(String output) {
        List<URI> uris = new ArrayList<>();
        Matcher matcher = LISTENING.matcher(output);
        while (matcher.find()) {
            uris.add(URI.create(matcher.group(1)));
        }
        assertFalse(uris.isEmpty(), "no 'listening on' line in: " + output);
        return uris;
    }

    private static PrintStream quietly() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static URI proxyUri(RunningProxy running) {
        return URI.create("ws://" + Addresses.format(running.addresses().get(0)));
    }

    /** Polls {@code condition} until it holds, failing after {@link RecordingClient#TIMEOUT}. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + RecordingClient.TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "not within " + RecordingClient.TIMEOUT + ": " + what);
            Thread.sleep(10);
        }
    }

    /** The member of {@code pool} at {@code address}. */
    private static Upstream member(UpstreamPool pool, InetSocketAddress address) {
        return pool.members().stream()
                .filter(member -> member.address().equals(address))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no member at " + address + " in " + pool));
    }

    private static boolean accepts(InetSocketAddress address) {
        try (java.net.Socket socket = new Socket()) {
            socket.connect(address, 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** Captured stdout and stderr of one run. */
    private static final class Streams {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        PrintStream out() {
            return new PrintStream(out, true, StandardCharsets.UTF_8);
        }

        PrintStream err() {
            return new PrintStream(err, true, StandardCharsets.UTF_8);
        }
    }
}
