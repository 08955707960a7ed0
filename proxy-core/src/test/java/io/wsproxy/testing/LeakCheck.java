package io.wsproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves proxy event-loop threads alive or leaks sockets, selectors or pipes (like
 * Java-WebSocket's {@code ThreadCheck}). Before the class it counts the JVM's open descriptors of those kinds (from
 * {@code /proc/self/fd}; jar files opened by class loading are not counted); after it, it waits with a deadline for
 * the count to come back to that baseline (plus a small slack) and for no thread named {@code wsproxy-*} to remain.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    /** Name prefix of the proxy's event-loop threads. */
    public static final String PROXY_THREAD_PREFIX = "wsproxy";
    private static final int SLACK = 4;
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeakCheck.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put("fds", networkDescriptors());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> failures = new ArrayList<>();
        try {
            Await.until(() -> "proxy threads still alive after " + context.getDisplayName() + ": " + proxyThreads(),
                    Duration.ofSeconds(10), () -> proxyThreads().isEmpty());
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
        @SuppressWarnings("unchecked")
        Map<String, String> before = (Map<String, String>) context.getStore(NAMESPACE).get("fds");
        if (before != null && new File("/proc/self/fd").isDirectory()) {
            try {
                Await.until(() -> "open sockets/pipes/selectors did not return to the baseline of " + before.size()
                                + " (+" + SLACK + ") after " + context.getDisplayName() + "; new ones: "
                                + newDescriptors(before),
                        Duration.ofSeconds(10), () -> networkDescriptors().size() <= before.size() + SLACK);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    /** Names of live threads that belong to a proxy. */
    public static List<String> proxyThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith(PROXY_THREAD_PREFIX)) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    /** Number of the JVM's open sockets, pipes and anonymous inodes (epoll, eventfd). */
    public static int openNetworkDescriptors() {
        return networkDescriptors().size();
    }

    /** Open file descriptors of any kind, from /proc/self/fd; -1 where that does not exist. */
    public static int openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static Map<String, String> networkDescriptors() {
        Map<String, String> result = new TreeMap<>();
        File[] fds = new File("/proc/self/fd").listFiles();
        if (fds == null) {
            return result;
        }
        for (File fd : fds) {
            try {
                String target = Files.readSymbolicLink(fd.toPath()).toString();
                if (target.startsWith("socket:") || target.startsWith("pipe:") || target.startsWith("anon_inode:")) {
                    result.put(fd.getName(), target);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // closed while listing (e.g. the directory stream itself)
            }
        }
        return result;
    }

    private static String newDescriptors(Map<String, String> before) {
        Map<String, String> now = networkDescriptors();
        now.keySet().removeAll(before.keySet());
        Map<String, Long> byKind = now.values().stream()
                .collect(Collectors.groupingBy(t -> t.substring(0, t.indexOf(':')), TreeMap::new, Collectors.counting()));
        return now.size() + " " + byKind + (now.size() <= 20 ? " " + now : "");
    }

}
