package io.wsproxy.examples;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * Socket addresses as operators write them: {@code HOST:PORT}, with IPv6 literals in brackets
 * ({@code [::1]:8080}). Stateless.
 */
public final class Addresses {
    private Addresses() {
    }

    /**
     * Parses and resolves {@code HOST:PORT}; port 0 asks for a free port when binding.
     *
     * @throws IllegalArgumentException with a one-line message quoting {@code text}, if it has another form, the
     *                                  port is out of range or the host does not resolve
     */
    public static InetSocketAddress parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int end = text.indexOf("]:");
            host = end < 0 ? "" : text.substring(1, end);
            port = end < 0 ? "" : text.substring(end + 2);
        } else {
            int colon = text.lastIndexOf(':');
            boolean oneColon = colon >= 0 && text.indexOf(':') == colon;
            host = oneColon ? text.substring(0, colon) : "";
            port = oneColon ? text.substring(colon + 1) : "";
        }
        if (host.isEmpty() || port.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid address '" + text + "' (use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("invalid port '" + port + "' in '" + text + "' (use 0 to 65535)");
        }
        InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(port));
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("host '" + host + "' does not resolve");
        }
        return address;
    }

    /** {@code HOST:PORT} without a reverse lookup; IPv6 literals compressed and in brackets ({@code [::1]:8080}). */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() instanceof Inet6Address
                ? "[" + compress(address.getAddress().getHostAddress()) + "]"
                : address.getHostString();
        return host + ":" + address.getPort();
    }

    /** RFC 5952 §4.2: the longest run of two or more zero groups becomes {@code ::}. */
    private static String compress(String ipv6) {
        int scope = ipv6.indexOf('%');
        String[] groups = (scope < 0 ? ipv6 : ipv6.substring(0, scope)).split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int start = 0; start < groups.length; start++) {
            int length = 0;
            while (start + length < groups.length && groups[start + length].equals("0")) {
                length++;
            }
            if (length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        if (bestStart < 0) {
            return ipv6;
        }
        String before = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String after = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return before + "::" + after + (scope < 0 ? "" : ipv6.substring(scope));
    }
}
