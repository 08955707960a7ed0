package io.wsproxy.internal.loop;

/**
 * A node of a {@link TimerWheel}, owned by the object it times (a connection keeps its own tasks
 * and re-arms them), so arming a timer allocates nothing.
 *
 * <p>Loop-thread only. A task is in at most one wheel, and there in at most one list (a bucket or
 * the due list of an {@link TimerWheel#advance} in progress); {@link TimerWheel#schedule} moves it
 * if it is already scheduled.
 */
public abstract class TimerTask {
    /** Absolute deadline in the wheel's clock (nanoseconds); meaningful only while scheduled. */
    long deadline;
    /** Links of the intrusive doubly linked list the task is in; both null when not scheduled. */
    TimerTask prev;
    TimerTask next;
    /** Index of the bucket holding the task, or {@link TimerWheel#DUE} while it waits in the due list. */
    int bucket;
    /** The wheel the task is scheduled in; null exactly when not scheduled. */
    TimerWheel wheel;

    /** Whether the task is scheduled: waiting for its deadline, or due and about to run. */
    public final boolean scheduled() {
        return wheel != null;
    }

    /** The deadline this task is scheduled for; only meaningful while {@link #scheduled()}. */
    public final long deadline() {
        return deadline;
    }

    /**
     * The deadline passed. Runs on the loop thread, after the task has been unscheduled; may schedule
     * or cancel this or any other task. Exceptions are caught by the wheel and reported through
     * {@link #failed}.
     */
    protected abstract void expired(long now);

    /** {@link #expired} threw {@code cause}. An exception thrown here is logged and dropped. */
    protected abstract void failed(Throwable cause);
}
