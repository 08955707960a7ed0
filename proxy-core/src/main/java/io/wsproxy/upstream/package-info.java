/**
 * Upstreams and balancing: {@link io.wsproxy.upstream.UpstreamPool} holds the members a proxy relays to, and a
 * {@link io.wsproxy.upstream.BalancingStrategy} chooses one for each new connection.
 */
package io.wsproxy.upstream;
