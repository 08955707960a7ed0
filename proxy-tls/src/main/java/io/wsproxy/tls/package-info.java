/**
 * wss:// termination and TLS toward upstreams, on {@link javax.net.ssl.SSLEngine}, plugged into
 * proxy-core's transport seam.
 *
 * <p>Not implemented yet: this module only reserves its package so that the build and the
 * dependency direction (proxy-tls depends on proxy-core, never the reverse) are in place.
 */
package io.wsproxy.tls;
