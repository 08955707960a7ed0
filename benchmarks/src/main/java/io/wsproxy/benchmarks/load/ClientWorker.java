package io.wsproxy.benchmarks.load;

import io.wsproxy.benchmarks.LatencyHistogram;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One selector thread of the load tool and the connections assigned to it (global indices {@code id},
 * {@code id + threads}, ...). Counters and the histogram are touched by this thread only and read by the main thread
 * after {@link #join()}.
 */
final class ClientWorker implements Runnable {
    final LoadTool.Config config;
    final LoadTool.Control control;
    final int id;
    final Selector selector;
    /** {@code --tls}: makes each connection's TLS session; null for plain ws://. */
    final ClientTls tls;
    final BufferPool pool = new BufferPool(64 * 1024);
    final long[] header = new long[2];
    final byte[] pattern;
    final Random random = new Random();
    private final SplittableRandom masks = new SplittableRandom();
    private final Thread thread;
    private Thread pacer;

    /** Echo, rate, idle: this worker's connections in global index order. */
    private final List<ClientConnection> connections = new ArrayList<>();
    private int nextToOpen;
    private int handshaking;
    private final int maxHandshaking;
    /** Churn: this worker's share of the concurrent loops and how many are running. */
    private final int churnSlots;
    private int churnActive;
    private int churnIndex;

    boolean trafficBegun;
    private boolean inWindow;
    /** Rate: the next message of this worker in time order (connection k % n, sequence k / n). */
    private long rateCursor;

    // Results.
    final LatencyHistogram latency = new LatencyHistogram();
    long messages; // echoes received in the window
    long sent; // messages fully queued for sending (whole run)
    long errors;
    long verificationErrors;
    long closedByPeer; // idle: connections the peer closed after `ready`
    long handshakesInWindow; // churn
    long cyclesInWindow; // churn
    long pings;
    /** TLS: what the first upgraded connection negotiated; null until then or without TLS. */
    String tlsProtocol;
    String tlsCipherSuite;
    /** TLS: sessions established (whole run) and how many of them resumed an earlier one. */
    long tlsSessions;
    long tlsResumed;

    ClientWorker(LoadTool.Config config, LoadTool.Control control, int id) throws IOException {
        this.config = config;
        this.control = control;
        this.id = id;
        this.selector = Selector.open();
        this.tls = config.tls;
        this.pattern = new byte[config.size + 256 + 8];
        new Random(0x5EED).nextBytes(pattern);
        int threads = config.threads;
        this.maxHandshaking = Math.max(1, config.handshakesInFlight / threads);
        if (config.mode == LoadTool.Mode.CHURN) {
            churnSlots = config.concurrency / threads + (id < config.concurrency % threads ? 1 : 0);
        } else {
            churnSlots = 0;
            for (int i = id; i < config.connections; i += threads) {
                connections.add(new ClientConnection(this, i));
            }
        }
        this.thread = new Thread(this, "load-" + id);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
        if (config.mode == LoadTool.Mode.RATE) {
            pacer = new Thread(this::pace, "load-pacer-" + id);
            pacer.setDaemon(true);
            pacer.start();
        }
    }

    void join() throws InterruptedException {
        thread.join(10_000);
        if (pacer != null) {
            pacer.join(1_000);
        }
    }

    InetSocketAddress nextSource() {
        int i = (int) (control.sourceCounter.getAndIncrement() % config.sources.length);
        return config.sources[i];
    }

    int nextMask() {
        int mask;
        do {
            mask = masks.nextInt();
        } while (mask == 0);
        return mask;
    }

    @Override
    public void run() {
        try {
            while (!control.stop) {
                long now = System.nanoTime();
                openMore(now);
                selector.select(10);
                now = System.nanoTime();
                inWindow = now >= control.windowStart && now < control.windowEnd;
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    ((ClientConnection) key.attachment()).ready(now);
                }
                if (now >= control.trafficStart) {
                    if (!trafficBegun) {
                        trafficBegun = true;
                        if (config.mode == LoadTool.Mode.ECHO) {
                            for (ClientConnection connection : connections) {
                                connection.send(now);
                            }
                        }
                    }
                    if (config.mode == LoadTool.Mode.RATE) {
                        sendDue(now);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            errors++;
            control.error("load thread " + id + ": " + e);
        } finally {
            for (ClientConnection connection : connections) {
                connection.close();
            }
            for (SelectionKey key : selector.keys()) {
                ((ClientConnection) key.attachment()).close();
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // Done anyway.
            }
        }
    }

    /** Starts connects up to the handshake limit (echo, rate, idle) or up to this worker's churn loops. */
    private void openMore(long now) {
        if (config.mode == LoadTool.Mode.CHURN) {
            while (churnActive < churnSlots && !control.stop) {
                churnActive++;
                new ClientConnection(this, id + config.threads * (churnIndex++ % Math.max(1, churnSlots)))
                        .connect(now);
            }
            return;
        }
        while (handshaking < maxHandshaking && nextToOpen < connections.size()) {
            handshaking++;
            connections.get(nextToOpen++).connect(now);
        }
    }

    // Rate schedule: message n of connection i is due at trafficStart + i / R + n * C / R.

    long scheduledTime(int index, long seq) {
        return control.trafficStart + index * 1_000_000_000L / config.rate
                + seq * config.connections * 1_000_000_000L / config.rate;
    }

    private void sendDue(long now) throws IOException {
        int n = connections.size();
        while (true) {
            ClientConnection connection = connections.get((int) (rateCursor % n));
            long seq = rateCursor / n;
            if (scheduledTime(connection.index, seq) > now) {
                return;
            }
            rateCursor++;
            connection.due = seq + 1;
            connection.send(now);
        }
    }

    /** Rate mode: wakes the selector at each due time (batching sends less than 50 µs apart). */
    private void pace() {
        while (control.trafficStart == Long.MAX_VALUE && !control.stop) {
            LockSupport.parkNanos(1_000_000);
        }
        long period = Math.max(50_000L, config.threads * 1_000_000_000L / config.rate);
        long next = control.trafficStart + id * 1_000_000_000L / config.rate;
        while (!control.stop) {
            long now;
            while ((now = System.nanoTime()) < next) {
                LockSupport.parkNanos(next - now);
            }
            selector.wakeup();
            next += period;
            if (next < now) {
                next = now + period;
            }
        }
    }

    // Events from the connections.

    void upgraded(ClientConnection connection, long connectNanos, long now) {
        if (config.mode == LoadTool.Mode.CHURN) {
            if (inWindow) {
                handshakesInWindow++;
                latency.record(connectNanos);
            }
            return;
        }
        handshaking--;
        if (config.mode == LoadTool.Mode.IDLE) {
            latency.record(connectNanos);
        }
        control.upgraded.incrementAndGet();
    }

    void tlsEstablished(String protocol, String cipherSuite, boolean resumed) {
        if (tlsProtocol == null) {
            tlsProtocol = protocol;
            tlsCipherSuite = cipherSuite;
        }
        tlsSessions++;
        if (resumed) {
            tlsResumed++;
        }
    }

    void message(long now, long latencyNanos) {
        if (inWindow) {
            messages++;
            latency.record(latencyNanos);
        }
    }

    void cycleDone(ClientConnection connection, long now) {
        if (inWindow) {
            cyclesInWindow++;
        }
        churnActive--;
    }

    void verificationError() {
        verificationErrors++;
    }

    /** The peer closed an upgraded (or upgrading) connection. */
    void peerClosed(ClientConnection connection, boolean wasOpen, String message) {
        if (config.mode == LoadTool.Mode.IDLE && wasOpen && control.holding) {
            closedByPeer++;
            return;
        }
        failed(connection, wasOpen, message);
    }

    void failed(ClientConnection connection, boolean wasOpen, String message) {
        errors++;
        control.error(message);
        if (config.mode == LoadTool.Mode.CHURN) {
            churnActive--;
        } else if (!wasOpen) {
            handshaking--;
        }
    }
}
