/**
 * Upstreams and balancing: {@link io.wsproxy.upstream.UpstreamPool} holds the members a proxy relays to, and a
 * {@link io.wsproxy.upstream.BalancingStrategy} chooses one for each new connection. Built in: smooth weighted
 * round-robin, weighted least connections, the power of two random choices, ip-hash, and consistent (rendezvous)
 * hashing on a {@link io.wsproxy.upstream.HashKey}; {@link io.wsproxy.upstream.BalancingStrategy#byName} knows them
 * by the names the runner's {@code --balance} takes.
 */
package io.wsproxy.upstream;
