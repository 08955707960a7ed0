/**
 * Internal, not API: may change in any release without notice.
 *
 * <p>The transport seam: how a relay endpoint moves bytes over its socket. {@link
 * io.wsproxy.internal.transport.PlainTransport} is TCP as it is; the proxy-tls module supplies a TLS transport on
 * {@code javax.net.ssl.SSLEngine} (proxy-core never depends on proxy-tls).
 */
package io.wsproxy.internal.transport;
