package io.wsproxy.tls.internal;

import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The TLS settings wsproxy uses unless told otherwise: TLS 1.3 and 1.2 only, and only cipher suites with forward
 * secrecy and authenticated encryption, in the order of Mozilla's "intermediate" configuration (AES-128-GCM first:
 * as strong as needed and cheaper per record and per handshake than AES-256-GCM with SHA-384, which the JDK would put
 * first). ALPN offers {@code http/1.1}, the only protocol a WebSocket upgrade runs on.
 */
public final class TlsDefaults {
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    public static final String HTTP_1_1 = "http/1.1";
    /** Mozilla's intermediate list (TLS 1.3, then ECDHE for TLS 1.2), in its order; DHE left out. */
    private static final List<String> STRONG = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsDefaults() {
    }

    /** The strong suites {@code context} supports, in the order of {@link #STRONG}. */
    public static List<String> cipherSuites(SSLContext context) {
        List<String> supported = List.of(context.getSupportedSSLParameters().getCipherSuites());
        List<String> suites = new ArrayList<>();
        for (String suite : STRONG) {
            if (supported.contains(suite)) {
                suites.add(suite);
            }
        }
        return suites;
    }

    /**
     * Checks that {@code context} supports each of {@code wanted}; returns them as an array.
     *
     * @throws IllegalArgumentException naming the first unsupported one
     */
    public static String[] supported(String what, List<String> wanted, String[] supported) {
        List<String> known = List.of(supported);
        for (String name : wanted) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("Unsupported TLS " + what + " '" + name + "'; this JDK supports "
                        + known);
            }
        }
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("No TLS " + what + " given");
        }
        return wanted.toArray(new String[0]);
    }

    /** Applies protocols and suites, and server-side ALPN: {@code http/1.1} when offered, else none. */
    public static void configureServer(SSLEngine engine, String[] protocols, String[] suites) {
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols);
        parameters.setCipherSuites(suites);
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        // Lenient where RFC 7301 allows it: a client offering only h2 still gets HTTP/1.1 without ALPN, as from nginx.
        engine.setHandshakeApplicationProtocolSelector((e, offered) -> offered.contains(HTTP_1_1) ? HTTP_1_1 : "");
    }
}
