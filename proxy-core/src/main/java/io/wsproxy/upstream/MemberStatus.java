package io.wsproxy.upstream;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One member of a pool at one moment, as {@link UpstreamPool#status()} reports it: what HAProxy's stats page and
 * nginx's upstream API show of a server. Immutable.
 *
 * @param member              the member
 * @param state               up, down or draining (see {@link Upstream#state()})
 * @param backup              whether it gets connections only when no other member can take them
 * @param weight              its weight now
 * @param activeConnections   relayed connections open to it
 * @param pendingConnections  connections being set up to it
 * @param consecutiveFailures failed connects or upgrades since its last success
 * @param failures            failed connects or upgrades since it was created
 * @param heartbeatRoundTrip  the smoothed round trip of the heartbeat's pings to it, if one was measured
 */
public record MemberStatus(Upstream member, Upstream.State state, boolean backup, int weight, int activeConnections,
        int pendingConnections, int consecutiveFailures, long failures, Optional<Duration> heartbeatRoundTrip) {

    static MemberStatus of(Upstream member, boolean backup) {
        long roundTrip = member.heartbeatRoundTripNanos();
        return new MemberStatus(member, member.state(), backup, member.weight(), member.activeConnections(),
                member.pendingConnections(), member.consecutiveFailures(), member.failures(),
                roundTrip < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(roundTrip)));
    }

    /** One line: {@code ws://10.0.0.1:9000 UP weight 2, 120 active, 0 pending, 0/3 failures, rtt 0.4 ms}. */
    @Override
    public String toString() {
        return member + " " + state + (backup ? " backup" : "") + " weight " + weight + ", " + activeConnections
                + " active, " + pendingConnections + " pending, " + consecutiveFailures + "/" + failures + " failures"
                + heartbeatRoundTrip.map(rtt -> String.format(Locale.ROOT, ", rtt %.1f ms", rtt.toNanos() / 1e6))
                        .orElse("");
    }
}
