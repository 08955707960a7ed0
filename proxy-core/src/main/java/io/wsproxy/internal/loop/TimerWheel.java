package io.wsproxy.internal.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hashed timer wheel (Varghese &amp; Lauck) for one event loop: O(1) schedule and cancel, and per
 * advance only the buckets of the ticks that passed are visited. Tasks are intrusive nodes
 * ({@link TimerTask}) owned by the connections, so timing 100,000 connections creates no object per
 * timeout.
 *
 * <p>A task goes to the bucket of the tick its deadline falls in. A task whose deadline lies more than
 * one revolution ahead stays in its bucket and is skipped until its revolution comes; with the default
 * 4,096 buckets of 10 ms a revolution is 41 s, longer than every default timeout. The bucket of the
 * current tick is visited again by every advance until the tick has passed, so a task fires on the
 * first advance at or after its deadline, and a task scheduled for a deadline in the past fires on the
 * next advance.
 *
 * <p>{@link #advance} first moves every due task to a due list and only then runs them, so an
 * {@link TimerTask#expired} that schedules or cancels tasks (itself, the next task of its bucket, a
 * task already in the due list) never disturbs the walk: a cancelled due task does not run, and a task
 * scheduled from {@code expired} runs on a later advance at the earliest, never twice in one.
 *
 * <p>Deadlines are absolute values of a monotonic clock such as {@link System#nanoTime()} (which may be
 * negative), compared directly: they must not overflow. Not thread-safe: loop-thread only.
 */
public final class TimerWheel {
    /** {@link TimerTask#bucket} of a task in the due list. */
    static final int DUE = -1;

    private static final Logger log = LoggerFactory.getLogger(TimerWheel.class);

    private final long tickNanos;
    /** Most empty buckets {@link #selectTimeoutMillis} looks past; bounds its work per select. */
    static final int MAX_LOOKAHEAD_TICKS = 128;

    private final TimerTask[] heads;
    private final int mask;
    /**
     * Every task with a deadline in this tick or before has fired or is in the due list; the bucket of
     * the next tick (the current one, from the clock's view) may still hold tasks due later in it.
     */
    private long passedTick;
    /** Tasks due in the running advance, in bucket order; doubly linked through the tasks. */
    private TimerTask dueHead;
    private TimerTask dueTail;
    /** Scheduled tasks: in buckets or in the due list. */
    private int size;

    public TimerWheel(long tickNanos, int buckets, long now) {
        if (buckets <= 0 || Integer.bitCount(buckets) != 1) {
            throw new IllegalArgumentException("buckets must be a power of two: " + buckets);
        }
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tick must be positive: " + tickNanos);
        }
        this.tickNanos = tickNanos;
        this.heads = new TimerTask[buckets];
        this.mask = buckets - 1;
        this.passedTick = Math.floorDiv(now, tickNanos) - 1;
    }

    /**
     * Schedules {@code task} to expire at {@code deadline}, moving it if it was already scheduled.
     *
     * @throws IllegalStateException if the task is scheduled in another wheel
     */
    public void schedule(TimerTask task, long deadline) {
        if (task.wheel != null) {
            unlink(task);
        }
        task.deadline = deadline;
        // A deadline in a tick that has passed goes to the current tick's bucket: it fires on the next advance.
        long tick = Math.max(Math.floorDiv(deadline, tickNanos), passedTick + 1);
        int index = (int) (tick & mask);
        task.wheel = this;
        task.bucket = index;
        task.prev = null;
        task.next = heads[index];
        if (heads[index] != null) {
            heads[index].prev = task;
        }
        heads[index] = task;
        size++;
    }

    /**
     * Cancels {@code task} if it is scheduled, even if it is due and waiting to run in an advance in progress.
     *
     * @throws IllegalStateException if the task is scheduled in another wheel
     */
    public void cancel(TimerTask task) {
        if (task.wheel != null) {
            unlink(task);
        }
    }

    /** Number of scheduled tasks. */
    public int size() {
        return size;
    }

    /**
     * Milliseconds a selector may block until the first tick that holds a task has passed and an {@link #advance}
     * is worth making, or 0 to block until woken when nothing is scheduled. Never negative; at least 1 when
     * something is scheduled. Empty buckets are skipped, up to {@link #MAX_LOOKAHEAD_TICKS}, so a loop whose
     * timers are far off does not wake every tick.
     */
    public long selectTimeoutMillis(long now) {
        if (size == 0) {
            return 0;
        }
        long tick = passedTick + 1;
        long last = tick + MAX_LOOKAHEAD_TICKS;
        while (tick < last && heads[(int) (tick & mask)] == null) {
            tick++;
        }
        long wakeAt = (tick + 1) * tickNanos;
        long nanos = wakeAt - now;
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** Expires every task whose deadline is at or before {@code now}, each exactly once. */
    public void advance(long now) {
        long currentTick = Math.floorDiv(now, tickNanos);
        if (currentTick <= passedTick) {
            return;
        }
        // After a long stall, one revolution visits every bucket; more would visit them again for nothing.
        long first = Math.max(passedTick + 1, currentTick - mask);
        for (long tick = first; tick <= currentTick; tick++) {
            collectDue((int) (tick & mask), now);
        }
        // Before any task runs, so that a task scheduled from expired() never lands in a bucket visited above.
        passedTick = currentTick - 1;
        runDue(now);
    }

    /** Moves the tasks of bucket {@code index} with a deadline at or before {@code now} to the due list. */
    private void collectDue(int index, long now) {
        TimerTask task = heads[index];
        while (task != null) {
            TimerTask next = task.next;
            if (task.deadline <= now) {
                unlink(task);
                appendDue(task);
            }
            task = next;
        }
    }

    private void appendDue(TimerTask task) {
        task.wheel = this;
        task.bucket = DUE;
        task.prev = dueTail;
        task.next = null;
        if (dueTail != null) {
            dueTail.next = task;
        } else {
            dueHead = task;
        }
        dueTail = task;
        size++;
    }

    /** Runs the due list head first; expired() may unlink any task of it, so it is re-read after every run. */
    private void runDue(long now) {
        TimerTask task;
        while ((task = dueHead) != null) {
            unlink(task);
            try {
                task.expired(now);
            } catch (Throwable cause) {
                try {
                    task.failed(cause);
                } catch (Throwable failure) {
                    failure.addSuppressed(cause);
                    log.warn("Timer task {} failed to handle the failure of its expiry", task, failure);
                }
            }
        }
    }

    private void unlink(TimerTask task) {
        if (task.wheel != this) {
            throw new IllegalStateException("Timer task is scheduled in another wheel");
        }
        boolean due = task.bucket == DUE;
        if (task.prev != null) {
            task.prev.next = task.next;
        } else if (due) {
            dueHead = task.next;
        } else {
            heads[task.bucket] = task.next;
        }
        if (task.next != null) {
            task.next.prev = task.prev;
        } else if (due) {
            dueTail = task.prev;
        }
        task.prev = null;
        task.next = null;
        task.wheel = null;
        size--;
    }
}
