package io.wsproxy;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What the TLS handshake of one connection settled: the protocol and cipher suite, the server name the client asked
 * for (SNI), the application protocol (ALPN), and the peer's verified certificate chain. For a wss:// listener the
 * peer is the client, so {@link #peerCertificates()} holds its client certificate when one was asked for (mutual
 * TLS) and sent. Available to the host application through {@link ConnectionInfo#tls()} and
 * {@link io.wsproxy.upstream.ClientRequest#tls()}.
 *
 * @param protocol            e.g. {@code TLSv1.3}
 * @param cipherSuite         e.g. {@code TLS_AES_128_GCM_SHA256}
 * @param serverName          the SNI host name the client sent; null when it sent none
 * @param applicationProtocol the ALPN protocol agreed, e.g. {@code http/1.1}; null when none was
 * @param peerCertificates    the peer's chain, its own certificate first, as verified in the handshake; empty when it
 *                            presented none
 */
public record TlsInfo(String protocol, String cipherSuite, String serverName, String applicationProtocol,
        List<X509Certificate> peerCertificates) {

    public TlsInfo {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        peerCertificates = List.copyOf(peerCertificates);
    }

    /** The peer's own certificate (for a listener: the verified client certificate); null when it presented none. */
    public X509Certificate peerCertificate() {
        return peerCertificates.isEmpty() ? null : peerCertificates.get(0);
    }

    @Override
    public String toString() {
        return protocol + " " + cipherSuite + (serverName != null ? " sni=" + serverName : "")
                + (peerCertificates.isEmpty() ? "" : " peer=" + peerCertificates.get(0).getSubjectX500Principal());
    }
}
