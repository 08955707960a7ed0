package io.wsproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling every few milliseconds; never "sleep long enough". */
public final class Await {
    private static final long POLL_MILLIS = 3;

    private Await() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} if it does not within {@code deadline}. */
    public static void until(String what, Duration deadline, BooleanSupplier condition) {
        until(() -> what, deadline, condition);
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}, the description computed on failure (e.g. with the last value seen). */
    public static void until(Supplier<String> what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("Not within " + deadline.toMillis() + " ms: " + what.get());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("Interrupted while waiting until " + what.get());
            }
        }
    }
}
