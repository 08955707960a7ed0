package io.wsproxy.examples;

import io.wsproxy.tls.internal.TrustEverything;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Which certificate a TLS port serves: a TLS handshake with the JDK's client, accepting any certificate, optionally
 * sending a host name (SNI). For the tests of SNI and of reloading; they verify nothing else with it. Stateless.
 */
final class TlsProbe {
    private static final int TIMEOUT_MILLIS = 10_000;

    private TlsProbe() {
    }

    /** The subject of the certificate {@code address} serves to a client naming {@code serverName} (or none). */
    static String servedSubject(InetSocketAddress address, String serverName) throws IOException {
        return servedCertificate(address, serverName).getSubjectX500Principal().getName();
    }

    /** The issuer of the certificate {@code address} serves to a client that names no host. */
    static String servedIssuer(InetSocketAddress address) throws IOException {
        return servedCertificate(address, null).getIssuerX500Principal().getName();
    }

    private static X509Certificate servedCertificate(InetSocketAddress address, String serverName)
            throws IOException {
        try (SSLSocket socket = (SSLSocket) acceptingAnything().getSocketFactory().createSocket()) {
            socket.connect(address, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            if (serverName != null) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(serverName)));
                socket.setSSLParameters(parameters);
            }
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static SSLContext acceptingAnything() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {TrustEverything.INSTANCE}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
