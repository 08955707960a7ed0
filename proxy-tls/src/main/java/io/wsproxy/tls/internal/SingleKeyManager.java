package io.wsproxy.tls.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that serves one certificate chain and its private key under one alias, to servers and clients
 * alike, on sockets and {@link SSLEngine}s. It offers the alias only for a key type its key has, and only when the
 * peer's list of accepted issuers (if any) names an issuer of the chain. Immutable and thread-safe.
 */
public final class SingleKeyManager extends X509ExtendedKeyManager {
    private final String alias;
    private final X509Certificate[] chain;
    private final PrivateKey privateKey;

    public SingleKeyManager(String alias, List<X509Certificate> chain, PrivateKey privateKey) {
        this.alias = alias;
        this.chain = chain.toArray(new X509Certificate[0]);
        this.privateKey = privateKey;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return suits(keyType, issuers) ? new String[] {alias} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes, issuers);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes, issuers);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return suits(keyType, issuers) ? alias : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return suits(keyType, issuers) ? alias : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return this.alias.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return this.alias.equals(alias) ? privateKey : null;
    }

    private String choose(String[] keyTypes, Principal[] issuers) {
        if (keyTypes != null) {
            for (String keyType : keyTypes) {
                if (suits(keyType, issuers)) {
                    return alias;
                }
            }
        }
        return null;
    }

    /**
     * Whether this key serves {@code keyType}: "RSA", "EC", or the TLS 1.2 forms "EC_EC" / "EC_RSA", where the part
     * after the underscore is the algorithm the certificate must be signed with (as the JDK's own key managers read
     * them).
     */
    private boolean suits(String keyType, Principal[] issuers) {
        if (keyType == null) {
            return false;
        }
        int underscore = keyType.indexOf('_');
        String keyAlgorithm = underscore < 0 ? keyType : keyType.substring(0, underscore);
        if (!privateKey.getAlgorithm().equals(keyAlgorithm)) {
            return false;
        }
        if (underscore >= 0) {
            String signedWith = "WITH" + keyType.substring(underscore + 1).toUpperCase(Locale.ROOT);
            if (!chain[0].getSigAlgName().toUpperCase(Locale.ROOT).contains(signedWith)) {
                return false;
            }
        }
        if (issuers == null || issuers.length == 0) {
            return true;
        }
        for (X509Certificate certificate : chain) {
            for (Principal issuer : issuers) {
                if (certificate.getIssuerX500Principal().equals(issuer)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SingleKeyManager[" + alias + "]";
    }
}
