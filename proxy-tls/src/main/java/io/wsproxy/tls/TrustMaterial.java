package io.wsproxy.tls;

import io.wsproxy.tls.internal.Certificates;
import io.wsproxy.tls.internal.MaterialFiles;
import io.wsproxy.tls.internal.MaterialFormatException;
import io.wsproxy.tls.internal.PemBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of trusted CA certificates: the roots a TLS peer's chain must lead to (upstream servers' certificates,
 * or clients' certificates when they are asked for). Loaded from a PEM bundle or a PKCS#12 or JKS trust store.
 *
 * <pre>{@code
 * TrustMaterial cas = TrustMaterial.fromPem(Path.of("internal-ca.pem"));
 * context.init(null, new TrustManager[] {cas.trustManager()}, null);
 * }</pre>
 *
 * <p>Errors are {@link IllegalArgumentException}s naming the file, as for {@link KeyMaterial}. An expired CA
 * certificate still loads, with one WARN line in the log (chains through it will fail validation).
 *
 * <p>Immutable and thread-safe.
 */
public final class TrustMaterial {
    private static final Logger log = LoggerFactory.getLogger(TrustMaterial.class);

    /** Never empty. */
    private final List<X509Certificate> certificates;
    private final X509ExtendedTrustManager trustManager;

    private TrustMaterial(List<X509Certificate> certificates) {
        this.certificates = List.copyOf(certificates);
        this.trustManager = pkixTrustManager(this.certificates);
    }

    /**
     * Loads the CA certificates of a PEM bundle: one or more {@code CERTIFICATE} blocks, with any text around
     * them (such as the comments of the system bundles).
     *
     * @throws IllegalArgumentException naming the file, if it is missing, empty, holds no certificate or a block of
     *                                  another type, or a damaged block
     */
    public static TrustMaterial fromPem(Path caBundle) {
        Objects.requireNonNull(caBundle, "caBundle");
        try {
            List<PemBlock> blocks = MaterialFiles.readPem(caBundle);
            for (PemBlock block : blocks) {
                if (!block.type().equals("CERTIFICATE")) {
                    throw new MaterialFormatException("it holds a " + block + "; a CA bundle holds only CERTIFICATE"
                            + " blocks");
                }
            }
            return load(MaterialFiles.certificates(blocks), caBundle.toString());
        } catch (MaterialFormatException e) {
            throw new IllegalArgumentException("Cannot load trusted certificates from " + caBundle + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Loads the trusted-certificate entries of a PKCS#12 or JKS trust store (key entries are not trust anchors
     * and are skipped).
     *
     * @throws IllegalArgumentException naming the file, if it is missing, not a key store, the password is wrong,
     *                                  or it has no trusted-certificate entry
     */
    public static TrustMaterial fromKeyStore(Path trustStore, char[] password) {
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(password, "password");
        try {
            KeyStore store = MaterialFiles.loadKeyStore(trustStore, password);
            List<String> aliases = Collections.list(store.aliases());
            Collections.sort(aliases);
            List<X509Certificate> certificates = new ArrayList<>();
            for (String alias : aliases) {
                Certificate certificate = store.isCertificateEntry(alias) ? store.getCertificate(alias) : null;
                if (certificate instanceof X509Certificate) {
                    certificates.add((X509Certificate) certificate);
                }
            }
            if (certificates.isEmpty()) {
                throw new MaterialFormatException("it holds no trusted certificate entry");
            }
            return load(certificates, trustStore.toString());
        } catch (MaterialFormatException e) {
            throw new IllegalArgumentException("Cannot load trusted certificates from " + trustStore + ": "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot load trusted certificates from " + trustStore + ": " + e, e);
        }
    }

    /** The trusted certificates, in file order (for a key store: by alias). */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    /**
     * A PKIX trust manager that accepts a peer's chain when it leads to one of {@link #certificates()}; the same
     * instance on every call. It checks signatures, validity dates, basic constraints and key usage, not host
     * names (the TLS layer does that through the engine's endpoint identification).
     */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    @Override
    public String toString() {
        List<String> subjects = new ArrayList<>();
        for (X509Certificate certificate : certificates) {
            subjects.add(Certificates.subject(certificate));
        }
        return "TrustMaterial" + subjects;
    }

    private static TrustMaterial load(List<X509Certificate> certificates, String source) {
        Instant now = Instant.now();
        for (X509Certificate certificate : certificates) {
            Optional<String> problem = Certificates.validityProblem(certificate, now);
            if (problem.isPresent()) {
                log.warn("The CA certificate {} in {} {}; loading it anyway", Certificates.subject(certificate),
                        source, problem.get());
            }
        }
        return new TrustMaterial(certificates);
    }

    private static X509ExtendedTrustManager pkixTrustManager(List<X509Certificate> certificates) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager) {
                    return (X509ExtendedTrustManager) manager;
                }
            }
            throw new IllegalStateException("The JDK's PKIX trust manager factory made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot build a PKIX trust manager", e);
        }
    }
}
