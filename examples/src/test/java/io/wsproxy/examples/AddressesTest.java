package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {

    @Test
    void readsIpv4AndBracketedIpv6() {
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), Addresses.parse("127.0.0.1:8080"));
        assertEquals(new InetSocketAddress("::1", 0), Addresses.parse("[::1]:0"));
        assertEquals(new InetSocketAddress("0.0.0.0", 65535), Addresses.parse("0.0.0.0:65535"));
    }

    @Test
    void writesIpv6CompressedInBrackets() {
        assertEquals("[::1]:8080", Addresses.format(new InetSocketAddress("::1", 8080)));
        assertEquals("[::]:80", Addresses.format(new InetSocketAddress("::", 80)));
        assertEquals("[2001:db8::1:0:0:1]:1", Addresses.format(new InetSocketAddress("2001:db8:0:0:1:0:0:1", 1)));
        assertEquals("[fe80::1]:1", Addresses.format(new InetSocketAddress("fe80:0:0:0:0:0:0:1", 1)));
        assertEquals("127.0.0.1:8080", Addresses.format(new InetSocketAddress("127.0.0.1", 8080)));
    }
}
