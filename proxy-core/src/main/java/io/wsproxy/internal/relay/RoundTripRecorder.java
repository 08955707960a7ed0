package io.wsproxy.internal.relay;

import io.wsproxy.RoundTripSummary;
import java.time.Duration;

/**
 * Round-trip samples of one hop on one loop, in log-linear buckets (eight per power of two of nanoseconds), so
 * that recording is a few arithmetic operations and never allocates. Summaries merge the loops' recorders.
 *
 * <p>Recording is loop-thread only; {@link #mergeInto} runs on the loop thread too, into the caller's array.
 */
final class RoundTripRecorder {
    private static final int SUB_BUCKET_BITS = 3;
    private static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
    static final int BUCKETS = 64 * SUB_BUCKETS;

    private final long[] counts = new long[BUCKETS];
    private long min = Long.MAX_VALUE;
    private long max;

    void record(long nanos) {
        long value = Math.max(1, nanos);
        counts[bucketOf(value)]++;
        min = Math.min(min, value);
        max = Math.max(max, value);
    }

    /** Adds this recorder's counts to {@code into} ({@link #BUCKETS} long) and returns {min, max}. */
    long[] mergeInto(long[] into) {
        for (int i = 0; i < BUCKETS; i++) {
            into[i] += counts[i];
        }
        return new long[] {min, max};
    }

    static int bucketOf(long value) {
        int octave = 63 - Long.numberOfLeadingZeros(value);
        if (octave < SUB_BUCKET_BITS) {
            return (int) value;
        }
        int sub = (int) (value >>> (octave - SUB_BUCKET_BITS)) & (SUB_BUCKETS - 1);
        return (octave - SUB_BUCKET_BITS + 1) * SUB_BUCKETS + sub;
    }

    /** The smallest value of bucket {@code index}. */
    static long lowestOf(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int octave = index / SUB_BUCKETS + SUB_BUCKET_BITS - 1;
        int sub = index % SUB_BUCKETS;
        return ((long) (SUB_BUCKETS + sub)) << (octave - SUB_BUCKET_BITS);
    }

    /** A summary of merged counts. */
    static RoundTripSummary summarize(long[] counts, long min, long max) {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        if (total == 0) {
            return new RoundTripSummary(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        }
        return new RoundTripSummary(total, Duration.ofNanos(min), Duration.ofNanos(percentile(counts, total, 0.5, min, max)),
                Duration.ofNanos(percentile(counts, total, 0.99, min, max)), Duration.ofNanos(max));
    }

    private static long percentile(long[] counts, long total, double fraction, long min, long max) {
        long rank = Math.max(1, (long) Math.ceil(fraction * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, Math.max(min, lowestOf(i)));
            }
        }
        return max;
    }
}
