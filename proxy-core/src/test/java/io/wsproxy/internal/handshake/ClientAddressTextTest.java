package io.wsproxy.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientAddressTextTest {

    @ParameterizedTest
    @CsvSource({
            "192.0.2.1, 192.0.2.1",
            "::1, ::1",
            "::, ::",
            "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "fe80:0:0:0:0:0:0:1%1, fe80::1",
            "1:0:0:0:0:0:0:0, 1::",
            "::ffff:192.0.2.1, 192.0.2.1"})
    void writesAddressesLikeNginxRemoteAddr(String address, String expected) throws UnknownHostException {
        assertEquals(expected, ClientAddressText.of(InetAddress.getByName(address)));
    }
}
