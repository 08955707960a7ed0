package io.wsproxy.tls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a few small files for changes of their contents (read through symbolic links, so that the link swap of a
 * Kubernetes secret volume or certbot's renewal counts) and runs an action once after each change. Polling rather
 * than a {@code WatchService}: it sees a file replaced through a link, and reading a few kilobytes of certificates
 * per interval costs next to nothing.
 * Every watch shares one daemon thread, which never keeps the JVM alive and ends when no watch is left.
 *
 * <p>Thread-safe.
 */
public final class FileWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileWatch.class);
    private static final ScheduledThreadPoolExecutor POLLER = poller();

    private final List<Path> files;
    private final Runnable onChange;
    private final ScheduledFuture<?> future;
    /** Touched only by the poller thread. */
    private List<String> last;

    /** Starts polling {@code files} every {@code interval}; {@code onChange} runs on the poller thread. */
    public FileWatch(List<Path> files, Duration interval, Runnable onChange) {
        this.files = List.copyOf(files);
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.last = fingerprints();
        long millis = Math.max(1, interval.toMillis());
        this.future = POLLER.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        List<String> now = fingerprints();
        if (now.equals(last)) {
            return;
        }
        last = now;
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.warn("Reacting to a change of {} failed: {}", files, e.getMessage());
        }
    }

    private List<String> fingerprints() {
        List<String> prints = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                CRC32 crc = new CRC32();
                byte[] bytes = Files.readAllBytes(file);
                crc.update(bytes);
                prints.add(bytes.length + "/" + crc.getValue());
            } catch (IOException e) {
                prints.add("missing");
            }
        }
        return prints;
    }

    @Override
    public void close() {
        future.cancel(false);
    }

    /**
     * One daemon thread for every watch, which ends a second after the last watch is closed (a cancelled poll is
     * removed at once), so that nothing lingers when no certificate is watched, as after an application's redeploy.
     */
    private static ScheduledThreadPoolExecutor poller() {
        ScheduledThreadPoolExecutor poller = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "wsproxy-tls-watch");
            thread.setDaemon(true);
            return thread;
        });
        poller.setRemoveOnCancelPolicy(true);
        poller.setKeepAliveTime(1, TimeUnit.SECONDS);
        poller.allowCoreThreadTimeOut(true);
        return poller;
    }
}
