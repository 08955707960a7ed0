package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The echo backend on its own, without the proxy. */
class EchoServerTest {

    @Test
    void echoesTextAndBinaryAfterTheGreeting() throws Exception {
        try (EchoServer server = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), "hi")) {
            assertTrue(server.address().getPort() > 0);
            RecordingClient client = RecordingClient.connect(server.uri());
            assertEquals("hi", client.nextMessage());
            client.send("text");
            assertEquals("text", client.nextMessage());
            client.send(new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) client.nextMessage());
            client.closeBlocking();
        }
    }

    @Test
    void closeSendsGoingAwayToClients() throws Exception {
        EchoServer server = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), null);
        RecordingClient client = RecordingClient.connect(server.uri());
        server.close();
        assertEquals(1001, client.closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void anAddressInUseFailsToStartNamingIt() throws Exception {
        try (EchoServer first = EchoServer.start(new InetSocketAddress("127.0.0.1", 0), null)) {
            String taken = Addresses.format(first.address());
            IOException error = assertThrows(IOException.class,
                    () -> EchoServer.start(first.address(), null));
            assertTrue(error.getMessage().contains(taken), error.getMessage());
        }
    }
}
