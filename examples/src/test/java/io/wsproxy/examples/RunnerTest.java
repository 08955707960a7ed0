package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import io.wsproxy.ConnectionInfo;
import io.wsproxy.HeartbeatStats;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The runner in-process: real sockets on 127.0.0.1, demo backends, and the exit statuses of {@code run}. */
class RunnerTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (wss?://\\S+)");

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
