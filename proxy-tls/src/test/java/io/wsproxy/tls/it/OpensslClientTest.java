package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An independent TLS client, {@code openssl s_client}, against a wss:// listener: with TLS 1.3 only, SNI localhost,
 * and the certificate and host name verified against ca.pem, it completes a WebSocket upgrade written by hand on
 * its standard input, receiving the backend's {@code 101} through the proxy, and a masked text frame comes back
 * echoed; offering only TLS 1.1 it is refused with the protocol_version alert and never sees HTTP.
 */
@Timeout(60)
class OpensslClientTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Pattern TLS13 = Pattern.compile("New, TLSv1\\.3, Cipher is|Protocol\\s*:\\s*TLSv1\\.3");

    @Test
    void opensslCompletesAnUpgradeOverTls13AndEchoes() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            int port = proxy.address().getPort();
            try (Openssl openssl = Openssl.start("s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", "localhost", "-tls1_3",
                    "-CAfile", TlsFixtures.pki().file("ca.pem").toString(),
                    "-verify_hostname", "localhost", "-verify_return_error")) {
                openssl.write(TlsFixtures.upgradeRequest("localhost:" + port, HttpHead.newKey())
                        .getBytes(StandardCharsets.ISO_8859_1));
                openssl.awaitOutput("HTTP/1.1 101");

                openssl.write(Frame.text("hello from openssl", true));
                openssl.awaitOutput("hello from openssl");
                String output = openssl.output();
                assertTrue(TLS13.matcher(output).find(), () -> "TLS 1.3 negotiated:\n" + output);
                assertTrue(output.contains("Verify return code: 0 (ok)"), () -> "verified:\n" + output);
                assertEquals("localhost", echo.nextHandshake(DEADLINE).header("X-Forwarded-Host").split(":")[0]);

                openssl.closeInput();
                openssl.awaitExit();
                Await.until("the proxy to close the connection", DEADLINE, () -> proxy.openConnections() == 0);
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void opensslOfferingOnlyTls11IsRefusedWithAProtocolVersionAlert() throws Exception {
        try (EchoBackend echo = EchoBackend.start(); ServerTls tls = TlsFixtures.localhostTls()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            int port = proxy.address().getPort();
            // SECLEVEL=0: OpenSSL 3 will not offer TLS 1.1 otherwise.
            try (Openssl openssl = Openssl.start("s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", "localhost", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")) {
                openssl.write(TlsFixtures.upgradeRequest("localhost:" + port, HttpHead.newKey())
                        .getBytes(StandardCharsets.ISO_8859_1));
                int status = openssl.awaitExit();
                String output = openssl.output();
                assumeFalse(output.contains("no protocols available"),
                        () -> "this openssl cannot offer TLS 1.1 at all:\n" + output);

                assertTrue(output.contains("alert protocol version"), () -> "the server's alert:\n" + output);
                assertFalse(output.contains("HTTP/"), () -> "no HTTP reached the client:\n" + output);
                assertTrue(status != 0, () -> "openssl reports the failed handshake:\n" + output);
                Await.until("the proxy to close the connection", DEADLINE, () -> proxy.openConnections() == 0);
                assertEquals(0, echo.openedCount(), "nothing reached the upstream");
            } finally {
                proxy.close();
            }
        }
    }

    /** An openssl process whose standard output and error are collected as they come. */
    private static final class Openssl implements AutoCloseable {
        private final Process process;
        private final ByteArrayOutputStream output = new ByteArrayOutputStream();
        private final Thread reader;

        private Openssl(Process process) {
            this.process = process;
            this.reader = new Thread(this::collect, "openssl-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Runs {@code openssl} from the PATH, as the test PKI does. */
        static Openssl start(String... arguments) throws IOException {
            List<String> command = new ArrayList<>();
            command.add("openssl");
            command.addAll(List.of(arguments));
            return new Openssl(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        private void collect() {
            byte[] chunk = new byte[4096];
            try (InputStream in = process.getInputStream()) {
                for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                    synchronized (output) {
                        output.write(chunk, 0, n);
                    }
                }
            } catch (IOException e) {
                // The process was killed.
            }
        }

        String output() {
            synchronized (output) {
                return output.toString(StandardCharsets.ISO_8859_1);
            }
        }

        void write(byte[] bytes) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write(bytes);
            in.flush();
        }

        void awaitOutput(String text) {
            Await.until(() -> "openssl to print '" + text + "'; its output so far:\n" + output(), DEADLINE,
                    () -> output().contains(text));
        }

        /** Ends openssl's input: s_client then closes the connection and exits. */
        void closeInput() throws IOException {
            process.getOutputStream().close();
        }

        /** Waits for the process to exit and its output to be read; returns its exit status. */
        int awaitExit() throws InterruptedException {
            assertTrue(process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                    () -> "openssl did not exit within " + DEADLINE + "; its output:\n" + output());
            reader.join(DEADLINE.toMillis());
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            reader.join(DEADLINE.toMillis());
        }
    }
}
