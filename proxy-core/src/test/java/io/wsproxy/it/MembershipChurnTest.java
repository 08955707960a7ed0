package io.wsproxy.it;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.CloseEvent;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import io.wsproxy.upstream.BalancingStrategy;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Members added, removed, drained and added again from several threads at once while 500 client connections come
 * and go through the proxy: no membership call fails, every client gets its echoes or a 1012 from a drain, and
 * afterwards the members', the proxy's and the backends' connection counts are back to zero and agree with what the
 * clients saw.
 */
@ExtendWith(LeakCheck.class)
class MembershipChurnTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Upgrades in all; a connection closed by a drain counts too, and its client goes on with a new one. */
    private static final int CONNECTIONS = 500;
    private static final int CLIENT_THREADS = 16;
    /** Backends that membership threads keep adding and removing as primaries; one more is churned as a backup. */
    private static final int CHURNED_PRIMARIES = 3;
    private static final Duration DRAIN_SPREAD = Duration.ofMillis(50);
    /** Queued on a client's messages when it is closed, so one wait covers "the echo or the close". */
    private static final Object CLOSED = new Object();

    private final List<EchoBackend> backends = new ArrayList<>();
    private final Set<TestClient> openClients = ConcurrentHashMap.newKeySet();
    private ProxyServer proxy;
    private UpstreamPool pool;
    private URI proxyUri;
    private final Progress progress = new Progress();

    /** Every member ever put in the pool, the anchor first. */
    private final List<Upstream> created = new CopyOnWriteArrayList<>();
    private final AtomicInteger tickets = new AtomicInteger();
    private final AtomicInteger upgrades = new AtomicInteger();
    private final AtomicInteger messagesSent = new AtomicInteger();
    private final AtomicInteger echoes = new AtomicInteger();
    private final AtomicInteger drainedBeforeEcho = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();
    private final AtomicInteger closedByDrain = new AtomicInteger();
    private final AtomicInteger drains = new AtomicInteger();
    private final AtomicInteger plannedDrainCloses = new AtomicInteger();

    /**
     * The upgrades the clients have seen, for membership threads to pace themselves by (so that their changes are
     * spread over the whole churn however fast the machine is), and whether the churn is over. Guarded by itself.
     */
    private static final class Progress {
        private int upgrades;
        private boolean over;

        synchronized void upgraded() {
            upgrades++;
            notifyAll();
        }

        synchronized void over() {
            over = true;
            notifyAll();
        }

        synchronized boolean isOver() {
            return over;
        }

        /** Waits for {@code more} further upgrades, or the end of the churn. */
        synchronized void awaitMore(int more) throws InterruptedException {
            int target = upgrades + more;
            while (upgrades < target && !over) {
                wait();
            }
        }

        /** Waits until {@code condition} holds, checked after each upgrade, or the end of the churn. */
        synchronized void awaitUntil(BooleanSupplier condition) throws InterruptedException {
            while (!condition.getAsBoolean() && !over) {
                wait();
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < CHURNED_PRIMARIES + 2; i++) {
            backends.add(EchoBackend.start(i == 0 ? "anchor" : "backend-" + i));
        }
        Upstream anchor = Upstream.of(backends.get(0).uri());
        created.add(anchor);
        pool = UpstreamPool.builder().add(anchor).strategy(BalancingStrategy.leastConnections()).build();
        proxy = Proxies.to(anchor.uri().toString()).upstreams(pool).build().start();
        proxyUri = Proxies.uri(proxy);
    }

    @AfterEach
    void stop() {
        openClients.parallelStream().forEach(client -> client.closeQuietly(Duration.ofSeconds(2)));
        Proxies.closeQuietly(proxy);
        backends.forEach(EchoBackend::close);
    }

    @Test
    @Timeout(value = 120, unit = SECONDS)
    void membershipChangesFromManyThreadsDuringChurnFailNothingAndLeaveConsistentCounts() throws Exception {
        int membershipThreads = CHURNED_PRIMARIES + 1;
        CountDownLatch membersChurning = new CountDownLatch(membershipThreads);
        AtomicInteger clientsLeft = new AtomicInteger(CLIENT_THREADS);
        ExecutorService threads = Executors.newFixedThreadPool(membershipThreads + CLIENT_THREADS, task -> {
            Thread thread = new Thread(task, "membership-churn-test");
            thread.setDaemon(true);
            return thread;
        });
        List<Future<Integer>> membership = new ArrayList<>();
        List<Future<Integer>> clients = new ArrayList<>();
        try {
            for (int i = 1; i <= membershipThreads; i++) {
                EchoBackend backend = backends.get(i);
                boolean backup = i == membershipThreads;
                long seed = i;
                membership.add(threads.submit(() -> churnMembers(backend, backup, seed, membersChurning)));
            }
            assertTrue(membersChurning.await(DEADLINE.toMillis(), MILLISECONDS), "membership threads started");
            for (int i = 0; i < CLIENT_THREADS; i++) {
                clients.add(threads.submit(() -> {
                    try {
                        return churnConnections();
                    } catch (Throwable e) {
                        tickets.set(CONNECTIONS); // the others stop soon too
                        throw e;
                    } finally {
                        if (clientsLeft.decrementAndGet() == 0) {
                            progress.over();
                        }
                    }
                }));
            }
            List<Integer> cycles = results("client", clients);
            List<Integer> rounds = results("membership", membership);
            assertEquals(CONNECTIONS, cycles.stream().mapToInt(Integer::intValue).sum(), "upgrades by the clients");
            assertTrue(rounds.stream().allMatch(r -> r > 0), "every membership thread changed the pool: " + rounds);
        } finally {
            progress.over();
            threads.shutdownNow();
        }

        Upstream anchor = created.get(0);
        assertEquals(List.of(anchor), pool.members(), "each thread removed what it added");
        Await.until(() -> "every member's connections to end: " + busyMembers(), DEADLINE,
                () -> busyMembers().isEmpty());
        Await.until(() -> "the proxy's connections to end, now " + proxy.openConnections(), DEADLINE,
                () -> proxy.openConnections() == 0);
        Await.until(() -> "the backends' connections to end: " + openPerBackend(), DEADLINE,
                () -> backends.stream().allMatch(backend -> backend.openCount() == 0));
        Await.until(() -> "the backends to have accepted each upgrade the clients saw (" + upgrades + "): "
                        + openedPerBackend(), DEADLINE,
                () -> backends.stream().mapToInt(EchoBackend::openedCount).sum() == upgrades.get());

        assertEquals(CONNECTIONS, upgrades.get(), "upgrades");
        assertEquals(0, backends.get(CHURNED_PRIMARIES + 1).openedCount(), "the backup took no connection");
        assertEquals(messagesSent.get(), echoes.get() + drainedBeforeEcho.get(),
                "each message echoed, or its connection closed by a drain first");
        assertEquals(upgrades.get(), closedByClient.get() + closedByDrain.get(),
                "each connection closed by its client or by a drain");
        assertTrue(drains.get() > 0 && plannedDrainCloses.get() > 0,
                "drains closed connections: " + drains + " drains planned " + plannedDrainCloses + " closes");
        assertTrue(closedByDrain.get() <= plannedDrainCloses.get(),
                "clients closed with 1012 (" + closedByDrain + ") at most the closes the drains planned ("
                        + plannedDrainCloses + ")");
    }

    /**
     * One membership thread: again and again puts a fresh member for {@code backend} in the pool, lets a few
     * connections come, then removes it, every third time at once, every third time after draining it (once it has
     * a connection) and every third time after draining it and letting a few more connections come. Returns the
     * rounds made.
     */
    private int churnMembers(EchoBackend backend, boolean backup, long seed, CountDownLatch started)
            throws InterruptedException {
        Random random = new Random(seed);
        int round = 0;
        do {
            Upstream member = Upstream.of(backend.uri());
            created.add(member);
            if (backup) {
                pool.addBackup(member);
            } else {
                pool.add(member);
            }
            assertTrue(pool.members().contains(member), () -> member + " in the pool after it was added");
            assertEquals(backup, pool.isBackup(member), () -> member + " a backup");
            if (round == 0) {
                started.countDown();
            }
            progress.awaitMore(1 + random.nextInt(8));
            switch (round % 3) {
                case 0 -> {
                    // removed with its connections open: they go on until their clients close them
                }
                case 1 -> {
                    if (!backup) {
                        progress.awaitUntil(() -> member.activeConnections() > 0);
                    }
                    drain(member);
                }
                default -> {
                    drain(member);
                    progress.awaitMore(1 + random.nextInt(4));
                }
            }
            assertTrue(pool.remove(member), () -> member + " was a member until removed");
            assertFalse(pool.members().contains(member), () -> member + " in the pool after it was removed");
            round++;
        } while (!progress.isOver());
        return round;
    }

    private void drain(Upstream member) {
        plannedDrainCloses.addAndGet(proxy.drain(member, Duration.ZERO, DRAIN_SPREAD));
        drains.incrementAndGet();
        assertTrue(member.draining(), () -> member + " draining");
    }

    /**
     * One client thread: takes tickets for connections until there are none left; on each new connection sends a
     * message and expects its echo, then sends a second one on the previous connection (held meanwhile, so that
     * connections outlive membership changes) and closes that. A connection closed by a drain is counted and left.
     * Returns the connections opened.
     */
    private int churnConnections() throws InterruptedException {
        int opened = 0;
        TestClient held = null;
        int heldTicket = -1;
        for (int ticket = tickets.getAndIncrement(); ticket < CONNECTIONS; ticket = tickets.getAndIncrement()) {
            TestClient client = open();
            client.closed.thenRun(() -> client.messages.add(CLOSED));
            opened++;
            upgrades.incrementAndGet();
            progress.upgraded();
            boolean open = exchange(client, "first on " + ticket);
            if (held != null) {
                finish(held, "second on " + heldTicket);
            }
            held = open ? client : null;
            heldTicket = ticket;
        }
        if (held != null) {
            finish(held, "second on " + heldTicket);
        }
        return opened;
    }

    /**
     * Opens a connection through the proxy; fails unless the upgrade succeeds. A drain may close the connection
     * right after the upgrade, before {@code connectBlocking} returns (which then says false): it is open all the
     * same, and {@link #exchange} finds it closed.
     */
    private TestClient open() throws InterruptedException {
        TestClient client = new TestClient(proxyUri, new Draft_6455(), Map.of());
        openClients.add(client);
        client.connectBlocking(DEADLINE.toMillis(), MILLISECONDS);
        assertTrue(client.opened.isDone(), () -> "Upgrade through the proxy failed: " + client.closed.getNow(null)
                + " " + client.errors);
        return client;
    }

    /** Sends {@code text} and waits for its echo: true; or for a close by a drain first: false, counted as drained. */
    private boolean exchange(TestClient client, String text) throws InterruptedException {
        messagesSent.incrementAndGet();
        try {
            client.send(text);
        } catch (WebsocketNotConnectedException closing) {
            drainedBeforeEcho.incrementAndGet();
            closedByDrain(client, text);
            return false;
        }
        Object reply = client.messages.poll(DEADLINE.toMillis(), MILLISECONDS);
        if (reply == null) {
            fail("No echo of '" + text + "' and no close within " + DEADLINE.toMillis() + " ms; client "
                    + client.getLocalSocketAddress() + ", errors: " + client.errors + "; the proxy's connections: "
                    + proxy.connections() + "; members: " + busyMembers() + "; backends that received it: "
                    + backendsThatReceived(text));
        }
        if (reply == CLOSED) {
            drainedBeforeEcho.incrementAndGet();
            closedByDrain(client, text);
            return false;
        }
        assertEquals(text, reply, "the echo");
        echoes.incrementAndGet();
        return true;
    }

    /** Exchanges a last message on {@code client}, then closes it, unless a drain closes it first. */
    private void finish(TestClient client, String text) throws InterruptedException {
        if (!exchange(client, text)) {
            return;
        }
        client.close();
        CloseEvent close = client.awaitClose(DEADLINE);
        if (close.code() == 1000) {
            closedByClient.incrementAndGet();
        } else if (close.code() == 1012) {
            closedByDrain.incrementAndGet(); // the drain's close crossed the client's
        } else {
            fail("The client's close of the connection of '" + text + "' ended with " + close);
        }
        openClients.remove(client);
    }

    /** Checks that the connection of {@code text} was closed by a drain: 1012 from the proxy. */
    private void closedByDrain(TestClient client, String text) throws InterruptedException {
        CloseEvent close = client.awaitClose(DEADLINE);
        assertEquals(1012, close.code(), () -> "close code of the connection of '" + text + "': " + close
                + ", errors: " + client.errors);
        assertTrue(close.remote(), () -> "the proxy closed the connection of '" + text + "'");
        closedByDrain.incrementAndGet();
        openClients.remove(client);
    }

    /** Each future's result; fails with the first failure, the others suppressed, if any failed. */
    private static List<Integer> results(String what, List<Future<Integer>> futures) throws InterruptedException {
        List<Integer> results = new ArrayList<>();
        AssertionError failure = null;
        for (Future<Integer> future : futures) {
            try {
                results.add(future.get(90, SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (failure == null) {
                    failure = new AssertionError("A " + what + " thread failed: " + cause, cause);
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /** Members with open or pending connections, with their counts. */
    private List<String> busyMembers() {
        List<String> busy = new ArrayList<>();
        for (int i = 0; i < created.size(); i++) {
            Upstream member = created.get(i);
            if (member.activeConnections() != 0 || member.pendingConnections() != 0) {
                busy.add("#" + i + " " + member + " active " + member.activeConnections() + " pending "
                        + member.pendingConnections());
            }
        }
        return busy;
    }

    private List<String> backendsThatReceived(String text) {
        return backends.stream().filter(b -> b.recordedMessages().contains(text)).map(EchoBackend::toString)
                .collect(Collectors.toList());
    }

    private String openPerBackend() {
        return backends.stream().map(b -> b.name() + "=" + b.openCount()).collect(Collectors.joining(" "));
    }

    private String openedPerBackend() {
        return backends.stream().map(b -> b.name() + "=" + b.openedCount()).collect(Collectors.joining(" "));
    }
}
