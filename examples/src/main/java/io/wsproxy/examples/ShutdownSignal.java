package io.wsproxy.examples;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The request to shut the runner down, raised by SIGTERM or SIGINT (Ctrl-C) or by a test.
 *
 * <p>The runner handles these signals itself instead of leaving them to the JVM, so that its main thread can close
 * the proxy gracefully and then exit with status 0; with the JVM's default handling the shutdown hooks would run
 * but the exit status would be 143 or 130. Where the signals cannot be handled (e.g. under {@code -Xrs}) the
 * runner's shutdown hook still closes the proxy. Thread-safe.
 */
public final class ShutdownSignal {
    private static final Logger log = LoggerFactory.getLogger(ShutdownSignal.class);

    private final CountDownLatch requested = new CountDownLatch(1);

    private ShutdownSignal() {
    }

    /** A signal raised only by {@link #request()}. */
    public static ShutdownSignal manual() {
        return new ShutdownSignal();
    }

    /** A signal also raised by SIGTERM and SIGINT, as far as this JVM lets them be handled. */
    public static ShutdownSignal onTerminateOrInterrupt() {
        ShutdownSignal signal = new ShutdownSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), received -> {
                    log.info("SIG{} received, shutting down", name);
                    signal.request();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                log.debug("SIG{} cannot be handled here; the shutdown hook will close the proxy", name, e);
            }
        }
        return signal;
    }

    public void request() {
        requested.countDown();
    }

    /** Waits until the shutdown is requested. */
    public void await() throws InterruptedException {
        requested.await();
    }
}
