package io.wsproxy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxyServerConfigTest {
    private static final UpstreamPool POOL = UpstreamPool.of("ws://127.0.0.1:1");

    @Test
    void aServerNeedsUpstreams() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProxyServer.builder().build());
        assertTrue(e.getMessage().contains("No upstreams"), e.getMessage());
    }

    @Test
    void outOfRangeSettingsNameTheSetting() {
        assertSetting("eventLoops must be at least 1", ProxyServer.builder().upstreams(POOL).eventLoops(0));
        assertSetting("connectTimeout must be positive",
                ProxyServer.builder().upstreams(POOL).connectTimeout(Duration.ZERO));
        assertSetting("handshakeTimeout must be positive",
                ProxyServer.builder().upstreams(POOL).handshakeTimeout(Duration.ofSeconds(-1)));
        assertSetting("bufferSize must be at least 1024", ProxyServer.builder().upstreams(POOL).bufferSize(10));
        assertSetting("closeTimeout must be at most 365 days",
                ProxyServer.builder().upstreams(POOL).closeTimeout(Duration.ofDays(400_000_000L)));
        assertSetting("idleTimeout must be zero (off) or at least 10 ms",
                ProxyServer.builder().upstreams(POOL).idleTimeout(Duration.ofMillis(5)));
        assertSetting("shutdownCloseCode must be 1000, 1001, 1012 or 4000-4999",
                ProxyServer.builder().upstreams(POOL).shutdownCloseCode(1005));
        assertSetting("maxConnections must be at least 1", ProxyServer.builder().upstreams(POOL).maxConnections(0));
        assertSetting("Listen address does not resolve",
                ProxyServer.builder().upstreams(POOL).listen(InetSocketAddress.createUnresolved("no.such.host.invalid", 1)));
    }

    @Test
    void aPortInUseFailsStartNamingTheAddress() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            ProxyServer server = ProxyServer.builder().upstreams(POOL).listen("127.0.0.1", taken.getLocalPort())
                    .listen("127.0.0.1", 0).eventLoops(1).build();
            IOException e = assertThrows(IOException.class, server::start);
            assertTrue(e.getMessage().startsWith("Cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertEquals(0, server.addresses().size());
            server.close();
        }
    }

    @Test
    void portZeroBindsAnEphemeralPortAndCloseIsIdempotent() throws IOException {
        ProxyServer server = ProxyServer.builder().upstreams(POOL).listen("127.0.0.1", 0).listen("127.0.0.1", 0)
                .eventLoops(2).build().start();
        assertEquals(2, server.addresses().size());
        assertTrue(server.address().getPort() > 0);
        IllegalStateException twice = assertThrows(IllegalStateException.class, server::start);
        assertTrue(twice.getMessage().contains("already started"), twice.getMessage());
        server.close();
        assertDoesNotThrow(() -> server.close());
        assertDoesNotThrow(() -> server.close(Duration.ofSeconds(1)));
    }

    @Test
    void forwardedHeadersRejectHeadersTheProxyManages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwardedHeaders.builder().set("Sec-WebSocket-Key", "x"));
        assertTrue(e.getMessage().contains("managed by the proxy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ForwardedHeaders.builder().set("Bad Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> ForwardedHeaders.builder().set("X-Ok", "a\r\nb"));
        assertEquals("v", ForwardedHeaders.builder().set("X-Tenant", "v").build().fixed().get("x-tenant").getValue());
    }

    @Test
    void heartbeatSettingsAreChecked() {
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> HeartbeatPolicy.builder().interval(Duration.ofMillis(5)));
        assertTrue(tooShort.getMessage().contains("at least 10 ms"), tooShort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HeartbeatPolicy.builder().timeout(Duration.ZERO));
        assertEquals(false, HeartbeatPolicy.disabled().pingsClient());
        HeartbeatPolicy upstreamOnly = HeartbeatPolicy.builder().sides(HeartbeatPolicy.Sides.UPSTREAM).build();
        assertEquals(false, upstreamOnly.pingsClient());
        assertEquals(true, upstreamOnly.pingsUpstream());
        assertEquals(Duration.ofSeconds(30), HeartbeatPolicy.defaults().interval());
        assertEquals(Duration.ofSeconds(10), HeartbeatPolicy.defaults().timeout());
    }

    private static void assertSetting(String expected, ProxyServer.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
