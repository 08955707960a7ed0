package io.wsproxy;

import java.time.Duration;

/**
 * Round-trip times of the proxy's heartbeat pings on one hop (ping sent to pong received), over all connections
 * since the server started. Percentiles are accurate to within 1/8 of their value (values are kept in
 * log-linear buckets, eight per power of two). All durations are zero when there are no samples.
 */
public record RoundTripSummary(long samples, Duration min, Duration median, Duration p99, Duration max) {
}
