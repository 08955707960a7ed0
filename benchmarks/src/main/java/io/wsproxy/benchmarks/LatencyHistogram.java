package io.wsproxy.benchmarks;

/** Round-trip times at 1 µs resolution up to 1 s (longer ones count as 1 s); single-threaded. */
public final class LatencyHistogram {
    private static final int MAX_MICROS = 1_000_000;

    private final long[] counts = new long[MAX_MICROS + 1];
    private long total;
    private long sumNanos;
    private long maxNanos;

    public void record(long nanos) {
        int micros = (int) Math.min(MAX_MICROS, Math.max(0, nanos / 1_000));
        counts[micros]++;
        total++;
        sumNanos += nanos;
        maxNanos = Math.max(maxNanos, nanos);
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        sumNanos = 0;
        maxNanos = 0;
    }

    public long count() {
        return total;
    }

    /** The smallest value (µs) that at least {@code fraction} of the samples do not exceed; 0 without samples. */
    public long percentileMicros(double fraction) {
        long wanted = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int micros = 0; micros <= MAX_MICROS; micros++) {
            seen += counts[micros];
            if (seen >= wanted && seen > 0) {
                return micros;
            }
        }
        return 0;
    }

    public double meanMicros() {
        return total == 0 ? 0 : sumNanos / 1_000.0 / total;
    }

    public long maxMicros() {
        return maxNanos / 1_000;
    }

    /** Adds {@code other}'s samples to this one. */
    public void add(LatencyHistogram other) {
        for (int i = 0; i <= MAX_MICROS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sumNanos += other.sumNanos;
        maxNanos = Math.max(maxNanos, other.maxNanos);
    }
}
