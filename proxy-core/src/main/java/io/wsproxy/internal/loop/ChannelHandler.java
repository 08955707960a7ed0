package io.wsproxy.internal.loop;

import java.io.IOException;
import java.nio.channels.SelectionKey;

/**
 * Receives readiness events for one registered channel. Called only on the owning loop's thread.
 *
 * <p>The loop catches whatever {@link #ready} throws and hands it to {@link #failed}, so one
 * connection's failure never escapes into the loop (STYLE: one catch per connection in dispatch).
 */
public interface ChannelHandler {

    /** The channel is ready for the operations in {@code readyOps} (a {@link SelectionKey} bit set). */
    void ready(SelectionKey key, int readyOps) throws IOException;

    /** {@link #ready} threw: release everything this handler owns. Must not throw. */
    void failed(Throwable cause);
}
