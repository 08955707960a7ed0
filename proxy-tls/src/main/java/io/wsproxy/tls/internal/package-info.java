/**
 * Internal, not API: may change in any release without notice.
 *
 * <p>The parsers behind {@link io.wsproxy.tls.KeyMaterial} and {@link io.wsproxy.tls.TrustMaterial}: {@link
 * io.wsproxy.tls.internal.PemReader} splits RFC 7468 text into {@link io.wsproxy.tls.internal.PemBlock}s; {@link
 * io.wsproxy.tls.internal.DerReader} and {@link io.wsproxy.tls.internal.DerWriter} are just enough of X.690 DER to
 * rewrap PKCS#1 and SEC1 keys as PKCS#8 for {@link io.wsproxy.tls.internal.PrivateKeyDecoder}; {@link
 * io.wsproxy.tls.internal.MaterialFiles} reads files and key stores; {@link io.wsproxy.tls.internal.SingleKeyManager}
 * serves one chain and key to the JSSE. They report problems as {@link
 * io.wsproxy.tls.internal.MaterialFormatException}, whose message the public classes prefix with the file's name.
 *
 * <p>{@link io.wsproxy.tls.internal.TlsConnection} drives a {@link javax.net.ssl.SSLEngine} over a non-blocking
 * socket for a selector loop, holding its bytes in {@link io.wsproxy.tls.internal.RecordBuffers} taken from {@link
 * io.wsproxy.tls.internal.TlsBuffers}; it reports engine failures as {@link io.wsproxy.tls.internal.TlsException}.
 */
package io.wsproxy.tls.internal;
