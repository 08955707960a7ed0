package io.wsproxy.internal.relay;

import io.wsproxy.internal.loop.ChannelHandler;
import io.wsproxy.internal.loop.TimerTask;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts client connections on one listening socket and hands each to a loop of the relay. When accepting fails
 * (typically the process is out of file descriptors) it stops accepting for a short pause instead of spinning,
 * as nginx does.
 *
 * <p>Runs on the loop its listening socket is registered with.
 */
final class Acceptor implements ChannelHandler {
    private static final Logger log = LoggerFactory.getLogger(Acceptor.class);
    /** Most connections accepted per readiness event, so one busy listener does not starve the loop. */
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Relay relay;
    private final RelayLoop loop;
    private final ServerSocketChannel server;
    private final Listener listener;
    private SelectionKey key;
    private final TimerTask resume = new TimerTask() {
        @Override
        protected void expired(long now) {
            if (key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        }

        @Override
        protected void failed(Throwable cause) {
            log.error("Resuming accepts on {} failed", server, cause);
        }
    };

    Acceptor(Relay relay, RelayLoop loop, ServerSocketChannel server, Listener listener) {
        this.relay = relay;
        this.loop = loop;
        this.server = server;
        this.listener = listener;
    }

    /** Registers for accepts; loop thread only. */
    void register() throws IOException {
        key = loop.loop.register(server, SelectionKey.OP_ACCEPT, this);
    }

    @Override
    public void ready(SelectionKey key, int readyOps) {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                log.warn("Accepting on {} failed, pausing accepts for 100 ms: {}", relay.describe(server), e.toString());
                key.interestOps(0);
                loop.timers().schedule(resume, loop.now() + PAUSE_NANOS);
                return;
            }
            if (channel == null) {
                return;
            }
            relay.dispatch(channel, listener);
        }
    }

    @Override
    public void failed(Throwable cause) {
        log.error("Acceptor of {} failed", relay.describe(server), cause);
    }

    /** Stops listening, on the acceptor's loop. Any thread. */
    void loopExecuteClose() {
        loop.execute(this::close);
    }

    /** Stops listening; loop thread only. */
    void close() {
        loop.timers().cancel(resume);
        if (key != null) {
            key.cancel();
        }
        try {
            server.close();
        } catch (IOException e) {
            log.debug("Closing {} failed: {}", server, e.toString());
        }
    }
}
