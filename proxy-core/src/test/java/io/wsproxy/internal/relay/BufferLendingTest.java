package io.wsproxy.internal.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wsproxy.ForwardedHeaders;
import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.UpstreamPool;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** An idle connection holds no buffer, and a closed one returns every buffer it borrowed. */
@ExtendWith(LeakCheck.class)
class BufferLendingTest {

    @Test
    @Timeout(60)
    void buffersAreLentOnlyWhileBytesAreHeld() throws Exception {
        try (EchoBackend echo = EchoBackend.start()) {
            echo.record(false);
            long seconds = TimeUnit.SECONDS.toNanos(5);
            RelayConfig config = new RelayConfig(UpstreamPool.of(echo.uri()), ForwardedHeaders.defaults(), seconds,
                    seconds, seconds, seconds, seconds, 64 * 1024, 16 * 1024, 100, 64 * 1024, 0, 3, seconds, 1000, 5,
                    HeartbeatPolicy.defaults(), 0, 1001, null);
            Relay relay = new Relay(config, List.of(new Listener(new InetSocketAddress("127.0.0.1", 0), null)), 2);
            relay.start();
            try {
                InetSocketAddress address = relay.addresses().get(0);
                TestClient client = TestClient.open(TestClient.uriOf(address));
                // 8 MiB each way forces partial writes, held bytes and paused reads.
                byte[] big = new byte[8 * 1024 * 1024];
                new Random(42).nextBytes(big);
                for (int i = 0; i < 3; i++) {
                    client.send(big);
                    assertArrayEquals(big, client.nextBinary(Duration.ofSeconds(30)));
                }
                assertEquals(0, relay.lentBuffers(), "buffers lent while the connection is idle");
                client.closeQuietly(Duration.ofSeconds(5));
                Await.until("the connection is closed", Duration.ofSeconds(10), () -> relay.openConnections() == 0);
                assertEquals(0, relay.lentBuffers(), "buffers lent after the connection closed");
            } finally {
                relay.shutdown(TimeUnit.SECONDS.toNanos(2));
            }
        }
    }
}
