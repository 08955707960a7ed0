package io.wsproxy.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Keys and certificates for the tests, made with the {@code openssl} and {@code keytool} command-line tools into a
 * directory, once per test class. Every file is named by a constant; {@link #file(String)} resolves it. Not
 * thread-safe; built in {@code @BeforeAll}, then only read.
 *
 * <pre>
 * ca.pem (Test Root CA) -> intermediate.pem (Test Intermediate CA) -> rsa.pem (rsa.example.test, *.rsa.example.test)
 * ca2.pem (Test Root CA 2)
 * ec.pem (self-signed, ec.example.test)         stranger.pem (self-signed, CN stranger.example.test, no SAN)
 * intermediate.pem -> localhost.pem (localhost, 127.0.0.1; chain localhost-chain.pem), elsewhere.pem
 *                     (elsewhere.example.test; chain elsewhere-chain.pem)
 * ca2.pem -> localhost2.pem (localhost, 127.0.0.1: the "renewed" certificate of the reload tests)
 * ca.pem -> client.pem (CN Test Client, for client authentication)
 * </pre>
 */
public final class TestPki {
    public static final String PASSWORD = "correct horse";
    public static final String STORE_PASSWORD = "store-pass";
    public static final String KEY_PASSWORD = "key-pass";

    private static final long DEADLINE_SECONDS = 60;
    /** From the PATH, where the README and .ci/run expect it. */
    private static final String OPENSSL = "openssl";
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
            "[rsa_leaf]",
            "basicConstraints = CA:FALSE",
            "subjectAltName = DNS:rsa.example.test,DNS:*.rsa.example.test",
            "[ec_leaf]",
            "basicConstraints = CA:FALSE",
            "subjectAltName = DNS:ec.example.test",
            "[localhost_leaf]",
            "basicConstraints = CA:FALSE",
            "subjectAltName = DNS:localhost,IP:127.0.0.1",
            "extendedKeyUsage = serverAuth",
            "[elsewhere_leaf]",
            "basicConstraints = CA:FALSE",
            "subjectAltName = DNS:elsewhere.example.test",
            "[client_leaf]",
            "basicConstraints = CA:FALSE",
            "extendedKeyUsage = clientAuth",
            "[plain]",
            "basicConstraints = CA:FALSE",
            "");

    /** Made on first use by {@link #shared()}. */
    private static TestPki shared;

    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    /**
     * Every file of {@link #generate} and {@link #withKeyStores()}, made once per test JVM (the RSA keys take most
     * of the time) in a temporary directory deleted when the JVM exits. Tests add files to it with {@link #write}
     * under names of their own.
     */
    public static synchronized TestPki shared() throws IOException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("wsproxy-tls-test");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "tls-test-cleanup"));
            shared = generate(dir).withKeyStores();
        }
        return shared;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Left in the temporary directory.
        }
    }

    /** The PEM files: CAs, the RSA chain and its key in every form, the EC certificate and its keys, a stranger. */
    private static TestPki generate(Path dir) throws IOException {
        TestPki pki = new TestPki(dir);
        Files.writeString(dir.resolve("pki.cnf"), CONFIG);
        pki.selfSignedCa("ca", "Test Root CA");
        pki.selfSignedCa("ca2", "Test Root CA 2");
        pki.ecKey("intermediate.key");
        pki.signed("intermediate", "Test Intermediate CA", "ca", "ca");

        pki.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
        pki.signed("rsa", "rsa.example.test", "intermediate", "rsa_leaf");
        pki.concatenate("rsa-chain.pem", "rsa.pem", "intermediate.pem");
        pki.openssl("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa-pkcs1.key");
        pki.openssl("pkcs8", "-topk8", "-in", "rsa.key", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256",
                "-passout", "pass:" + PASSWORD, "-out", "rsa-encrypted.key");
        pki.openssl("rsa", "-in", "rsa.key", "-traditional", "-aes256", "-passout", "pass:" + PASSWORD,
                "-out", "rsa-legacy.key");

        pki.openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec-params.key");
        pki.openssl("ec", "-in", "ec-params.key", "-out", "ec-sec1.key");
        pki.openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec-params.key", "-out", "ec.key");
        pki.openssl("req", "-x509", "-new", "-config", "pki.cnf", "-extensions", "ec_leaf", "-key", "ec.key",
                "-subj", "/CN=ec.example.test", "-days", "30", "-out", "ec.pem");

        pki.ecKey("stranger.key");
        pki.openssl("req", "-x509", "-new", "-config", "pki.cnf", "-extensions", "plain", "-key", "stranger.key",
                "-subj", "/CN=stranger.example.test/O=Elsewhere", "-days", "30", "-out", "stranger.pem");
        pki.openssl("genpkey", "-algorithm", "ed25519", "-out", "ed25519.key");
        pki.concatenate("cas.pem", "ca.pem", "ca2.pem");

        pki.ecKey("localhost.key");
        pki.signed("localhost", "localhost", "intermediate", "localhost_leaf");
        pki.concatenate("localhost-chain.pem", "localhost.pem", "intermediate.pem");
        pki.ecKey("localhost2.key");
        pki.signed("localhost2", "localhost", "ca2", "localhost_leaf");
        pki.ecKey("elsewhere.key");
        pki.signed("elsewhere", "elsewhere.example.test", "intermediate", "elsewhere_leaf");
        pki.concatenate("elsewhere-chain.pem", "elsewhere.pem", "intermediate.pem");
        pki.ecKey("client.key");
        pki.signed("client", "Test Client", "ca", "client_leaf");

        // The tests rely on each tool writing the form its name promises.
        pki.assertBegins("rsa.key", "-----BEGIN PRIVATE KEY-----");
        pki.assertBegins("rsa-pkcs1.key", "-----BEGIN RSA PRIVATE KEY-----");
        pki.assertBegins("rsa-encrypted.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----");
        pki.assertBegins("ec-params.key", "-----BEGIN EC PARAMETERS-----");
        pki.assertBegins("ec-sec1.key", "-----BEGIN EC PRIVATE KEY-----");
        pki.assertBegins("ec.key", "-----BEGIN PRIVATE KEY-----");
        assertTrue(pki.text("rsa-legacy.key").contains("Proc-Type: 4,ENCRYPTED"));
        return pki;
    }

    /**
     * Key stores made by keytool: server.p12 (entries "first", EC with SANs, and "second", RSA without), server.jks
     * (entry "server" with its own key password), expired.p12 (a certificate that expired 9 days ago), and
     * {@link #withTrustStore()}.
     */
    private TestPki withKeyStores() throws IOException {
        keytool("-genkeypair", "-keystore", "server.p12", "-storetype", "PKCS12", "-storepass", STORE_PASSWORD,
                "-alias", "first", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=first.example.test",
                "-ext", "SAN=dns:first.example.test,dns:*.first.example.test", "-validity", "30");
        keytool("-genkeypair", "-keystore", "server.p12", "-storetype", "PKCS12", "-storepass", STORE_PASSWORD,
                "-alias", "second", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=second.example.test",
                "-validity", "30");
        keytool("-genkeypair", "-keystore", "server.jks", "-storetype", "JKS", "-storepass", STORE_PASSWORD,
                "-keypass", KEY_PASSWORD, "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=jks.example.test", "-validity", "30");
        keytool("-genkeypair", "-keystore", "expired.p12", "-storetype", "PKCS12", "-storepass", STORE_PASSWORD,
                "-alias", "old", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=old.example.test",
                "-startdate", "-10d", "-validity", "1");
        return withTrustStore();
    }

    /** trust.p12: ca.pem as the trusted entry "ca". */
    private TestPki withTrustStore() throws IOException {
        keytool("-importcert", "-noprompt", "-keystore", "trust.p12", "-storetype", "PKCS12", "-storepass",
                STORE_PASSWORD, "-alias", "ca", "-file", "ca.pem");
        return this;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public String text(String name) throws IOException {
        return Files.readString(file(name), StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code content} to {@code name} in this directory and returns its path. */
    public Path write(String name, String content) throws IOException {
        return Files.writeString(file(name), content, StandardCharsets.ISO_8859_1);
    }

    /** Whether two keys are the same key, whatever their encoding (PKCS#8 from SEC1 keeps the curve field). */
    public static boolean sameKey(PrivateKey a, PrivateKey b) {
        if (a instanceof RSAPrivateKey && b instanceof RSAPrivateKey) {
            return ((RSAPrivateKey) a).getPrivateExponent().equals(((RSAPrivateKey) b).getPrivateExponent());
        }
        if (a instanceof ECPrivateKey && b instanceof ECPrivateKey) {
            return ((ECPrivateKey) a).getS().equals(((ECPrivateKey) b).getS());
        }
        return false;
    }

    private void selfSignedCa(String name, String commonName) throws IOException {
        ecKey(name + ".key");
        openssl("req", "-x509", "-new", "-config", "pki.cnf", "-extensions", "ca", "-key", name + ".key",
                "-subj", "/CN=" + commonName, "-days", "30", "-out", name + ".pem");
    }

    private void ecKey(String name) throws IOException {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
    }

    /** name.pem for name.key, signed by issuer.pem/issuer.key with the extensions of config section. */
    private void signed(String name, String commonName, String issuer, String section) throws IOException {
        openssl("req", "-new", "-config", "pki.cnf", "-key", name + ".key", "-subj", "/CN=" + commonName,
                "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                "-set_serial", String.valueOf(Math.abs(name.hashCode())), "-days", "30", "-sha256",
                "-extfile", "pki.cnf", "-extensions", section, "-out", name + ".pem");
    }

    private void concatenate(String target, String... sources) throws IOException {
        StringBuilder content = new StringBuilder();
        for (String source : sources) {
            content.append(text(source));
        }
        write(target, content.toString());
    }

    private void assertBegins(String name, String firstLine) throws IOException {
        String content = text(name);
        assertTrue(content.startsWith(firstLine), name + " should begin with " + firstLine + ":\n" + content);
    }

    private void openssl(String... arguments) throws IOException {
        run(OPENSSL, arguments);
    }

    private void keytool(String... arguments) throws IOException {
        run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), arguments);
    }

    /** Runs a tool in the directory; fails the test with the tool's output if it fails or outlasts the deadline. */
    private void run(String tool, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(tool);
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile(dir, "tool-", ".log");
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
            throw new IOException("Interrupted while running " + tool, e);
        }
        if (process.exitValue() != 0) {
            fail(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
                    + Files.readString(output));
        }
    }
}
