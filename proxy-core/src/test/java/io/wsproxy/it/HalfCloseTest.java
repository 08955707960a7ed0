package io.wsproxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Frame;
import io.wsproxy.testing.HttpHead;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.RawClient;
import io.wsproxy.testing.RawUpstream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A peer that ends its direction (FIN) after sending its Close is still reading (TCP half-close): what is owed to
 * it, late data frames and the Close reply, must still reach it.
 */
@Timeout(20)
@ExtendWith(LeakCheck.class)
class HalfCloseTest {

    @Test
    void upstreamThatHalfClosesAfterItsCloseStillGetsTheClientsReply() throws Exception {
        try (RawUpstream upstream = RawUpstream.start()) {
            ProxyServer proxy = Proxies.start(upstream.uri());
            try (RawClient client = RawClient.connect(proxy.address())) {
                client.send(client.upgradeRequest("/", HttpHead.newKey()));
                RawUpstream.Connection up = upstream.acceptHandshake();
                assertEquals(101, client.readHead().status());
                up.send(Frame.close(1000, "server bye", false));
                up.socket().shutdownOutput();
                Frame close = client.readFrame();
                assertTrue(close.isClose());
                client.sendText("sent before I saw your Close");
                client.sendClose(1000, "client bye");
                Frame first = up.readFrame();
                assertEquals(Frame.TEXT, first.opcode());
                up.expectClose(1000);
            } finally {
                Proxies.closeQuietly(proxy);
            }
        }
    }

    @Test
    void clientThatHalfClosesAfterItsCloseStillGetsTheUpstreamsReply() throws Exception {
        try (RawUpstream upstream = RawUpstream.start()) {
            ProxyServer proxy = Proxies.start(upstream.uri());
            try (RawClient client = RawClient.connect(proxy.address())) {
                client.send(client.upgradeRequest("/", HttpHead.newKey()));
                RawUpstream.Connection up = upstream.acceptHandshake();
                assertEquals(101, client.readHead().status());
                client.sendClose(1000, "client bye");
                client.socket().shutdownOutput();
                up.expectClose(1000);
                up.send(Frame.text("late message", false));
                up.send(Frame.close(1000, "server bye", false));
                Frame first = client.readFrame();
                assertEquals(Frame.TEXT, first.opcode());
                assertTrue(client.readFrame().isClose());
            } finally {
                Proxies.closeQuietly(proxy);
            }
        }
    }
}
