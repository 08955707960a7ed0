/**
 * The public API of wsproxy: {@link io.wsproxy.ProxyServer}, built with its builder, and its configuration value
 * types. Upstreams and balancing are in {@link io.wsproxy.upstream}; everything under {@code io.wsproxy.internal}
 * is not API.
 */
package io.wsproxy;
