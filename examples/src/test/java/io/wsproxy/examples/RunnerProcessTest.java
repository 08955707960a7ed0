package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner as operators start it, in a JVM of its own: exit statuses, one-line errors without stack traces, a
 * graceful shutdown on SIGTERM, and certificates reloaded on SIGHUP.
 */
class RunnerProcessTest {
    private static final long TIMEOUT_SECONDS = 30;

    @TempDir
    Path directory;

    @Test
    void usageMistakeExitsWith2PrintingOneLine() throws Exception {
        Process process = runner("--demo", "--listen", "nowhere");
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        assertEquals("wsproxy: --listen: invalid address 'nowhere' (use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)",
                Files.readString(stderr()).strip());
    }

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "Process.destroy() is not SIGTERM there")
    void sigtermShutsDownGracefullyWithStatus0() throws Exception {
        Process process = runner("--demo", "--listen", "127.0.0.1:0");
        CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> firstLineContaining(process,
                "listening on ws://"));
        String line = listening.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        RecordingClient client = RecordingClient.connect(RunnerTest.listeningUris(line).get(0));
        client.nextMessage();

        process.destroy();

        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "runner did not stop");
        assertEquals(0, process.exitValue(), () -> read(stderr()));
        assertEquals(1001, client.closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertTrue(read(stderr()).contains("SIGTERM received"), () -> read(stderr()));
    }

    @Test
    void certificateThatDoesNotLoadExitsWith2PrintingOneLine() throws Exception {
        Path missing = directory.resolve("missing.pem");
        Process process = runner("--demo", "--listen", "127.0.0.1:0", "--tls-cert", missing.toString(),
                "--tls-key", TestCertificates.shared().file("localhost.key").toString());
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue(), () -> read(stderr()));
        String error = read(stderr());
        assertEquals(1, error.lines().count(), error);
        assertTrue(error.startsWith("wsproxy: --tls-cert: ") && error.contains(missing + ": no such file"), error);
    }

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "no SIGHUP there")
    void sighupReloadsTheCertificatesAndKeepsThePreviousOnesWhenTheNewFilesDoNotLoad() throws Exception {
        TestCertificates pki = TestCertificates.shared();
        Path chain = directory.resolve("fullchain.pem");
        Path key = directory.resolve("privkey.pem");
        pki.install("localhost.pem", chain);
        pki.install("localhost.key", key);
        Process process = runner("--demo", "--listen", "127.0.0.1:0", "--tls-cert", chain.toString(),
                "--tls-key", key.toString());
        try {
            String line = CompletableFuture.supplyAsync(() -> firstLineContaining(process, "listening on wss://"))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            URI uri = RunnerTest.listeningUris(line).get(0);
            InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
            assertEquals("CN=Runner Test CA", TlsProbe.servedIssuer(address));

            pki.install("renewed.pem", chain);
            pki.install("renewed.key", key);
            signal(process, "HUP");
            awaitStderr("TLS certificates reloaded");
            assertEquals("CN=Runner Test CA 2", TlsProbe.servedIssuer(address));

            Files.writeString(key, "not a key");
            signal(process, "HUP");
            awaitStderr("TLS certificates not reloaded, still serving the previous ones: Cannot load the private"
                    + " key from " + key);
            assertEquals("CN=Runner Test CA 2", TlsProbe.servedIssuer(address));
            assertTrue(process.isAlive());
        } finally {
            process.destroy();
            assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "runner did not stop");
        }
        assertEquals(0, process.exitValue(), () -> read(stderr()));
    }

    /** Sends {@code SIG<name>} to {@code process} with the kill command. */
    private static void signal(Process process, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue(), "kill -" + name + " failed");
    }

    /** Waits until the runner's stderr contains {@code text}, failing after the timeout. */
    private void awaitStderr(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!read(stderr()).contains(text)) {
            assertTrue(System.nanoTime() - deadline < 0,
                    "no '" + text + "' within " + TIMEOUT_SECONDS + " s in:\n" + read(stderr()));
            Thread.sleep(20);
        }
    }

    private Process runner(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(Runner.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectError(stderr().toFile())
                .start();
    }

    private Path stderr() {
        return directory.resolve("stderr.txt");
    }

    private static String firstLineContaining(Process process, String text) {
        try {
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.contains(text)) {
                    return line;
                }
            }
            throw new AssertionError("the runner ended without printing '" + text + "'");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
