package io.wsproxy.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.upstream.UpstreamPool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session resumption is on for wss:// listeners, seen by an independent client: {@code openssl s_client} saves the
 * session of a first connection (a TLS 1.3 ticket, or a TLS 1.2 session) and a second connection offering it is
 * resumed ("Reused") rather than a full handshake ("New").
 */
class SessionResumptionTest {
    private static final long DEADLINE_SECONDS = 20;

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    @Timeout(90)
    void aSecondConnectionResumesTheFirstOnesSession(String version) throws Exception {
        TestPki pki = TestPki.shared();
        Path session = Files.createTempFile("wsproxy-session", ".pem");
        try (EchoBackend echo = EchoBackend.start();
                ServerTls tls = ServerTls.builder()
                        .certificate(pki.file("localhost-chain.pem"), pki.file("localhost.key")).build()) {
            ProxyServer proxy = ProxyServer.builder().listen(new InetSocketAddress("127.0.0.1", 0), tls)
                    .upstreams(UpstreamPool.of(echo.uri())).eventLoops(1).build().start();
            try {
                int port = proxy.address().getPort();
                // TLS 1.3 sends its ticket after the handshake: wait for it before the first client leaves.
                String awaited = version.equals("-tls1_3") ? "New Session Ticket arrived" : "New, TLSv1.2";
                List<String> first = sClient(port, version, "-sess_out", session, awaited);
                assertTrue(first.stream().anyMatch(line -> line.startsWith("New, ")), () -> "full handshake: " + first);
                List<String> second = sClient(port, version, "-sess_in", session, "Reused, ");
                assertTrue(second.stream().anyMatch(line -> line.startsWith("Reused, ")),
                        () -> "resumed handshake: " + second);
            } finally {
                proxy.close();
            }
        } finally {
            Files.deleteIfExists(session);
        }
    }

    /**
     * Runs {@code openssl s_client} against the proxy, its input kept open until {@code awaited} appears in its
     * output (or it ends), then closed; returns the output lines.
     */
    private static List<String> sClient(int port, String version, String sessionFlag, Path session, String awaited)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", version, sessionFlag, session.toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.ISO_8859_1))) {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line.trim());
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The process ended.
            }
        }, "s_client-output");
        reader.start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            synchronized (lines) {
                while (lines.stream().noneMatch(line -> line.contains(awaited)) && process.isAlive()
                        && System.nanoTime() < end) {
                    lines.wait(100);
                }
            }
            process.getOutputStream().close();
            assertTrue(process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS), "openssl s_client did not end");
            reader.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            synchronized (lines) {
                return new ArrayList<>(lines);
            }
        } finally {
            process.destroyForcibly();
        }
    }
}
