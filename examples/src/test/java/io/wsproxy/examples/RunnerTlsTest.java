package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The runner's TLS flags in-process, on real sockets on 127.0.0.1: wss:// listeners (SNI, encrypted keys, client
 * certificates, reloading), wss:// upstreams, and files that do not load. Clients are Java-WebSocket over the JDK's
 * TLS, trusting the test CAs of {@link TestCertificates}.
 */
class RunnerTlsTest {
    private static final String CA = "CN=Runner Test CA";
    private static final String CA2 = "CN=Runner Test CA 2";
    /** The flags whose value is a file, named in the tests by its name in {@link TestCertificates}. */
    private static final List<String> FILE_FLAGS = List.of("--tls-cert", "--tls-key", "--tls-key-password-file",
            "--tls-client-ca", "--upstream-ca");

    private static TestCertificates pki;

    @TempDir
    Path directory;

    @BeforeAll
    static void makeCertificates() throws IOException {
        pki = TestCertificates.shared();
    }

    @Test
    void wssListenerRelaysToTheDemoBackends() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", path("localhost.pem"), "--tls-key", path("localhost.key")}, into(printed))) {
            String output = printed.toString(StandardCharsets.UTF_8);
            URI proxyUri = RunnerTest.listeningUris(output).get(0);
            assertEquals("wss", proxyUri.getScheme(), output);
            assertEquals(running.addresses().get(0).getPort(), proxyUri.getPort());
            assertTrue(output.contains("connect with: npx wscat -c " + proxyUri), output);

            RecordingClient client = RecordingClient.connect(proxyUri, pki.clientContext("ca.pem", false));
            assertTrue(client.nextMessage().toString().startsWith("demo echo backend "));
            client.send("hello over wss");
            assertEquals("hello over wss", client.nextMessage());
            client.closeBlocking();
            assertEquals(1000, client.closed.get(10, TimeUnit.SECONDS));

            assertFalse(RecordingClient.upgrades(proxyUri, pki.clientContext("ca2.pem", false)),
                    "a client that does not trust the certificate's CA got through");
        }
    }

    static Stream<Arguments> keyPasswords() {
        return Stream.of(
                Arguments.of(List.of("--tls-key-password", TestCertificates.KEY_PASSWORD)),
                Arguments.of(List.of("--tls-key-password-file", "password.txt")));
    }

    @ParameterizedTest
    @MethodSource("keyPasswords")
    void encryptedKeyLoadsWithThePassword(List<String> passwordFlags) throws Exception {
        Files.writeString(directory.resolve("password.txt"), TestCertificates.KEY_PASSWORD + "\nignored\n");
        List<String> args = new ArrayList<>(List.of("--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", path("localhost.pem"), "--tls-key", path("localhost-encrypted.key")));
        passwordFlags.forEach(flag -> args.add(flag.equals("password.txt")
                ? directory.resolve(flag).toString() : flag));
        try (RunningProxy running = Runner.start(args.toArray(String[]::new), quietly())) {
            assertTrue(RecordingClient.upgrades(wssUri(running), pki.clientContext("ca.pem", false)));
        }
    }

    @Test
    void sniPicksTheCertificateByNameAndTheFirstPairServesEveryOtherClient() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", path("localhost.pem"), "--tls-key", path("localhost.key"),
                "--tls-cert", path("other.pem"), "--tls-key", path("other.key")}, quietly())) {
            InetSocketAddress address = running.addresses().get(0);

            assertEquals("CN=other.example.test", TlsProbe.servedSubject(address, "other.example.test"));
            assertEquals("CN=localhost", TlsProbe.servedSubject(address, "localhost"));
            assertEquals("CN=localhost", TlsProbe.servedSubject(address, "unknown.example.test"));
            assertEquals("CN=localhost", TlsProbe.servedSubject(address, null));
        }
    }

    @Test
    void aClientCaRequiresAClientCertificate() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", path("localhost.pem"), "--tls-key", path("localhost.key"),
                "--tls-client-ca", path("ca.pem")}, quietly())) {
            assertFalse(RecordingClient.upgrades(wssUri(running), pki.clientContext("ca.pem", false)),
                    "a client without a certificate got through");

            RecordingClient client = RecordingClient.connect(wssUri(running), pki.clientContext("ca.pem", true));
            client.nextMessage();
            client.send("mutual");
            assertEquals("mutual", client.nextMessage());
            client.closeBlocking();
        }
    }

    @Test
    void optionalClientAuthLetsClientsWithoutACertificateIn() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", path("localhost.pem"), "--tls-key", path("localhost.key"),
                "--tls-client-ca", path("ca.pem"), "--tls-client-auth", "optional"}, quietly())) {
            assertTrue(RecordingClient.upgrades(wssUri(running), pki.clientContext("ca.pem", false)));
            assertTrue(RecordingClient.upgrades(wssUri(running), pki.clientContext("ca.pem", true)));
        }
    }

    @Test
    void wssUpstreamIsVerifiedAgainstTheUpstreamCa() throws Exception {
        try (RunningProxy backend = wssDemoBackend();
                RunningProxy front = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", "wss://localhost:" + backend.addresses().get(0).getPort(),
                        "--upstream-ca", path("ca.pem")}, quietly())) {
            RecordingClient client = RecordingClient.connect(wsUri(front));
            assertTrue(client.nextMessage().toString().startsWith("demo echo backend "));
            client.send("through two proxies, the second hop over TLS");
            assertEquals("through two proxies, the second hop over TLS", client.nextMessage());
            client.closeBlocking();
            assertEquals(1000, client.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void wssUpstreamThatTheJdksCasDoNotTrustIsABadGateway() throws Exception {
        try (RunningProxy backend = wssDemoBackend();
                RunningProxy front = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", "wss://127.0.0.1:" + backend.addresses().get(0).getPort()}, quietly())) {
            assertEquals("HTTP/1.1 502 Bad Gateway", upgradeStatusLine(front.addresses().get(0)));
        }
    }

    @Test
    void upstreamInsecureAcceptsAnyCertificateAndSaysSo() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (RunningProxy backend = wssDemoBackend();
                RunningProxy front = Runner.start(new String[] {"--listen", "127.0.0.1:0",
                        "--upstream", "wss://127.0.0.1:" + backend.addresses().get(0).getPort(),
                        "--upstream-insecure"}, into(printed))) {
            assertTrue(printed.toString(StandardCharsets.UTF_8).contains("wss:// upstream certificates NOT verified"),
                    printed::toString);
            RecordingClient client = RecordingClient.connect(wsUri(front));
            assertTrue(client.nextMessage().toString().startsWith("demo echo backend "));
            client.closeBlocking();
        }
    }

    @Test
    void reloadServesTheNewFilesToNewConnectionsAndKeepsOpenOnes() throws Exception {
        Path chain = directory.resolve("fullchain.pem");
        Path key = directory.resolve("privkey.pem");
        pki.install("localhost.pem", chain);
        pki.install("localhost.key", key);
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", chain.toString(), "--tls-key", key.toString()}, quietly())) {
            InetSocketAddress address = running.addresses().get(0);
            assertEquals(CA, TlsProbe.servedIssuer(address));
            RecordingClient open = RecordingClient.connect(wssUri(running), pki.clientContext("ca.pem", false));
            open.nextMessage();

            pki.install("renewed.pem", chain);
            pki.install("renewed.key", key);
            assertTrue(running.reloadCertificates());

            assertEquals(CA2, TlsProbe.servedIssuer(address));
            assertTrue(RecordingClient.upgrades(wssUri(running), pki.clientContext("ca2.pem", false)));
            open.send("opened before the reload");
            assertEquals("opened before the reload", open.nextMessage());
            open.closeBlocking();
        }
    }

    @Test
    void reloadOfFilesThatDoNotLoadKeepsThePreviousCertificates() throws Exception {
        Path chain = directory.resolve("fullchain.pem");
        Path key = directory.resolve("privkey.pem");
        pki.install("localhost.pem", chain);
        pki.install("localhost.key", key);
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", chain.toString(), "--tls-key", key.toString()}, quietly())) {
            pki.install("renewed.pem", chain);
            assertFalse(running.reloadCertificates(), "a key that does not match its certificate was loaded");
            Files.delete(key);
            assertFalse(running.reloadCertificates(), "a missing key was loaded");

            assertEquals(CA, TlsProbe.servedIssuer(running.addresses().get(0)));
            assertTrue(RecordingClient.upgrades(wssUri(running), pki.clientContext("ca.pem", false)));
        }
    }

    @Test
    void reloadWithoutTlsDoesNothing() throws Exception {
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0"}, quietly())) {
            assertFalse(running.reloadCertificates());
            assertTrue(running.tls().isEmpty());
        }
    }

    @Test
    void tlsWatchReloadsFilesThatChange() throws Exception {
        Path chain = directory.resolve("fullchain.pem");
        Path key = directory.resolve("privkey.pem");
        pki.install("localhost.pem", chain);
        pki.install("localhost.key", key);
        try (RunningProxy running = Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", chain.toString(), "--tls-key", key.toString(), "--tls-watch", "50ms"}, quietly())) {
            InetSocketAddress address = running.addresses().get(0);
            assertEquals(CA, TlsProbe.servedIssuer(address));

            pki.install("renewed.key", key);
            pki.install("renewed.pem", chain);

            awaitIssuer(address, CA2);
        }
    }

    @Test
    void aReloadRequestReloadsTheCertificatesOfARunningRunner() throws Exception {
        Path chain = directory.resolve("fullchain.pem");
        Path key = directory.resolve("privkey.pem");
        pki.install("localhost.pem", chain);
        pki.install("localhost.key", key);
        ShutdownSignal shutdown = ShutdownSignal.manual();
        ReloadSignal reload = ReloadSignal.manual();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Runner.run(new String[] {"--demo",
                "--listen", "127.0.0.1:0", "--tls-cert", chain.toString(), "--tls-key", key.toString()},
                into(printed), into(new ByteArrayOutputStream()), shutdown, reload));
        try {
            InetSocketAddress address = awaitListening(printed, status);
            assertEquals(CA, TlsProbe.servedIssuer(address));

            pki.install("renewed.pem", chain);
            pki.install("renewed.key", key);
            reload.request();

            assertEquals(CA2, TlsProbe.servedIssuer(address));
        } finally {
            shutdown.request();
            assertEquals(Runner.EXIT_OK, status.get(30, TimeUnit.SECONDS));
        }
    }

    static Stream<Arguments> filesThatDoNotLoad() {
        return Stream.of(
                Arguments.of(List.of("--tls-cert", "missing.pem", "--tls-key", "localhost.key"),
                        "--tls-cert", "missing.pem", "no such file"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "missing.key"),
                        "--tls-key", "missing.key", "no such file"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "other.key"),
                        "--tls-key", "other.key", "does not match"),
                Arguments.of(List.of("--tls-cert", "localhost.key", "--tls-key", "localhost.key"),
                        "--tls-cert", "localhost.key", "no certificate"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "localhost-encrypted.key"),
                        "--tls-key", "localhost-encrypted.key", "no password"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "localhost-encrypted.key",
                        "--tls-key-password", "wrong"),
                        "--tls-key", "localhost-encrypted.key", "wrong password"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "localhost-encrypted.key",
                        "--tls-key-password-file", "missing.txt"),
                        "--tls-key-password-file", "missing.txt", "no such file"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "localhost.key",
                        "--tls-cert", "other.pem", "--tls-key", "localhost.key"),
                        "--tls-key", "localhost.key", "does not match"),
                Arguments.of(List.of("--tls-cert", "localhost.pem", "--tls-key", "localhost.key",
                        "--tls-client-ca", "missing-ca.pem"),
                        "--tls-client-ca", "missing-ca.pem", "no such file"),
                Arguments.of(List.of("--upstream", "wss://127.0.0.1:9443", "--upstream-ca", "localhost.key"),
                        "--upstream-ca", "localhost.key", "PRIVATE KEY"));
    }

    @ParameterizedTest
    @MethodSource("filesThatDoNotLoad")
    void aFileThatDoesNotLoadExitsWith2AndOneLineNamingTheFlagAndTheFile(List<String> flags, String flag,
            String file, String problem) {
        List<String> args = new ArrayList<>(List.of("--demo", "--listen", "127.0.0.1:0"));
        for (int i = 0; i < flags.size(); i += 2) {
            String value = flags.get(i + 1);
            args.add(flags.get(i));
            args.add(FILE_FLAGS.contains(flags.get(i)) ? path(value) : value);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = Runner.run(args.toArray(String[]::new), into(out), into(err), ShutdownSignal.manual());

        String error = err.toString(StandardCharsets.UTF_8);
        assertEquals(Runner.EXIT_USAGE, status, error);
        assertEquals(1, error.lines().count(), error);
        assertTrue(error.startsWith("wsproxy: " + flag + ": "), error);
        assertTrue(error.contains(path(file)), error);
        assertTrue(error.contains(problem), error);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theFlagOfTheFileAMessageNamesFirstIsBlamed() {
        List<RunnerTls.FlagFile> files = List.of(new RunnerTls.FlagFile("--tls-cert", Path.of("site.pem")),
                new RunnerTls.FlagFile("--tls-key", Path.of("site.pem.key")),
                new RunnerTls.FlagFile("--tls-client-ca", Path.of("clients.pem")));
        assertEquals("--tls-key", RunnerTls.blamedFlag("Cannot load the private key from site.pem.key: x", files));
        assertEquals("--tls-cert", RunnerTls.blamedFlag("Cannot load the certificate chain from site.pem: x", files));
        assertEquals("--tls-key", RunnerTls.blamedFlag(
                "The private key in site.pem.key does not match the certificate in site.pem", files));
        assertEquals("--tls-client-ca", RunnerTls.blamedFlag("Cannot load trusted certificates from clients.pem",
                files));
        assertEquals("--tls-cert", RunnerTls.blamedFlag("Something else", files));
    }

    /** A runner serving the demo over wss:// with localhost.pem, as the upstream of another. */
    private static RunningProxy wssDemoBackend() throws Exception {
        return Runner.start(new String[] {"--demo", "--listen", "127.0.0.1:0",
                "--tls-cert", path("localhost.pem"), "--tls-key", path("localhost.key")}, quietly());
    }

    /** The status line a plain upgrade request to {@code proxy} is answered with. */
    private static String upgradeStatusLine(InetSocketAddress proxy) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(proxy, (int) RecordingClient.TIMEOUT.toMillis());
            socket.setSoTimeout((int) RecordingClient.TIMEOUT.toMillis());
            socket.getOutputStream().write(("GET / HTTP/1.1\r\n"
                    + "Host: " + Addresses.format(proxy) + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    /** Waits until {@code address} serves a certificate issued by {@code issuer}, failing after the timeout. */
    private static void awaitIssuer(InetSocketAddress address, String issuer) throws Exception {
        long deadline = System.nanoTime() + RecordingClient.TIMEOUT.toNanos();
        String served = TlsProbe.servedIssuer(address);
        while (!served.equals(issuer)) {
            assertTrue(System.nanoTime() - deadline < 0,
                    "still serving a certificate of " + served + " after " + RecordingClient.TIMEOUT);
            Thread.sleep(20);
            served = TlsProbe.servedIssuer(address);
        }
    }

    /** Waits for the ready line of a runner started with {@code run}, and returns the address it names. */
    private static InetSocketAddress awaitListening(ByteArrayOutputStream printed, CompletableFuture<Integer> status)
            throws Exception {
        long deadline = System.nanoTime() + RecordingClient.TIMEOUT.toNanos();
        while (!printed.toString(StandardCharsets.UTF_8).contains("relaying to")) {
            assertFalse(status.isDone(), () -> "the runner ended: " + status.join());
            assertTrue(System.nanoTime() - deadline < 0, "no ready line within " + RecordingClient.TIMEOUT);
            Thread.sleep(10);
        }
        URI uri = RunnerTest.listeningUris(printed.toString(StandardCharsets.UTF_8)).get(0);
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    private static String path(String name) {
        return pki.file(name).toString();
    }

    private static URI wssUri(RunningProxy running) {
        return URI.create("wss://" + Addresses.format(running.addresses().get(0)));
    }

    private static URI wsUri(RunningProxy running) {
        return URI.create("ws://" + Addresses.format(running.addresses().get(0)));
    }

    private static PrintStream into(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static PrintStream quietly() {
        return into(new ByteArrayOutputStream());
    }
}
