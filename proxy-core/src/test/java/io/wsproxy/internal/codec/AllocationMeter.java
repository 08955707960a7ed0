package io.wsproxy.internal.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

/** Asserts that code allocates nothing, with the JVM's per-thread allocation counter. */
final class AllocationMeter {
    private static final int RUNS = 10_000;

    private AllocationMeter() {
    }

    /**
     * Runs {@code action} {@value #RUNS} times after a warm-up and fails if the thread allocated more than a few
     * hundred bytes in all: one object per run would be at least 16 bytes each, 160,000 bytes.
     */
    static void assertNoAllocation(Runnable action) {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "no allocation counter on this JVM");
        com.sun.management.ThreadMXBean meter = (com.sun.management.ThreadMXBean) threads;
        assumeTrue(meter.isThreadAllocatedMemorySupported() && meter.isThreadAllocatedMemoryEnabled(),
                "allocation counter disabled");
        for (int i = 0; i < RUNS; i++) {
            action.run();
        }
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
            long before = meter.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < RUNS; i++) {
                action.run();
            }
            least = Math.min(least, meter.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(least < 1_000, "allocated " + least + " bytes in " + RUNS + " runs");
    }
}
