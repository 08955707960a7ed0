package io.wsproxy;

/**
 * What the heartbeat has done since the server started: pings sent and answered, sides closed for not answering,
 * and the round-trip times per hop. A snapshot, taken by {@link ProxyServer#heartbeatStats()}.
 */
public record HeartbeatStats(long pingsSent, long pongsReceived, long timeouts, RoundTripSummary client,
        RoundTripSummary upstream) {
}
