package io.wsproxy.internal.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ForwardedHeaders;
import io.wsproxy.testing.Await;
import io.wsproxy.upstream.UpstreamPool;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshake;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An idle connection holds no buffer, and a closed one returns every buffer it borrowed. */
class BufferLendingTest {

    @Test
    @Timeout(60)
    void buffersAreLentOnlyWhileBytesAreHeld() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        WebSocketServer echo = new WebSocketServer(new InetSocketAddress("127.0.0.1", 0)) {
            @Override
            public void onOpen(WebSocket connection, ClientHandshake handshake) {
            }

            @Override
            public void onClose(WebSocket connection, int code, String reason, boolean remote) {
            }

            @Override
            public void onMessage(WebSocket connection, String message) {
                connection.send(message);
            }

            @Override
            public void onMessage(WebSocket connection, ByteBuffer message) {
                connection.send(message);
            }

            @Override
            public void onError(WebSocket connection, Exception e) {
            }

            @Override
            public void onStart() {
                started.countDown();
            }
        };
        echo.setReuseAddr(true);
        echo.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        long seconds = TimeUnit.SECONDS.toNanos(5);
        RelayConfig config = new RelayConfig(UpstreamPool.of("ws://127.0.0.1:" + echo.getPort()),
                ForwardedHeaders.defaults(), seconds, seconds, seconds, seconds, seconds, 64 * 1024, 16 * 1024, 100,
                64 * 1024, 0, 3, 1000, 5);
        Relay relay = new Relay(config, List.of(new InetSocketAddress("127.0.0.1", 0)), 2);
        relay.start();
        BlockingQueue<ByteBuffer> received = new ArrayBlockingQueue<>(16);
        WebSocketClient client = new WebSocketClient(new URI("ws://127.0.0.1:" + relay.addresses().get(0).getPort())) {
            @Override
            public void onOpen(ServerHandshake handshake) {
            }

            @Override
            public void onMessage(String message) {
            }

            @Override
            public void onMessage(ByteBuffer message) {
                received.add(message);
            }

            @Override
            public void onClose(int code, String reason, boolean remote) {
            }

            @Override
            public void onError(Exception e) {
            }
        };
        try {
            assertTrue(client.connectBlocking(10, TimeUnit.SECONDS));
            // 8 MiB each way forces partial writes, held bytes and paused reads.
            byte[] big = new byte[8 * 1024 * 1024];
            new Random(42).nextBytes(big);
            for (int i = 0; i < 3; i++) {
                client.send(big);
                ByteBuffer echoed = received.poll(30, TimeUnit.SECONDS);
                byte[] copy = new byte[echoed.remaining()];
                echoed.get(copy);
                assertArrayEquals(big, copy);
            }
            assertEquals(0, relay.lentBuffers(), "buffers lent while the connection is idle");
            client.closeBlocking();
            Await.until("the connection is closed", Duration.ofSeconds(10), () -> relay.openConnections() == 0);
            assertEquals(0, relay.lentBuffers(), "buffers lent after the connection closed");
        } finally {
            relay.shutdown(TimeUnit.SECONDS.toNanos(2));
            echo.stop(1000);
        }
    }
}
