package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Frames that break RFC 6455, oversized messages, vanishing clients and stuck close handshakes (DESIGN.md §4). */
@ExtendWith(LeakCheck.class)
@Timeout(value = 15, unit = SECONDS)
class ProtocolViolationTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private ProxyServer proxy;
    private RawUpstream upstream;
    private EchoBackend backend;
    private RawClient client;
    private RawUpstream.Connection connection;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (upstream != null) {
            upstream.close(); // before the proxy, which would otherwise wait for their close handshakes
        }
        Proxies.closeQuietly(proxy);
        if (backend != null) {
            backend.close();
        }
    }

    /** A raw client relayed to a raw upstream through a proxy built from {@code builder}. */
    private void relay(ProxyServer.Builder builder) throws Exception {
        proxy = builder.build().start();
        client = RawClient.connect(proxy.address());
        client.send(client.upgradeRequest("/", HttpHead.newKey()));
        connection = upstream.acceptHandshake();
        HttpHead response = client.readHead();
        assertEquals(101, response.status(), response::toString);
    }

    private void relay() throws Exception {
        upstream = RawUpstream.start();
        relay(Proxies.to(upstream.uri()));
    }

    /** The next frame at the client must be an unmasked Close with {@code code}. */
    private Frame clientExpectsClose(int code) throws IOException {
        Frame frame = client.readFrame();
        if (!frame.isClose()) {
            fail("Expected Close " + code + " at the client, got " + frame);
        }
        assertFalse(frame.masked(), "frames from the proxy to a client must not be masked");
        assertEquals(code, frame.closeCode(), () -> "Close code at the client, reason '" + frame.closeReason() + "'");
        assertHasShortReason(frame);
        return frame;
    }

    /** The next frame at the upstream must be a masked Close with {@code code}. */
    private Frame upstreamExpectsClose(int code) throws IOException {
        Frame frame = connection.expectClose(code);
        assertHasShortReason(frame);
        return frame;
    }

    /** Close frames sent (or forwarded) in these tests all carry a reason text; RFC 6455 §5.5 caps it at 123 bytes. */
    private static void assertHasShortReason(Frame close) {
        assertFalse(close.closeReason().isEmpty(), () -> "Close codes sent by the proxy carry a reason: " + close);
        assertTrue(close.payload().length <= 125, () -> "control frame payload over 125 bytes: " + close);
    }

    /** Both sides see their Close; after replying, both TCP connections end. */
    private void clientViolationEnds() throws IOException {
        clientExpectsClose(1002);
        upstreamExpectsClose(1001);
        connection.send(Frame.close(1001, "", false));
        client.sendClose(1002, "");
        bothEndPromptly();
    }

    /**
     * The proxy ends both TCP connections; once the peers close their sockets too, the connection is released
     * promptly (well within the 2 s close timeout, so not merely by the timeout).
     */
    private void bothEndPromptly() throws IOException {
        connection.awaitEof(WAIT);
        client.awaitEof(WAIT);
        connection.close();
        client.close();
        Await.until(() -> "connection released after both peers closed, open: " + proxy.openConnections(),
                Duration.ofMillis(1_000), () -> proxy.openConnections() == 0);
    }

    @Test
    void unmaskedClientFrameGives1002AndTheUpstream1001() throws Exception {
        relay();
        client.send(Frame.text("not masked", false));
        clientViolationEnds();
    }

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {0x3, 0x7, 0xB, 0xF})
    void reservedOpcodeGives1002AndTheUpstream1001(int opcode) throws Exception {
        relay();
        client.send(Frame.encode(true, 0, opcode, new byte[3], true));
        clientViolationEnds();
    }

    @Test
    void controlFrameOf126BytesGives1002() throws Exception {
        relay();
        client.send(Frame.encode(true, 0, Frame.PING, new byte[126], true));
        clientViolationEnds();
    }

    @Test
    void fragmentedControlFrameGives1002() throws Exception {
        relay();
        client.send(Frame.encode(false, 0, Frame.PING, new byte[4], true));
        clientViolationEnds();
    }

    @ParameterizedTest(name = "rsv {0}")
    @ValueSource(ints = {4, 2, 1})
    void rsvBitWithoutNegotiatedExtensionGives1002(int rsv) throws Exception {
        relay();
        client.send(Frame.encode(true, rsv, Frame.TEXT, "x".getBytes(), true));
        clientViolationEnds();
    }

    @Test
    void continuationWithoutAStartedMessageGives1002() throws Exception {
        relay();
        client.send(Frame.encode(true, 0, Frame.CONTINUATION, new byte[2], true));
        clientViolationEnds();
    }

    @Test
    void newMessageInsideAFragmentedOneGives1002() throws Exception {
        relay();
        client.send(Frame.encode(false, 0, Frame.TEXT, "a".getBytes(), true));
        client.send(Frame.encode(true, 0, Frame.TEXT, "b".getBytes(), true));
        Frame first = connection.readFrame();
        assertEquals(Frame.TEXT, first.opcode(), first::toString);
        clientViolationEnds();
    }

    @Test
    void maskedUpstreamFrameGivesTheClient1014AndTheUpstream1002() throws Exception {
        relay();
        connection.send(Frame.text("masked by a server", true));
        clientExpectsClose(1014);
        upstreamExpectsClose(1002);
    }

    @Test
    void validFramesPassUnchangedBothWays() throws Exception {
        relay();
        client.sendText("up");
        Frame up = connection.readFrame();
        assertTrue(up.masked(), "client frames stay masked toward the upstream");
        assertEquals("up", up.text());
        connection.send(Frame.text("down", false));
        Frame down = client.readFrame();
        assertFalse(down.masked());
        assertEquals("down", down.text());
    }

    @Test
    void messageOverTheLimitFromTheClientGives1009AndTheUpstream1001() throws Exception {
        upstream = RawUpstream.start();
        relay(Proxies.to(upstream.uri()).maxMessageBytes(1000));
        client.sendBinary(new byte[1000]);
        assertEquals(1000, connection.readFrame().payload().length, "a message at the limit passes");
        client.sendBinary(new byte[2000]);
        clientExpectsClose(1009);
        upstreamExpectsClose(1001);
    }

    @Test
    void fragmentedMessageOverTheLimitFromTheClientGives1009AndTheUpstream1001() throws Exception {
        upstream = RawUpstream.start();
        relay(Proxies.to(upstream.uri()).maxMessageBytes(1000));
        client.send(Frame.encode(false, 0, Frame.BINARY, new byte[700], true));
        client.send(Frame.encode(false, 0, Frame.CONTINUATION, new byte[700], true));
        client.send(Frame.encode(true, 0, Frame.CONTINUATION, new byte[700], true));
        clientExpectsClose(1009);
        Frame frame = connection.readFrame();
        if (!frame.isClose()) {
            assertEquals(700, frame.payload().length, "only the first fragment fits: " + frame);
            frame = connection.readFrame();
        }
        assertTrue(frame.isClose() && frame.closeCode() == 1001, "upstream expected Close 1001, got " + frame);
    }

    @Test
    void messageOverTheLimitFromTheUpstreamGivesIt1009AndTheClient1001() throws Exception {
        upstream = RawUpstream.start();
        relay(Proxies.to(upstream.uri()).maxMessageBytes(1000));
        connection.send(Frame.binary(new byte[2000], false));
        upstreamExpectsClose(1009);
        clientExpectsClose(1001);
    }

    @Test
    void clientClosingTcpWithoutCloseGivesTheUpstream1001() throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.start(backend.uri());
        client = RawClient.open(proxy.address());
        Await.until("backend has the connection", WAIT, () -> backend.openCount() == 1);
        client.close();
        CloseEvent close = backend.nextClose(Duration.ofSeconds(2));
        assertEquals(1001, close.code(), close::toString);
        Await.until("connection released", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void clientResettingTcpGivesTheUpstream1001() throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.start(backend.uri());
        client = RawClient.open(proxy.address());
        Await.until("backend has the connection", WAIT, () -> backend.openCount() == 1);
        client.abort();
        CloseEvent close = backend.nextClose(Duration.ofSeconds(2));
        assertEquals(1001, close.code(), close::toString);
        Await.until("connection released", WAIT, () -> proxy.openConnections() == 0);
    }

    @Test
    void closeHandshakeIsForwardedBothWaysThenBothConnectionsEnd() throws Exception {
        relay();
        client.sendClose(4000, "done");
        Frame forwarded = upstreamExpectsClose(4000);
        assertEquals("done", forwarded.closeReason());
        connection.send(Frame.close(4000, "ok", false));
        Frame reply = clientExpectsClose(4000);
        assertEquals("ok", reply.closeReason());
        bothEndPromptly();
    }

    @Test
    void unansweredCloseEndsBothConnectionsAfterTheCloseTimeout() throws Exception {
        upstream = RawUpstream.start();
        relay(Proxies.to(upstream.uri()).closeTimeout(Duration.ofMillis(500)));
        long start = System.nanoTime();
        client.sendClose(1000, "bye");
        upstreamExpectsClose(1000); // and never answer
        connection.awaitEof(Duration.ofMillis(500 + 1_500));
        long upstreamMillis = (System.nanoTime() - start) / 1_000_000;
        client.awaitEof(Duration.ofMillis(500 + 1_500));
        long clientMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(upstreamMillis >= 400, "upstream closed after " + upstreamMillis + " ms, before the close timeout");
        assertTrue(clientMillis < 2_000, "client closed after " + clientMillis + " ms");
        Await.until("connection released", WAIT, () -> proxy.openConnections() == 0);
    }
}
