/**
 * TLS for wsproxy, on {@link javax.net.ssl.SSLEngine}; this module depends on proxy-core, never the reverse.
 *
 * <p>So far it loads key material: {@link io.wsproxy.tls.KeyMaterial} is a certificate chain with its private key
 * (from PEM files or a PKCS#12/JKS key store), checked to belong together, with an
 * {@link javax.net.ssl.X509KeyManager} that serves it and the DNS names it is for; {@link
 * io.wsproxy.tls.TrustMaterial} is a set of trusted CA certificates with a PKIX {@link
 * javax.net.ssl.X509TrustManager}. Both report a caller's mistake (a missing file, a wrong password, a key that
 * does not match its certificate) as an {@link java.lang.IllegalArgumentException} naming the file.
 * wss:// termination and TLS toward upstreams will build on them. Everything under {@code io.wsproxy.tls.internal}
 * is not API.
 */
package io.wsproxy.tls;
