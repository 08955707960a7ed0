package io.wsproxy.tls.internal;

import java.net.Socket;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts every certificate chain, for {@code UpstreamTls.builder().insecure()} (development only) and for tools
 * that report what a server presents rather than judge it. The session still records the chain. Being an
 * {@link X509ExtendedTrustManager}, it also keeps the JDK from adding its own host-name check.
 */
public final class TrustEverything extends X509ExtendedTrustManager {
    public static final TrustEverything INSTANCE = new TrustEverything();

    private TrustEverything() {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
