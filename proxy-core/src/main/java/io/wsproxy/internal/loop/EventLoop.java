package io.wsproxy.internal.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread with one {@link Selector}: it dispatches readiness to {@link ChannelHandler}s, runs tasks submitted
 * from other threads, and advances its {@link TimerWheel}. Every connection lives on one loop for its whole life,
 * so its state needs no lock.
 *
 * <p>Threading: {@link #execute} and {@link #shutdown} may be called from any thread; everything else, and every
 * handler, timer and buffer of the loop, belongs to the loop thread. Wakeups are coalesced: a task submitted while
 * a wakeup is pending does not wake the selector again.
 */
public final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    /** Timer resolution; timeouts are rounded up to a multiple of it. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int TIMER_BUCKETS = 4096;
    private static final int MAX_SELECT_FAILURES = 100;

    private final String name;
    private final Selector selector;
    private final LongSupplier ticker;
    private final TimerWheel timers;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ByteBuffer readBuffer;
    private final BufferPool bufferPool;
    private final Thread thread;
    private final Consumer<SelectionKey> dispatcher = this::dispatch;
    /** Keys to dispatch with OP_READ again before the next blocking select; see {@link #dispatchAgain}. */
    private SelectionKey[] again = new SelectionKey[16];
    private int againCount;
    /** The batch being dispatched again, swapped with {@link #again} so that a handler may queue itself anew. */
    private SelectionKey[] dispatching = new SelectionKey[16];
    private volatile boolean running = true;
    /** The clock reading of the current batch; valid while {@link #nowValid}. */
    private long now;
    private boolean nowValid;
    /** Set once the loop takes no more tasks; see {@link #execute}. */
    private volatile boolean stopped;

    /**
     * @param readBufferSize  size of the buffer every read of this loop goes into
     * @param pooledSize      capacity of the buffers lent to connections for bytes held back
     * @param ticker          monotonic nanosecond clock, {@code System::nanoTime} outside tests
     */
    public EventLoop(String name, int readBufferSize, int pooledSize, int maxPooled, LongSupplier ticker) {
        this.name = name;
        this.ticker = ticker;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open a selector for " + name, e);
        }
        this.timers = new TimerWheel(TICK_NANOS, TIMER_BUCKETS, ticker.getAsLong());
        this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
        this.bufferPool = new BufferPool(pooledSize, maxPooled);
        this.thread = new Thread(this::run, name);
    }

    public void start() {
        thread.start();
    }

    public String name() {
        return name;
    }

    /** Whether the calling thread is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the loop thread, soon. Safe from any thread. Returns false when the loop has stopped and
     * the task will never run, so the caller can release what the task would have taken over.
     */
    public boolean execute(Runnable task) {
        tasks.add(task);
        // The loop sets stopped before its last drain of the queue: a task it may have missed is still queued.
        if (stopped && tasks.remove(task)) {
            return false;
        }
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
        return true;
    }

    /** Registers {@code channel} (non-blocking) for {@code ops} with {@code handler} as attachment. Loop thread only. */
    public SelectionKey register(SelectableChannel channel, int ops, ChannelHandler handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    /**
     * The loop's clock, in nanoseconds: read once per batch of ready events and reused until the loop selects
     * again, so that a handler stamping every read costs one clock read per wakeup rather than one per use.
     * Loop thread only; timers advance with a fresh reading.
     */
    public long now() {
        if (!nowValid) {
            now = ticker.getAsLong();
            nowValid = true;
        }
        return now;
    }

    public TimerWheel timers() {
        return timers;
    }

    /** The buffer every read on this loop goes into; its contents are valid only until the handler returns. */
    /**
     * Dispatches {@code key}'s handler with {@code OP_READ} after the current batch of events, without waiting for
     * the selector: for a transport that took more input from the socket than its handler could read at once (TLS
     * records), which no selector event would announce. The caller queues a key at most once per batch; a key
     * cancelled meanwhile is skipped. Loop thread only; allocates only to grow the queue.
     */
    public void dispatchAgain(SelectionKey key) {
        if (againCount == again.length) {
            again = java.util.Arrays.copyOf(again, againCount * 2);
        }
        again[againCount++] = key;
    }

    public ByteBuffer readBuffer() {
        return readBuffer;
    }

    public BufferPool bufferPool() {
        return bufferPool;
    }

    /** Asks the loop to stop after its current iteration, closing its selector. Safe from any thread. */
    public void shutdown() {
        running = false;
        selector.wakeup();
    }

    /** Waits for the loop thread to end. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    private void run() {
        int selectFailures = 0;
        try {
            while (running) {
                long timeout = timers.selectTimeoutMillis(ticker.getAsLong());
                nowValid = false;
                try {
                    // The Consumer forms of select dispatch without an iterator or a selected-key set to clear.
                    if (!tasks.isEmpty() || againCount > 0) {
                        selector.selectNow(dispatcher);
                    } else {
                        selector.select(dispatcher, timeout);
                    }
                    selectFailures = 0;
                } catch (IOException e) {
                    // A failing epoll_wait is transient in practice; give up only if it keeps failing.
                    if (++selectFailures >= MAX_SELECT_FAILURES) {
                        throw e;
                    }
                    log.warn("{}: select failed ({} in a row): {}", name, selectFailures, e.toString());
                }
                wakeupPending.set(false);
                dispatchQueued();
                nowValid = false;
                runTasks();
                timers.advance(ticker.getAsLong());
            }
        } catch (Throwable t) {
            log.error("{} stopped by an unexpected error", name, t);
        } finally {
            // Tasks submitted with the shutdown (closing connections) still run, and so does any submitted later.
            stopped = true;
            for (Runnable task; (task = tasks.poll()) != null; ) {
                runTask(task);
            }
            closeSelector();
            terminated.countDown();
        }
    }

    private void dispatch(SelectionKey key) {
        if (key.isValid()) {
            dispatch(key, key.readyOps());
        }
    }

    private void dispatch(SelectionKey key, int readyOps) {
        ChannelHandler handler = (ChannelHandler) key.attachment();
        try {
            handler.ready(key, readyOps);
        } catch (Throwable t) {
            failed(handler, t);
        }
    }

    private void dispatchQueued() {
        int count = againCount;
        if (count == 0) {
            return;
        }
        SelectionKey[] batch = again;
        again = dispatching;
        dispatching = batch;
        againCount = 0;
        for (int i = 0; i < count; i++) {
            SelectionKey key = batch[i];
            batch[i] = null;
            if (key.isValid()) {
                dispatch(key, SelectionKey.OP_READ);
            }
        }
    }

    private void runTasks() {
        // Only the tasks present now: a task that submits another does not keep the loop from selecting.
        for (int n = tasks.size(); n > 0; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            runTask(task);
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("{}: a task failed", name, t);
        }
    }

    private void failed(ChannelHandler handler, Throwable cause) {
        try {
            handler.failed(cause);
        } catch (Throwable t) {
            log.error("{}: a handler failed while failing", name, t);
        }
    }

    private void closeSelector() {
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                log.debug("{}: closing a channel at shutdown failed", name, e);
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("{}: closing the selector failed", name, e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
