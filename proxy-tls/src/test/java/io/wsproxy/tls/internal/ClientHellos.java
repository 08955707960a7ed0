package io.wsproxy.tls.internal;

import java.io.ByteArrayOutputStream;

/** Hand-made TLS ClientHello records, for peers the JDK's own client refuses to be. */
final class ClientHellos {
    private ClientHellos() {
    }

    /**
     * A ClientHello record that offers only TLS 1.1 (RFC 4346 §7.4.1.2): three CBC cipher suites, no compression,
     * no extensions.
     */
    static byte[] tls11() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(2); // client_version TLS 1.1
        for (int i = 0; i < 32; i++) {
            body.write(i); // random
        }
        body.write(0); // no session id
        int[] suites = {0x00, 0x2f, 0xc0, 0x09, 0xc0, 0x13};
        body.write(0);
        body.write(suites.length);
        for (int b : suites) {
            body.write(b);
        }
        body.write(1);
        body.write(0); // compression: null only
        byte[] hello = body.toByteArray();

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        int handshakeLength = hello.length + 4;
        record.write(22); // handshake
        record.write(3);
        record.write(1); // record version TLS 1.0, as clients send
        record.write(handshakeLength >> 8);
        record.write(handshakeLength & 0xff);
        record.write(1); // client_hello
        record.write(0);
        record.write(hello.length >> 8);
        record.write(hello.length & 0xff);
        record.write(hello, 0, hello.length);
        return record.toByteArray();
    }
}
