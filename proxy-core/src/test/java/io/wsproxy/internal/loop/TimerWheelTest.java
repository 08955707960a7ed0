package io.wsproxy.internal.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/** The wheel driven by a fake clock: plain nanosecond values, no sleeping. */
class TimerWheelTest {
    private static final long MS = 1_000_000L;
    /** 8 buckets of 10 ms: one revolution is 80 ms. */
    private static final long TICK = 10 * MS;
    private static final int BUCKETS = 8;

    private final List<String> fired = new ArrayList<>();
    private final TimerWheel wheel = new TimerWheel(TICK, BUCKETS, 0);

    /** Records "name@now" when it expires, then runs {@link #onExpired}. */
    private final class Recorder extends TimerTask {
        final String name;
        LongConsumer onExpired = now -> { };
        Throwable failure;

        Recorder(String name) {
            this.name = name;
        }

        @Override
        protected void expired(long now) {
            fired.add(name + "@" + now / MS);
            onExpired.accept(now);
        }

        @Override
        protected void failed(Throwable cause) {
            failure = cause;
            fired.add(name + " failed: " + cause.getMessage());
        }
    }

    @Test
    void firesAtTheDeadlineAndNeverBefore() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        wheel.schedule(a, 25 * MS);
        wheel.schedule(b, 5 * MS); // within the current tick
        assertTrue(a.scheduled());
        assertEquals(25 * MS, a.deadline());
        wheel.advance(4 * MS);
        wheel.advance(5 * MS - 1);
        assertEquals(List.of(), fired);
        wheel.advance(5 * MS);
        assertEquals(List.of("b@5"), fired);
        wheel.advance(24 * MS);
        wheel.advance(25 * MS - 1);
        assertEquals(List.of("b@5"), fired);
        assertTrue(a.scheduled());
        wheel.advance(25 * MS);
        assertEquals(List.of("b@5", "a@25"), fired);
        assertFalse(a.scheduled());
        assertEquals(0, wheel.size());
        wheel.advance(500 * MS);
        assertEquals(2, fired.size());
    }

    @Test
    void firesAfterTheDeadlineWhenAdvancedLate() {
        Recorder a = new Recorder("a");
        wheel.schedule(a, 12 * MS);
        wheel.advance(11 * MS);
        wheel.advance(37 * MS);
        assertEquals(List.of("a@37"), fired);
    }

    @Test
    void deadlineInThePastFiresOnTheNextAdvance() {
        wheel.advance(100 * MS);
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        wheel.schedule(a, 50 * MS);
        wheel.schedule(b, -1_000 * MS);
        wheel.advance(100 * MS);
        assertEquals(List.of("b@100", "a@100"), fired);
        assertEquals(0, wheel.size());
    }

    @Test
    void cancelledTaskNeverFires() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        wheel.schedule(a, 30 * MS);
        wheel.schedule(b, 30 * MS);
        wheel.cancel(a);
        assertFalse(a.scheduled());
        assertEquals(1, wheel.size());
        wheel.cancel(a); // not scheduled: nothing happens
        assertEquals(1, wheel.size());
        wheel.advance(1_000 * MS);
        assertEquals(List.of("b@1000"), fired);
        assertEquals(0, wheel.size());
    }

    @Test
    void rescheduleMovesTheTask() {
        Recorder a = new Recorder("a");
        wheel.schedule(a, 30 * MS);
        wheel.schedule(a, 80 * MS);
        assertEquals(1, wheel.size());
        wheel.advance(50 * MS);
        assertEquals(List.of(), fired);
        wheel.schedule(a, 60 * MS); // earlier again
        wheel.advance(60 * MS);
        assertEquals(List.of("a@60"), fired);
        wheel.advance(200 * MS);
        assertEquals(List.of("a@60"), fired);
    }

    @Test
    void taskReschedulesItselfFromExpired() {
        Recorder heartbeat = new Recorder("beat");
        heartbeat.onExpired = now -> wheel.schedule(heartbeat, now + 15 * MS);
        wheel.schedule(heartbeat, 15 * MS);
        for (long now = 0; now <= 100 * MS; now += MS) {
            wheel.advance(now);
        }
        assertEquals(List.of("beat@15", "beat@30", "beat@45", "beat@60", "beat@75", "beat@90"), fired);
        assertEquals(1, wheel.size());
        assertEquals(105 * MS, heartbeat.deadline());
    }

    @Test
    void taskReschedulingItselfIntoThePastFiresOncePerAdvance() {
        Recorder a = new Recorder("a");
        a.onExpired = now -> wheel.schedule(a, now);
        wheel.schedule(a, 10 * MS);
        wheel.advance(10 * MS);
        assertEquals(List.of("a@10"), fired);
        wheel.advance(10 * MS);
        assertEquals(List.of("a@10", "a@10"), fired);
        wheel.advance(500 * MS); // a long stall: still once
        assertEquals(List.of("a@10", "a@10", "a@500"), fired);
        assertTrue(a.scheduled());
    }

    @Test
    void expiredCancellingTheNextTaskOfTheSameBucket() {
        // Buckets are filled at the head: the walk meets a, b, c.
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        Recorder c = new Recorder("c");
        a.onExpired = now -> wheel.cancel(b);
        wheel.schedule(c, 15 * MS);
        wheel.schedule(b, 15 * MS);
        wheel.schedule(a, 15 * MS);
        wheel.advance(20 * MS);
        assertEquals(List.of("a@20", "c@20"), fired);
        assertFalse(b.scheduled());
        assertEquals(0, wheel.size());
        wheel.advance(500 * MS);
        assertEquals(List.of("a@20", "c@20"), fired);
    }

    @Test
    void expiredMovingTheNextTaskToAnotherBucket() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        Recorder c = new Recorder("c");
        a.onExpired = now -> wheel.schedule(b, 45 * MS);
        wheel.schedule(c, 15 * MS);
        wheel.schedule(b, 15 * MS);
        wheel.schedule(a, 15 * MS);
        wheel.advance(20 * MS);
        assertEquals(List.of("a@20", "c@20"), fired);
        wheel.advance(44 * MS);
        assertEquals(List.of("a@20", "c@20"), fired);
        wheel.advance(45 * MS);
        assertEquals(List.of("a@20", "c@20", "b@45"), fired);
    }

    @Test
    void expiredCancellingADueTaskOfALaterBucket() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        a.onExpired = now -> wheel.cancel(b);
        wheel.schedule(a, 10 * MS);
        wheel.schedule(b, 30 * MS);
        wheel.advance(40 * MS);
        assertEquals(List.of("a@40"), fired);
        assertEquals(0, wheel.size());
    }

    @Test
    void expiredSchedulingAnotherTaskIntoItsOwnBucket() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        a.onExpired = now -> wheel.schedule(b, 16 * MS);
        wheel.schedule(a, 15 * MS);
        wheel.advance(15 * MS);
        assertEquals(List.of("a@15"), fired);
        wheel.advance(16 * MS);
        assertEquals(List.of("a@15", "b@16"), fired);
    }

    @Test
    void deadlineMoreThanOneRevolutionAheadFiresInItsRevolution() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        wheel.schedule(a, 250 * MS); // three revolutions of 80 ms and a bit
        wheel.schedule(b, 10 * MS); // same bucket as a
        for (long now = 0; now <= 400 * MS; now += MS) {
            wheel.advance(now);
        }
        assertEquals(List.of("b@10", "a@250"), fired);
    }

    @Test
    void longStallFiresEverythingDueExactlyOnce() {
        Random random = new Random(3);
        List<Recorder> tasks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Recorder task = new Recorder("t" + i);
            wheel.schedule(task, random.nextInt(2_000) * MS); // up to 25 revolutions ahead
            tasks.add(task);
        }
        wheel.advance(999 * MS);
        long due = tasks.stream().filter(t -> t.deadline() <= 999 * MS).count();
        assertEquals(due, fired.size());
        assertEquals(1_000 - due, wheel.size());
        for (Recorder task : tasks) {
            assertEquals(task.deadline() > 999 * MS, task.scheduled(), task.name);
        }
        wheel.advance(1_000_000 * MS);
        assertEquals(1_000, fired.size());
        assertEquals(1_000, fired.stream().distinct().count());
        assertEquals(0, wheel.size());
    }

    @Test
    void selectTimeoutWaitsUntilTheFirstOccupiedTickHasPassed() {
        assertEquals(0, wheel.selectTimeoutMillis(0));
        Recorder a = new Recorder("a");
        wheel.schedule(a, 25 * MS); // tick 2
        assertEquals(30, wheel.selectTimeoutMillis(0));
        assertEquals(27, wheel.selectTimeoutMillis(3 * MS));
        assertEquals(1, wheel.selectTimeoutMillis(29 * MS + MS / 2));
        assertEquals(1, wheel.selectTimeoutMillis(500 * MS)); // behind: never 0, which would block
        wheel.advance(22 * MS);
        assertEquals(8, wheel.selectTimeoutMillis(22 * MS));
        wheel.cancel(a);
        assertEquals(0, wheel.selectTimeoutMillis(22 * MS));
    }

    @Test
    void selectTimeoutSkipsEmptyBucketsUpToTheLookahead() {
        TimerWheel big = new TimerWheel(TICK, 4096, 0);
        big.schedule(new Recorder("soon"), 55 * MS); // tick 5
        assertEquals(60, big.selectTimeoutMillis(0));
        TimerWheel far = new TimerWheel(TICK, 4096, 0);
        far.schedule(new Recorder("far"), 30_000 * MS); // tick 3000, beyond the lookahead
        assertEquals((TimerWheel.MAX_LOOKAHEAD_TICKS + 1) * 10, far.selectTimeoutMillis(0));
    }

    @Test
    void aBucketHoldingALaterRevolutionOnlyWakesTheLoopEarly() {
        Recorder a = new Recorder("a");
        wheel.schedule(a, (BUCKETS + 2) * TICK + MS); // same bucket as tick 2, one revolution later
        long timeout = wheel.selectTimeoutMillis(0);
        assertEquals(30, timeout);
        wheel.advance(timeout * MS);
        assertTrue(a.scheduled(), "not due yet: it waits for its revolution");
    }

    @Test
    void sizeCountsScheduledTasks() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        assertEquals(0, wheel.size());
        wheel.schedule(a, 10 * MS);
        wheel.schedule(b, 20 * MS);
        wheel.schedule(a, 30 * MS);
        assertEquals(2, wheel.size());
        wheel.advance(25 * MS);
        assertEquals(1, wheel.size());
        wheel.cancel(a);
        assertEquals(0, wheel.size());
    }

    @Test
    void sizeIncludesDueTasksUntilTheyRun() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        List<Integer> sizes = new ArrayList<>();
        a.onExpired = now -> sizes.add(wheel.size());
        b.onExpired = now -> sizes.add(wheel.size());
        wheel.schedule(a, 10 * MS);
        wheel.schedule(b, 20 * MS);
        wheel.advance(30 * MS);
        assertEquals(List.of(1, 0), sizes);
    }

    @Test
    void throwingTaskGoesToFailedAndOthersStillFire() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        Recorder c = new Recorder("c");
        IllegalStateException boom = new IllegalStateException("boom");
        b.onExpired = now -> {
            throw boom;
        };
        wheel.schedule(a, 15 * MS);
        wheel.schedule(b, 15 * MS);
        wheel.schedule(c, 25 * MS);
        wheel.advance(30 * MS);
        assertEquals(List.of("b@30", "b failed: boom", "a@30", "c@30"), fired);
        assertSame(boom, b.failure);
        assertEquals(0, wheel.size());
    }

    @Test
    void throwingFailureHandlerDoesNotStopTheWheel() {
        TimerTask bad = new TimerTask() {
            @Override
            protected void expired(long now) {
                throw new IllegalStateException("expiry");
            }

            @Override
            protected void failed(Throwable cause) {
                throw new IllegalStateException("failure handler");
            }
        };
        Recorder a = new Recorder("a");
        wheel.schedule(a, 15 * MS);
        wheel.schedule(bad, 15 * MS);
        wheel.advance(20 * MS);
        assertEquals(List.of("a@20"), fired);
        assertEquals(0, wheel.size());
    }

    @Test
    void hundredThousandTasksScheduledAndCancelled() {
        TimerWheel big = new TimerWheel(TICK, 4096, 0);
        Random random = new Random(5);
        Recorder[] tasks = new Recorder[100_000];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = new Recorder("t" + i);
            big.schedule(tasks[i], random.nextInt(100_000) * MS);
        }
        assertEquals(100_000, big.size());
        for (int i = 0; i < tasks.length; i += 2) {
            big.cancel(tasks[i]);
        }
        assertEquals(50_000, big.size());
        for (int i = 1; i < tasks.length; i += 4) {
            big.schedule(tasks[i], random.nextInt(100_000) * MS); // moves, no growth
        }
        assertEquals(50_000, big.size());
        for (long now = 0; now <= 100_000 * MS; now += 7 * MS) {
            big.advance(now);
        }
        big.advance(100_000 * MS);
        assertEquals(50_000, fired.size());
        assertEquals(50_000, fired.stream().distinct().count());
        assertEquals(0, big.size());
        for (int i = 0; i < tasks.length; i++) {
            assertFalse(tasks[i].scheduled(), tasks[i].name);
        }
        for (String event : fired) {
            assertEquals(1, Integer.parseInt(event.substring(1, event.indexOf('@'))) % 2, event);
        }
    }

    @Test
    void negativeClockValuesWork() {
        // System.nanoTime() may be negative.
        TimerWheel negative = new TimerWheel(TICK, BUCKETS, -95 * MS);
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        negative.schedule(a, -12 * MS);
        negative.schedule(b, 3 * MS);
        negative.advance(-13 * MS);
        assertEquals(List.of(), fired);
        negative.advance(-12 * MS);
        assertEquals(List.of("a@-12"), fired);
        negative.advance(2 * MS);
        negative.advance(3 * MS);
        assertEquals(List.of("a@-12", "b@3"), fired);
    }

    @Test
    void taskScheduledInAnotherWheelIsRejected() {
        TimerWheel other = new TimerWheel(TICK, BUCKETS, 0);
        Recorder a = new Recorder("a");
        other.schedule(a, 10 * MS);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> wheel.schedule(a, 10 * MS));
        assertEquals("Timer task is scheduled in another wheel", e.getMessage());
        assertThrows(IllegalStateException.class, () -> wheel.cancel(a));
        assertEquals(1, other.size());
        assertEquals(0, wheel.size());
    }

    @Test
    void invalidConfigurationIsRejected() {
        IllegalArgumentException buckets = assertThrows(IllegalArgumentException.class, () -> new TimerWheel(TICK, 3, 0));
        assertEquals("buckets must be a power of two: 3", buckets.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(TICK, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(TICK, Integer.MIN_VALUE, 0));
        IllegalArgumentException tick = assertThrows(IllegalArgumentException.class, () -> new TimerWheel(0, 8, 0));
        assertEquals("tick must be positive: 0", tick.getMessage());
    }
}
