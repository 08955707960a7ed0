package io.wsproxy.upstream;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Resolves a member's host name to its addresses; the JDK's resolver unless a test says otherwise. */
@FunctionalInterface
interface HostResolver {
    HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    /** Every address of {@code host}, in the resolver's order. */
    List<InetAddress> resolve(String host) throws UnknownHostException;
}
