package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Keys and certificates for the runner's TLS tests, made with the {@code openssl} command line (from the PATH) once
 * per test JVM, in a temporary directory deleted when the JVM exits. EC P-256 keys throughout, which take
 * milliseconds. Clients get their {@link SSLContext}s from the JDK's own PEM and PKCS#12 readers, independent of
 * proxy-tls.
 *
 * <pre>
 * ca.pem (Runner Test CA)     -> localhost.pem (DNS:localhost, IP:127.0.0.1; key also as localhost-encrypted.key)
 *                             -> other.pem (DNS:other.example.test)
 *                             -> client.pem (CN Runner Test Client, clientAuth; with its key in client.p12)
 * ca2.pem (Runner Test CA 2)  -> renewed.pem (DNS:localhost, IP:127.0.0.1: the renewal of the reload tests)
 * </pre>
 *
 * Thread-safe: made under a lock, then only read; tests copy files elsewhere before changing them.
 */
final class TestCertificates {
    /** The password of localhost-encrypted.key. */
    static final String KEY_PASSWORD = "correct horse battery";
    /** The password of client.p12. */
    static final String CLIENT_STORE_PASSWORD = "client-store";

    private static final long DEADLINE_SECONDS = 60;
    private static final String CONFIG = String.join("\n",
            "[req]",
            "distinguished_name = dn",
            "prompt = no",
            "[dn]",
            "CN = unused",
            "[ca]",
            "basicConstraints = critical,CA:TRUE",
            "keyUsage = critical,keyCertSign,cRLSign",
            "subjectKeyIdentifier = hash",
            "[localhost]",
            "basicConstraints = CA:FALSE",
            "subjectAltName = DNS:localhost,IP:127.0.0.1",
            "extendedKeyUsage = serverAuth",
            "[other]",
            "basicConstraints = CA:FALSE",
            "subjectAltName = DNS:other.example.test",
            "extendedKeyUsage = serverAuth",
            "[client]",
            "basicConstraints = CA:FALSE",
            "extendedKeyUsage = clientAuth",
            "");

    private static TestCertificates shared;

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** The files above, made on first use. */
    static synchronized TestCertificates shared() throws IOException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("wsproxy-runner-tls");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "runner-tls-test-cleanup"));
            TestCertificates made = new TestCertificates(dir);
            made.generate();
            shared = made;
        }
        return shared;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** Copies file {@code name} to {@code target}, replacing it in one step, as certificate renewal tools do. */
    void install(String name, Path target) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), ".install-", ".tmp");
        Files.copy(file(name), temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A client context trusting the CAs in {@code caFile}, presenting client.pem when {@code withCertificate}. */
    SSLContext clientContext(String caFile, boolean withCertificate) throws IOException {
        try (InputStream cas = Files.newInputStream(file(caFile));
                InputStream clientStore = Files.newInputStream(file("client.p12"))) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int index = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(cas)) {
                trusted.setCertificateEntry("ca-" + index++, ca);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(trusted);
            KeyManagerFactory keys = null;
            if (withCertificate) {
                KeyStore client = KeyStore.getInstance("PKCS12");
                client.load(clientStore, CLIENT_STORE_PASSWORD.toCharArray());
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(client, CLIENT_STORE_PASSWORD.toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot make a client TLS context: " + e, e);
        }
    }

    private void generate() throws IOException {
        Files.writeString(file("openssl.cnf"), CONFIG);
        selfSignedCa("ca", "Runner Test CA");
        selfSignedCa("ca2", "Runner Test CA 2");
        leaf("localhost", "localhost", "ca", "localhost");
        leaf("other", "other.example.test", "ca", "other");
        leaf("renewed", "localhost", "ca2", "localhost");
        leaf("client", "Runner Test Client", "ca", "client");
        openssl("pkcs8", "-topk8", "-in", "localhost.key", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256",
                "-passout", "pass:" + KEY_PASSWORD, "-out", "localhost-encrypted.key");
        openssl("pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-name", "client",
                "-passout", "pass:" + CLIENT_STORE_PASSWORD, "-out", "client.p12");
    }

    private void selfSignedCa(String name, String commonName) throws IOException {
        ecKey(name + ".key");
        openssl("req", "-x509", "-new", "-config", "openssl.cnf", "-extensions", "ca", "-key", name + ".key",
                "-subj", "/CN=" + commonName, "-days", "30", "-out", name + ".pem");
    }

    /** name.pem for a new name.key, issued by issuer.pem with the extensions of {@code section}. */
    private void leaf(String name, String commonName, String issuer, String section) throws IOException {
        ecKey(name + ".key");
        openssl("req", "-new", "-config", "openssl.cnf", "-key", name + ".key", "-subj", "/CN=" + commonName,
                "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                "-set_serial", String.valueOf(Math.abs(name.hashCode())), "-days", "30", "-sha256",
                "-extfile", "openssl.cnf", "-extensions", section, "-out", name + ".pem");
    }

    private void ecKey(String name) throws IOException {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
    }

    /** Runs openssl in the directory; fails the test with its output if it fails or outlasts the deadline. */
    private void openssl(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile(dir, "openssl-", ".log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + DEADLINE_SECONDS + " s:\n"
                        + Files.readString(output));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running openssl", e);
        }
        if (process.exitValue() != 0) {
            fail(String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + Files.readString(output));
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Left in the temporary directory.
        }
    }
}
