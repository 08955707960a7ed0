package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ProxyServer.Builder#idleTimeout}: a connection on which no data passed either way for the idle timeout
 * gets Close 1001 "idle timeout" on both sides; data keeps it open; the proxy's own pings and pongs do not.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 20, unit = SECONDS)
class IdleTimeoutTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Generous slack for a loaded 2-core machine on top of a timer's nominal time. */
    private static final long MARGIN_MILLIS = 3_000;
    /** A timer may fire up to one wheel tick early relative to the test's clock. */
    private static final long TICK_TOLERANCE_MILLIS = 30;

    private ProxyServer proxy;
    private EchoBackend backend;
    private final List<TestClient> clients = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        for (TestClient client : clients) {
            client.closeQuietly(Duration.ofSeconds(2));
        }
        Proxies.closeQuietly(proxy);
        if (backend != null) {
            backend.close();
        }
    }

    private void start(HeartbeatPolicy heartbeat, Duration idleTimeout) throws Exception {
        backend = EchoBackend.start();
        proxy = Proxies.to(backend.uri()).heartbeat(heartbeat).idleTimeout(idleTimeout).build().start();
    }

    private TestClient open() throws InterruptedException {
        TestClient client = TestClient.open(Proxies.uri(proxy));
        clients.add(client);
        return client;
    }

    /** Both sides must get Close 1001 "idle timeout", from the proxy. */
    private void assertIdleClose(TestClient client, Duration within) throws InterruptedException {
        CloseEvent atClient = client.awaitClose(within);
        assertEquals(1001, atClient.code(), () -> "the client saw " + atClient);
        assertEquals("idle timeout", atClient.reason(), () -> "the client saw " + atClient);
        assertTrue(atClient.remote(), "the proxy started the close");
        CloseEvent atBackend = backend.nextClose(WAIT);
        assertEquals(1001, atBackend.code(), () -> "the backend saw " + atBackend);
        assertEquals("idle timeout", atBackend.reason(), () -> "the backend saw " + atBackend);
        assertTrue(atBackend.remote(), "the proxy started the close");
        Await.until(() -> "the proxy has no connection left, has " + proxy.openConnections(), WAIT,
                () -> proxy.openConnections() == 0);
    }

    @Test
    void connectionWithoutDataIsClosedWith1001OnBothSides() throws Exception {
        Duration idle = Duration.ofMillis(300);
        start(HeartbeatPolicy.disabled(), idle);
        long start = System.nanoTime(); // before the relay starts: the idle period cannot end before start + idle
        TestClient client = open();

        assertIdleClose(client, Duration.ofMillis(idle.toMillis() + MARGIN_MILLIS));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis >= idle.toMillis() - TICK_TOLERANCE_MILLIS,
                () -> "closed after " + elapsedMillis + " ms, before the idle timeout");
        assertEquals(0, client.pings.size(), "the heartbeat is off");
        assertEquals(0, proxy.heartbeatStats().pingsSent());
    }

    @Test
    void messagesEveryHundredMillisecondsKeepTheConnectionOpen() throws Exception {
        // A tenth of the idle timeout between messages: a stalled thread on a loaded machine cannot fake idleness.
        Duration idle = Duration.ofMillis(1000);
        start(HeartbeatPolicy.disabled(), idle);
        TestClient client = open();

        // 25 round trips, each started at least 100 ms after the previous one: more than 2 s with data
        // every 100 ms. Each echo is awaited, which proves the connection is open at that point.
        long start = System.nanoTime();
        long lastSent = 0;
        StringBuilder timeline = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            long wait = lastSent + 100_000_000L - System.nanoTime();
            if (i > 0 && wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the sender
            }
            lastSent = System.nanoTime();
            client.send("tick " + i);
            Object echo = client.messages.poll(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            timeline.append(String.format(" [%d sent %d ms, echo after %d ms]", i, (lastSent - start) / 1_000_000,
                    (System.nanoTime() - lastSent) / 1_000_000));
            String soFar = timeline.toString();
            int index = i;
            assertEquals("tick " + i, echo, () -> "echo " + index + "; closed: " + client.closed.getNow(null)
                    + "; timeline:" + soFar);
        }
        long openMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(openMillis >= 2_000, () -> "only " + openMillis + " ms");
        assertTrue(client.isOpen(), () -> "closed: " + client.closed.getNow(null));
        assertEquals(1, backend.openCount());

        // Then silence: the idle timeout applies again, counted from the last data.
        assertIdleClose(client, Duration.ofMillis(idle.toMillis() + MARGIN_MILLIS));
    }

    @Test
    void dataInOneDirectionOnlyKeepsTheConnectionOpen() throws Exception {
        Duration idle = Duration.ofMillis(1000);
        start(HeartbeatPolicy.disabled(), idle);
        TestClient client = open();
        Await.until("the backend has the connection", WAIT, () -> backend.openCount() == 1);

        long start = System.nanoTime();
        for (int i = 0; i < 25; i++) {
            long sentAt = System.nanoTime();
            backend.push("news " + i);
            assertEquals("news " + i, client.nextText(WAIT), "pushed message " + i);
            long wait = sentAt + 100_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the sender
            }
        }
        assertTrue(System.nanoTime() - start >= 2_000_000_000L);
        assertTrue(client.isOpen(), () -> "closed: " + client.closed.getNow(null));
    }

    @Test
    void theProxysPingsAndPongsDoNotKeepASilentConnectionOpen() throws Exception {
        Duration idle = Duration.ofMillis(500);
        Duration interval = Duration.ofMillis(100);
        start(HeartbeatPolicy.builder().interval(interval).timeout(Duration.ofSeconds(2)).build(), idle);
        long start = System.nanoTime();
        TestClient client = open();

        assertIdleClose(client, Duration.ofMillis(idle.toMillis() + MARGIN_MILLIS));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis >= idle.toMillis() - TICK_TOLERANCE_MILLIS,
                () -> "closed after " + elapsedMillis + " ms, before the idle timeout");
        // Heartbeats went both ways meanwhile (and were answered), yet the connection was idle.
        assertTrue(client.pings.size() >= 1, () -> "pings at the client: " + client.pings.size());
        assertTrue(backend.pings.size() >= 1, () -> "pings at the backend: " + backend.pings.size());
        assertTrue(proxy.heartbeatStats().pongsReceived() >= 2, () -> "pongs: " + proxy.heartbeatStats());
        assertEquals(0, proxy.heartbeatStats().timeouts(), "no heartbeat timeout");
        assertEquals(0, client.pongs.get(), "no pong reached the client");
        assertTrue(backend.pongs.isEmpty(), "no pong reached the backend");
    }
}
