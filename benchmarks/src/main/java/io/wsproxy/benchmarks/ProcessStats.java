package io.wsproxy.benchmarks;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Figures about this JVM process: heap after GC, RSS, direct buffers, CPU time, and the machine. */
public final class ProcessStats {
    /** The proxy's loop threads, "wsproxy-N-loop-i". */
    private static final Pattern LOOP_THREAD = Pattern.compile("wsproxy-\\d+-loop-\\d+");

    private ProcessStats() {
    }

    /**
     * Heap used after full collections: calls {@link System#gc()} until two consecutive readings differ by less than
     * 16 KiB (at least 3 and at most 20 rounds, 200 ms apart).
     */
    static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long previous = -1;
        for (int round = 1; round <= 20; round++) {
            System.gc();
            Thread.sleep(200);
            long used = memory.getHeapMemoryUsage().getUsed();
            if (round >= 3 && Math.abs(used - previous) < 16 * 1024) {
                return used;
            }
            previous = used;
        }
        System.out.println("warning: used heap did not settle within 20 collections");
        return previous;
    }

    /** VmRSS from /proc/self/status, in bytes; -1 where there is no /proc. */
    static long residentSetBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** [count, bytes] of the JVM's direct buffers (off-heap, not in the heap figures). */
    static long[] directBuffers() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return new long[] {pool.getCount(), pool.getMemoryUsed()};
            }
        }
        return new long[] {0, 0};
    }

    /** CPU time (user + system) of this whole process so far, in nanoseconds. */
    public static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The machine's CPU time so far from the first line of /proc/stat, in clock ticks (normally 1/100 s): user
     * (with nice), system, idle (with iowait), irq + softirq, steal; null where there is no /proc.
     */
    static long[] machineCpuTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0).trim()
                    .split("\\s+");
            return new long[] {
                Long.parseLong(f[1]) + Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]) + Long.parseLong(f[5]), Long.parseLong(f[6]) + Long.parseLong(f[7]),
                Long.parseLong(f[8])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** How the machine's CPUs were spent between two {@link #machineCpuTicks()} readings, as one line. */
    static String machineCpuSince(long[] before, long[] after) {
        if (before == null || after == null) {
            return "machine CPU: unknown (no /proc/stat)";
        }
        long[] d = new long[5];
        long total = 0;
        for (int i = 0; i < 5; i++) {
            d[i] = after[i] - before[i];
            total += d[i];
        }
        double cores = Runtime.getRuntime().availableProcessors();
        double scale = total == 0 ? 0 : cores / total; // share of the window, in cores
        return String.format(java.util.Locale.ROOT, "machine CPU (all processes, /proc/stat): user %.2f, system %.2f,"
                + " irq+softirq %.2f, steal %.2f, idle %.2f cores of %.0f", d[0] * scale, d[1] * scale,
                d[3] * scale, d[4] * scale, d[2] * scale, cores);
    }

    /** CPU time of the proxy's live loop threads so far, in nanoseconds. */
    static long loopThreadsCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (LOOP_THREAD.matcher(thread.getName()).matches()) {
                long cpu = threads.getThreadCpuTime(thread.getId());
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total;
    }

    /** One line: nproc, the JVM, its collectors and maximum heap. */
    static String machine() {
        String nproc;
        try {
            Process process = new ProcessBuilder("nproc").redirectErrorStream(true).start();
            nproc = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            process.waitFor();
        } catch (IOException e) {
            nproc = "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            nproc = "unknown";
        }
        String collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", "));
        return "nproc " + nproc
                + ", availableProcessors " + Runtime.getRuntime().availableProcessors()
                + ", java " + System.getProperty("java.vm.version")
                + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.vm.vendor") + ")"
                + ", os " + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + ", gc [" + collectors + "]"
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB"
                + ", jvm args " + ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    /** Default the proxy's slf4j-simple logging to warnings, unless the caller chose a level. */
    static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }
}
