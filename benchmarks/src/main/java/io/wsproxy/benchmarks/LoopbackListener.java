package io.wsproxy.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listening socket on 127.0.0.1 (ephemeral port) served by a {@link SelectorLoop}: each accepted connection is
 * made non-blocking with TCP_NODELAY and registered for reads with the handler the factory gives it.
 *
 * <p>Loop thread only, except {@link #port()}.
 */
final class LoopbackListener implements SelectorLoop.Handler {
    /** Makes the handler of one accepted connection. */
    interface Accepted {
        SelectorLoop.Handler handler(SocketChannel channel) throws IOException;
    }

    private final ServerSocketChannel server;
    private final Accepted accepted;

    LoopbackListener(SelectorLoop loop, Accepted accepted) throws IOException {
        this.accepted = accepted;
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 16_384);
        server.configureBlocking(false);
        loop.execute(() -> {
            try {
                server.register(loop.selector(), SelectionKey.OP_ACCEPT, this);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.register(key.selector(), SelectionKey.OP_READ, accepted.handler(channel));
        }
    }
}
