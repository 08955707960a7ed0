package io.wsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.upstream.ActiveHealthCheck;
import io.wsproxy.upstream.ClientRequest;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Active health checks against real sockets: a member that accepts TCP but never answers the WebSocket probe is
 * marked down while a real WebSocket server stays up; a member whose port is closed is marked down by TCP probes and
 * comes back once something listens there again.
 */
class ActiveHealthCheckTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    @Timeout(60)
    void aMemberThatAcceptsButNeverAnswersTheUpgradeIsMarkedDown() throws Exception {
        try (EchoBackend echo = EchoBackend.start();
                ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // The echo server first: each round probes it before the silent one, so when the silent one is down the
            // echo server has been judged by the same rounds.
            UpstreamPool pool = UpstreamPool.builder().add(echo.uri()).add("ws://127.0.0.1:" + silent.getLocalPort())
                    .activeHealth(ActiveHealthCheck.webSocket("/health", Duration.ofMillis(50))
                            .withTimeout(Duration.ofMillis(300)).withThresholds(1, 2))
                    .build();
            Upstream live = pool.members().get(0);
            Upstream stalled = pool.members().get(1);
            pool.start();
            try {
                Await.until("the silent member to be marked down", DEADLINE, stalled::down);
                assertFalse(live.down(), "the WebSocket server passes the same probes");
                ClientRequest request = new ClientRequest(new InetSocketAddress("192.0.2.1", 1), "/", null, Map.of());
                for (int i = 0; i < 10; i++) {
                    UpstreamPool.Attempt attempt = pool.attempt(request, 1);
                    assertEquals(live, attempt.next(), "new connections skip the member that is down");
                    attempt.abandon();
                }
            } finally {
                pool.stop();
            }
            assertFalse(stalled.down(), "stopped checks leave no member down on their word");
        }
    }

    @Test
    @Timeout(60)
    void aClosedPortIsMarkedDownAndComesBackWhenSomethingListensAgain() throws Exception {
        int port = closedPort();
        UpstreamPool pool = UpstreamPool.builder().add("ws://127.0.0.1:" + port)
                .activeHealth(ActiveHealthCheck.tcp(Duration.ofMillis(50)).withThresholds(2, 2))
                .build();
        Upstream member = pool.members().get(0);
        pool.start();
        try {
            Await.until("the closed port to be marked down", DEADLINE, member::down);
            try (ServerSocket revived = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                Await.until("the member to come back", DEADLINE, () -> !member.down());
            }
        } finally {
            pool.stop();
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
