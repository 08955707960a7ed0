package io.wsproxy.examples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The request to reload the TLS certificates, raised by SIGHUP (as {@code nginx -s reload} sends it) or by a test.
 *
 * <p>The SIGHUP handler is installed only when the runner serves wss:// and subscribes with {@link #onRequest};
 * until then SIGHUP keeps the JVM's meaning, a shutdown. Where SIGHUP cannot be handled (under {@code -Xrs}, on
 * Windows) or is ignored (a process started with {@code nohup}, whose SIGHUP the JVM leaves ignored) one log line
 * says so, and {@code --tls-watch} is the way to reload. Thread-safe; the action runs on the thread that raises the
 * request (for SIGHUP, a thread the JVM starts for the signal).
 */
public final class ReloadSignal {
    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

    private final boolean fromHangup;
    /** The subscriber's reload; null while there is none. */
    private volatile Runnable action;
    /** Whether the SIGHUP handler was installed (or tried); guarded by {@code this}. */
    private boolean installed;

    private ReloadSignal(boolean fromHangup) {
        this.fromHangup = fromHangup;
    }

    /** A signal raised only by {@link #request()}. */
    public static ReloadSignal manual() {
        return new ReloadSignal(false);
    }

    /** A signal also raised by SIGHUP, once something subscribes, as far as this JVM lets SIGHUP be handled. */
    public static ReloadSignal onHangup() {
        return new ReloadSignal(true);
    }

    /**
     * Runs {@code reload} on every request from now on, instead of any earlier action; null for none. The first
     * subscription of an {@link #onHangup()} signal installs the SIGHUP handler.
     */
    public void onRequest(Runnable reload) {
        this.action = reload;
        if (reload != null && fromHangup) {
            installHandler();
        }
    }

    /** Runs the subscribed action, if any, on the calling thread. */
    public void request() {
        Runnable reload = action;
        if (reload != null) {
            reload.run();
        }
    }

    private synchronized void installHandler() {
        if (installed) {
            return;
        }
        installed = true;
        try {
            SignalHandler previous = Signal.handle(new Signal("HUP"), received -> {
                log.debug("SIGHUP received, reloading");
                request();
            });
            if (previous == SignalHandler.SIG_IGN) {
                log.info("SIGHUP is ignored in this process (started with nohup?), so it cannot reload the TLS"
                        + " certificates; --tls-watch can");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.info("SIGHUP cannot be handled here ({}); --tls-watch reloads the TLS certificates instead",
                    e.getMessage());
        }
    }
}
