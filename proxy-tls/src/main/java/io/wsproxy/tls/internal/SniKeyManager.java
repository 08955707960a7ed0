package io.wsproxy.tls.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves several certificates on one listener, chosen by the server name the client sends (SNI): a certificate
 * whose names include it exactly wins, then one with a matching wildcard ({@code *.example.com} covers
 * {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}); a client that sends no name or an
 * unknown one gets the first certificate, the default. Among the certificates for a name, the first whose key suits
 * what the handshake asks (RSA or EC) is chosen, so one name may have an RSA and an EC certificate.
 *
 * <p>Immutable and thread-safe; aliases are {@code index:alias} of the certificate's own key manager.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {
    private final List<X509ExtendedKeyManager> managers;
    /** Lower-case names of each certificate, as in its subjectAltName (wildcards kept). */
    private final List<List<String>> names;

    /**
     * @param managers one key manager per certificate, the default first
     * @param names    the DNS names each serves, in the same order
     */
    public SniKeyManager(List<X509ExtendedKeyManager> managers, List<List<String>> names) {
        if (managers.isEmpty() || managers.size() != names.size()) {
            throw new IllegalArgumentException("One or more key managers, each with its names");
        }
        this.managers = List.copyOf(managers);
        List<List<String>> lower = new ArrayList<>();
        for (List<String> list : names) {
            List<String> each = new ArrayList<>();
            for (String name : list) {
                each.add(name.toLowerCase(Locale.ROOT));
            }
            lower.add(List.copyOf(each));
        }
        this.names = List.copyOf(lower);
    }

    /** The indexes of the certificates for {@code serverName} (null: none sent), best first. */
    List<Integer> candidates(String serverName) {
        List<Integer> exact = new ArrayList<>();
        List<Integer> wildcard = new ArrayList<>();
        if (serverName != null) {
            String name = serverName.toLowerCase(Locale.ROOT);
            int dot = name.indexOf('.');
            String parent = dot > 0 ? name.substring(dot) : null;
            for (int i = 0; i < names.size(); i++) {
                for (String candidate : names.get(i)) {
                    if (candidate.equals(name)) {
                        exact.add(i);
                        break;
                    }
                    if (parent != null && candidate.startsWith("*.") && candidate.substring(1).equals(parent)) {
                        wildcard.add(i);
                        break;
                    }
                }
            }
        }
        if (!exact.isEmpty()) {
            return exact;
        }
        if (!wildcard.isEmpty()) {
            return wildcard;
        }
        return List.of(0);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        for (int i : candidates(requestedName(engine))) {
            String alias = managers.get(i).chooseEngineServerAlias(keyType, issuers, engine);
            if (alias != null) {
                return i + ":" + alias;
            }
        }
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        for (int i : candidates(null)) {
            String alias = managers.get(i).chooseServerAlias(keyType, issuers, socket);
            if (alias != null) {
                return i + ":" + alias;
            }
        }
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        int colon = alias == null ? -1 : alias.indexOf(':');
        return colon < 0 ? null : manager(alias, colon).getCertificateChain(alias.substring(colon + 1));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        int colon = alias == null ? -1 : alias.indexOf(':');
        return colon < 0 ? null : manager(alias, colon).getPrivateKey(alias.substring(colon + 1));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        List<String> aliases = new ArrayList<>();
        for (int i = 0; i < managers.size(); i++) {
            String[] each = managers.get(i).getServerAliases(keyType, issuers);
            if (each != null) {
                for (String alias : each) {
                    aliases.add(i + ":" + alias);
                }
            }
        }
        return aliases.isEmpty() ? null : aliases.toArray(new String[0]);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    private X509ExtendedKeyManager manager(String alias, int colon) {
        try {
            int index = Integer.parseInt(alias.substring(0, colon));
            return index >= 0 && index < managers.size() ? managers.get(index) : NONE;
        } catch (NumberFormatException e) {
            return NONE;
        }
    }

    /** The SNI host name of the handshake under way; null when none was sent. */
    private static String requestedName(SSLEngine engine) {
        return engine == null ? null : serverName(engine.getHandshakeSession());
    }

    /**
     * The SNI host name a client sent in {@code session}'s handshake, in its ASCII form (IDNs as xn--); null when it
     * sent none.
     */
    static String serverName(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession)) {
            return null;
        }
        for (SNIServerName name : ((ExtendedSSLSession) session).getRequestedServerNames()) {
            if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                return ((SNIHostName) name).getAsciiName();
            }
        }
        return null;
    }

    private static final X509ExtendedKeyManager NONE = new X509ExtendedKeyManager() {
        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return null;
        }
    };
}
