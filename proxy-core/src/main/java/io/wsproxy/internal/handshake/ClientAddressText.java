package io.wsproxy.internal.handshake;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Writes a client address the way nginx's {@code $remote_addr} does, for X-Forwarded-For and X-Real-IP: IPv4
 * dotted, IPv6 in the RFC 5952 canonical text form without brackets or zone. Stateless and thread-safe.
 */
final class ClientAddressText {
    private ClientAddressText() {
    }

    static String of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        // RFC 5952 §4.2: "::" replaces the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            // RFC 5952 §4.1, §4.3: no leading zeros, lower-case hex.
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
