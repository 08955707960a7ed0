package io.wsproxy.tls.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.tls.ServerTls;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.TestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates are swapped without a restart: after the files are replaced (by localhost2, issued by ca2) and
 * {@link ServerTls#reload()} is called, new connections are presented the new certificate while a connection opened
 * before keeps relaying; a reload from a broken file throws an {@link IllegalArgumentException} naming the file and
 * leaves the previous certificate serving; and with {@code watch(...)} replacing the files is enough. Clients trust
 * cas.pem (ca and ca2), so both certificates verify and only the issuer and serial tell them apart.
 */
@Timeout(60)
class ReloadTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void afterAReloadNewConnectionsGetTheNewCertificateAndOpenOnesKeepRelaying() throws Exception {
        Path chain = copy("localhost-chain.pem", "server.pem");
        Path key = copy("localhost.key", "server.key");
        try (EchoBackend echo = EchoBackend.start();
                ServerTls tls = ServerTls.builder().certificate(chain, key).build()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            TestClient before = null;
            TestClient after = null;
            try {
                before = TlsFixtures.openWss(TlsFixtures.wssUri(proxy), casContext());
                assertEquals(TlsFixtures.certificate("localhost.pem"), presentedLeaf(proxy));

                replace(chain, "localhost2.pem");
                replace(key, "localhost2.key");
                tls.reload();

                X509Certificate renewed = TlsFixtures.certificate("localhost2.pem");
                assertEquals(renewed, presentedLeaf(proxy), "a new connection after the reload");
                assertEquals("CN=Test Root CA 2", presentedLeaf(proxy).getIssuerX500Principal().getName());
                assertEquals(renewed, tls.certificates().get(0).certificateChain().get(0));
                before.send("still here");
                assertEquals("still here", before.nextText(DEADLINE), "the connection opened before the reload");
                after = TlsFixtures.openWss(TlsFixtures.wssUri(proxy), casContext());
                after.send("new here");
                assertEquals("new here", after.nextText(DEADLINE));
            } finally {
                closeQuietly(before);
                closeQuietly(after);
                proxy.close();
            }
        }
    }

    @Test
    void aReloadFromABrokenFileFailsNamingItAndKeepsThePreviousCertificate() throws Exception {
        Path chain = copy("localhost-chain.pem", "server.pem");
        Path key = copy("localhost.key", "server.key");
        try (EchoBackend echo = EchoBackend.start();
                ServerTls tls = ServerTls.builder().certificate(chain, key).build()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            TestClient client = null;
            try {
                // Cut inside the first certificate block: what a copy interrupted halfway leaves.
                String full = Files.readString(chain);
                Files.writeString(chain, full.substring(0, full.indexOf("-----END CERTIFICATE-----") / 2));

                IllegalArgumentException error = assertThrows(IllegalArgumentException.class, tls::reload);
                assertTrue(error.getMessage().contains(chain.toString()),
                        () -> "the message names " + chain + ": " + error.getMessage());

                X509Certificate previous = TlsFixtures.certificate("localhost.pem");
                assertEquals(previous, tls.certificates().get(0).certificateChain().get(0));
                assertEquals(previous, presentedLeaf(proxy), "a new connection after the failed reload");
                client = TlsFixtures.openWss(TlsFixtures.wssUri(proxy));
                client.send("still serving");
                assertEquals("still serving", client.nextText(DEADLINE));
            } finally {
                closeQuietly(client);
                proxy.close();
            }
        }
    }

    @Test
    void aWatchPicksUpReplacedFiles() throws Exception {
        Path chain = copy("localhost-chain.pem", "server.pem");
        Path key = copy("localhost.key", "server.key");
        try (EchoBackend echo = EchoBackend.start();
                ServerTls tls = ServerTls.builder().certificate(chain, key).watch(Duration.ofMillis(50)).build()) {
            ProxyServer proxy = TlsFixtures.proxyTo(tls, echo.uri()).build().start();
            try {
                assertEquals(TlsFixtures.certificate("localhost.pem"), presentedLeaf(proxy));

                // As a renewal tool does: each file replaced whole by a rename. The watch may see the new chain with
                // the old key in between; that reload fails and the next one, after the key, succeeds.
                replace(chain, "localhost2.pem");
                replace(key, "localhost2.key");

                X509Certificate renewed = TlsFixtures.certificate("localhost2.pem");
                Await.until(() -> "the watch to load the new certificate; serving " + tls.certificates(), DEADLINE,
                        () -> renewed.equals(tls.certificates().get(0).certificateChain().get(0)));
                assertEquals(renewed, presentedLeaf(proxy), "a new connection after the files changed");
                TestClient client = TlsFixtures.openWss(TlsFixtures.wssUri(proxy), casContext());
                client.send("renewed");
                assertEquals("renewed", client.nextText(DEADLINE));
                client.closeQuietly(DEADLINE);
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void closingTheLastWatchingServerTlsEndsTheWatchThread() throws Exception {
        Path chain = copy("localhost-chain.pem", "server.pem");
        Path key = copy("localhost.key", "server.key");
        try (ServerTls tls = ServerTls.builder().certificate(chain, key).watch(Duration.ofMillis(50)).build()) {
            Await.until("the watch thread to start", DEADLINE, () -> !watchThreads().isEmpty());
        }

        Await.until(() -> "the watch thread to end once no ServerTls watches: " + watchThreads(), DEADLINE,
                () -> watchThreads().isEmpty());
    }

    private static List<String> watchThreads() {
        return LeakCheck.proxyThreads().stream().filter(name -> name.contains("watch")).toList();
    }

    /** The leaf presented to a new connection from a client trusting ca and ca2 that sends SNI localhost. */
    private static X509Certificate presentedLeaf(ProxyServer proxy) throws IOException {
        try (SSLSocket socket = TlsFixtures.connectTls(proxy.address(), casContext(), "localhost")) {
            return TlsFixtures.presentedChain(socket).get(0);
        }
    }

    /** A fresh context each time, so that no session is resumed and every handshake shows the current certificate. */
    private static SSLContext casContext() throws IOException {
        return TlsFixtures.clientContext("cas.pem", null);
    }

    private Path copy(String pkiFile, String name) throws IOException {
        return Files.copy(TlsFixtures.pki().file(pkiFile), dir.resolve(name));
    }

    /** Replaces {@code target} whole with a copy of {@code pkiFile}, by a rename in the same directory. */
    private void replace(Path target, String pkiFile) throws IOException {
        Path staged = Files.copy(TlsFixtures.pki().file(pkiFile), dir.resolve(target.getFileName() + ".new"));
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void closeQuietly(TestClient client) {
        if (client != null) {
            client.closeQuietly(DEADLINE);
        }
    }
}
