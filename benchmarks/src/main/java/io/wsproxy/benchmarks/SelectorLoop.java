package io.wsproxy.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The load generator's single NIO thread: runs the backend and (for the echo load) the clients. Other threads hand it
 * work with {@link #execute(Runnable)}; everything registered on {@link #selector()} is touched only by this thread.
 */
final class SelectorLoop implements AutoCloseable {
    /** What a selection key is attached to. */
    interface Handler {
        /** Called on the loop thread with the ready ops; an exception closes the key's channel. */
        void ready(SelectionKey key) throws IOException;
    }

    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Run on the loop thread after each select round; the echo load uses it to react to start/stop. */
    private volatile Runnable afterEachRound = () -> { };

    SelectorLoop(String name) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    Selector selector() {
        return selector;
    }

    void start() {
        thread.start();
    }

    void afterEachRound(Runnable action) {
        this.afterEachRound = action;
    }

    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void run() {
        try {
            while (running) {
                selector.select(10);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    try {
                        ((Handler) key.attachment()).ready(key);
                    } catch (IOException | RuntimeException e) {
                        key.cancel();
                        key.channel().close();
                        System.err.println("load: closed a connection: " + e);
                    }
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                afterEachRound.run();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                e.printStackTrace();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException ignored) {
                // Closing; nothing to do.
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // Closing; nothing to do.
        }
    }
}
