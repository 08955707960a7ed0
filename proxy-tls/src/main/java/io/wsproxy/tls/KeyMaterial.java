package io.wsproxy.tls;

import io.wsproxy.tls.internal.Certificates;
import io.wsproxy.tls.internal.KeyPairCheck;
import io.wsproxy.tls.internal.MaterialFiles;
import io.wsproxy.tls.internal.MaterialFormatException;
import io.wsproxy.tls.internal.PemBlock;
import io.wsproxy.tls.internal.PrivateKeyDecoder;
import io.wsproxy.tls.internal.SingleKeyManager;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate chain and its private key: what a TLS server presents (and a client, for client certificates).
 * Loaded from PEM files or from a PKCS#12 or JKS key store, and checked on loading: the key must belong to the
 * first certificate of the chain. RSA and EC keys.
 *
 * <pre>{@code
 * KeyMaterial material = KeyMaterial.fromPem(Path.of("fullchain.pem"), Path.of("privkey.pem"));
 * SSLContext context = SSLContext.getInstance("TLS");
 * context.init(new KeyManager[] {material.keyManager()}, null, null);
 * }</pre>
 *
 * <p>Every factory reports a caller's mistake as an {@link IllegalArgumentException} whose message names the file
 * and says what is wrong (no such file, no private key, a truncated PEM block, a wrong password, a key that does not
 * match the certificate); messages never hold key bytes or passwords. A certificate that is expired or not yet
 * valid still loads, with one WARN line in the log.
 *
 * <p>Immutable and thread-safe; passwords are not kept, and the caller's password arrays are left as they are.
 */
public final class KeyMaterial {
    private static final Logger log = LoggerFactory.getLogger(KeyMaterial.class);
    /** The alias a PEM-loaded material is served under when its certificate names no host. */
    private static final String DEFAULT_ALIAS = "key";

    /** Leaf first; never empty. */
    private final List<X509Certificate> chain;
    /** Matches the public key of {@code chain.get(0)}. */
    private final PrivateKey privateKey;
    private final String alias;
    private final List<String> dnsNames;
    private final X509ExtendedKeyManager keyManager;

    private KeyMaterial(List<X509Certificate> chain, PrivateKey privateKey, String alias, List<String> dnsNames) {
        this.chain = List.copyOf(chain);
        this.privateKey = privateKey;
        this.alias = alias;
        this.dnsNames = dnsNames;
        this.keyManager = new SingleKeyManager(alias, this.chain, privateKey);
    }

    /** Loads an unencrypted key; see {@link #fromPem(Path, Path, char[])}. */
    public static KeyMaterial fromPem(Path certificateChain, Path privateKey) {
        return fromPem(certificateChain, privateKey, null);
    }

    /**
     * Loads a certificate chain and its private key from PEM files, which may be one and the same file.
     *
     * @param certificateChain the {@code CERTIFICATE} blocks, the server's own certificate first, then the
     *                         intermediates (as in Let's Encrypt's {@code fullchain.pem}); other blocks are ignored
     * @param privateKey       one key in PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}), SEC1
     *                         ({@code EC PRIVATE KEY}, optionally after {@code EC PARAMETERS}) or encrypted PKCS#8
     *                         ({@code ENCRYPTED PRIVATE KEY}) form; OpenSSL's legacy encrypted PEM is refused
     * @param password         the password of an encrypted key; null when it is not encrypted
     * @throws IllegalArgumentException naming the file, for anything wrong with either file or their pairing
     */
    public static KeyMaterial fromPem(Path certificateChain, Path privateKey, char[] password) {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        List<X509Certificate> chain;
        try {
            chain = MaterialFiles.certificates(MaterialFiles.readPem(certificateChain));
        } catch (MaterialFormatException e) {
            throw new IllegalArgumentException("Cannot load the certificate chain from " + certificateChain + ": "
                    + e.getMessage(), e);
        }
        PrivateKey key;
        try {
            List<PemBlock> blocks = MaterialFiles.readPem(privateKey);
            key = PrivateKeyDecoder.decode(blocks, password);
        } catch (MaterialFormatException e) {
            throw new IllegalArgumentException("Cannot load the private key from " + privateKey + ": "
                    + e.getMessage(), e);
        }
        if (!KeyPairCheck.matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException(mismatch("The private key in " + privateKey, "the certificate in "
                    + certificateChain, chain, key));
        }
        warnIfNotValid(chain, certificateChain.toString());
        List<String> dnsNames = Certificates.dnsNames(chain.get(0));
        return new KeyMaterial(chain, key, dnsNames.isEmpty() ? DEFAULT_ALIAS : dnsNames.get(0), dnsNames);
    }

    /**
     * Loads a key entry of a PKCS#12 or JKS key store (the type is told from the file's first bytes).
     *
     * @param storePassword the key store's password
     * @param alias         the entry to load; null for the only key entry, or the first in alphabetical order of
     *                      aliases when there are several
     * @param keyPassword   the entry's password; null when it is the store password (as keytool and openssl make
     *                      PKCS#12 files)
     * @throws IllegalArgumentException naming the file, for a missing file, a wrong password, a missing entry, or a
     *                                  key that does not match its certificate
     */
    public static KeyMaterial fromKeyStore(Path keyStore, char[] storePassword, String alias, char[] keyPassword) {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(storePassword, "storePassword");
        try {
            KeyStore store = MaterialFiles.loadKeyStore(keyStore, storePassword);
            String entry = alias != null ? alias : firstKeyEntry(store);
            if (!store.containsAlias(entry)) {
                throw new MaterialFormatException("it has no entry '" + entry + "'; its key entries are "
                        + keyEntries(store));
            }
            if (!store.isKeyEntry(entry)) {
                throw new MaterialFormatException("the entry '" + entry + "' is a trusted certificate, not a"
                        + " private key; its key entries are " + keyEntries(store));
            }
            Key key;
            try {
                key = store.getKey(entry, keyPassword != null ? keyPassword : storePassword);
            } catch (UnrecoverableKeyException e) {
                throw new MaterialFormatException("wrong key password for the entry '" + entry + "'", e);
            }
            if (!(key instanceof PrivateKey)) {
                throw new MaterialFormatException("the entry '" + entry + "' holds a secret key, not a private key");
            }
            List<X509Certificate> chain = x509Chain(store.getCertificateChain(entry), entry);
            PrivateKey privateKey = (PrivateKey) key;
            if (!PrivateKeyDecoder.isSupported(privateKey)) {
                throw new MaterialFormatException("the entry '" + entry + "' has an unsupported key algorithm "
                        + privateKey.getAlgorithm() + "; RSA and EC keys are supported");
            }
            if (!KeyPairCheck.matches(privateKey, chain.get(0).getPublicKey())) {
                throw new MaterialFormatException(mismatch("the private key of the entry '" + entry + "'",
                        "its certificate", chain, privateKey));
            }
            warnIfNotValid(chain, keyStore + " (entry '" + entry + "')");
            return new KeyMaterial(chain, privateKey, entry, Certificates.dnsNames(chain.get(0)));
        } catch (MaterialFormatException e) {
            throw new IllegalArgumentException("Cannot load key material from " + keyStore + ": " + e.getMessage(),
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot load key material from " + keyStore + ": " + e, e);
        }
    }

    /** The chain, the server's own certificate (the leaf) first, then the intermediates as given. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * The host names the leaf certificate is for: its subjectAltName DNS entries as written (wildcards such as
     * {@code *.example.com} included), or its subject's common name when it has no DNS entry; empty if neither.
     */
    public List<String> dnsNames() {
        return dnsNames;
    }

    /** When the leaf certificate expires. */
    public Instant notAfter() {
        return chain.get(0).getNotAfter().toInstant();
    }

    /**
     * The name {@link #keyManager()} serves this material under: the key store entry's alias, or for PEM files the
     * first of {@link #dnsNames()} ({@code "key"} when there is none).
     */
    public String alias() {
        return alias;
    }

    /**
     * A key manager that offers this chain and key, under {@link #alias()}, for every TLS connection whose key type
     * it suits (RSA or EC); the same instance on every call.
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + Certificates.subject(chain.get(0)) + ", " + privateKey.getAlgorithm() + ", dnsNames="
                + dnsNames + ", notAfter=" + notAfter() + "]";
    }

    private static String firstKeyEntry(KeyStore store) throws GeneralSecurityException, MaterialFormatException {
        List<String> entries = keyEntries(store);
        if (entries.isEmpty()) {
            throw new MaterialFormatException("it holds no private key entry");
        }
        return entries.get(0);
    }

    private static List<String> keyEntries(KeyStore store) throws GeneralSecurityException {
        List<String> entries = new ArrayList<>();
        for (String name : Collections.list(store.aliases())) {
            if (store.isKeyEntry(name)) {
                entries.add(name);
            }
        }
        Collections.sort(entries);
        return entries;
    }

    private static List<X509Certificate> x509Chain(Certificate[] certificates, String entry)
            throws MaterialFormatException {
        if (certificates == null || certificates.length == 0) {
            throw new MaterialFormatException("the entry '" + entry + "' has no certificate chain");
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate certificate : certificates) {
            if (!(certificate instanceof X509Certificate)) {
                throw new MaterialFormatException("the entry '" + entry + "' has a " + certificate.getType()
                        + " certificate, not X.509");
            }
            chain.add((X509Certificate) certificate);
        }
        return chain;
    }

    /** "The private key in k does not match the certificate in c (CN=...)", and which one it does match, if any. */
    private static String mismatch(String key, String certificate, List<X509Certificate> chain, PrivateKey privateKey) {
        StringBuilder message = new StringBuilder(key).append(" does not match ").append(certificate).append(" (")
                .append(Certificates.subject(chain.get(0))).append(')');
        for (int i = 1; i < chain.size(); i++) {
            if (KeyPairCheck.matches(privateKey, chain.get(i).getPublicKey())) {
                message.append(", but certificate ").append(i + 1).append(" of the chain; put the server's own"
                        + " certificate first");
            }
        }
        return message.toString();
    }

    private static void warnIfNotValid(List<X509Certificate> chain, String source) {
        Instant now = Instant.now();
        for (X509Certificate certificate : chain) {
            Optional<String> problem = Certificates.validityProblem(certificate, now);
            if (problem.isPresent()) {
                log.warn("The certificate {} in {} {}; loading it anyway", Certificates.subject(certificate), source,
                        problem.get());
            }
        }
    }
}
