package io.wsproxy;

import java.time.Duration;
import java.util.Objects;

/**
 * The proxy's own keep-alive: WebSocket pings it sends on each hop, so that connections stay open through NATs
 * and load balancers that cut silent TCP connections (nginx's {@code proxy_read_timeout} and most cloud balancers
 * use 60 s), and so that a peer that vanished without closing (a phone that lost its network, a frozen backend)
 * is found and closed. Immutable and thread-safe.
 *
 * <p>A ping is sent to a side after {@link #interval()} without any bytes from it (or every interval, when {@link
 * #trafficCountsAsLiveness()} is off). If nothing arrives from that side within {@link #timeout()} of the ping
 * (with liveness off: if the pong does not), the side is considered dead: it gets Close 1001 and its TCP connection
 * is closed; the other side gets 1001 when the client went silent and 1014 when the upstream did. Pings go at
 * frame boundaries, masked toward the upstream; their 8-byte payload is the send time, which gives the round-trip
 * time when the pong comes back. The pong that answers the proxy's ping is consumed; the endpoints' own pings and
 * pongs pass through untouched.
 *
 * <p>Default: on, both sides, every 30 s of silence, 10 s to answer: below the common 60 s idle cut-off.
 */
public final class HeartbeatPolicy {
    /** Which hops the proxy pings. */
    public enum Sides {
        CLIENT, UPSTREAM, BOTH
    }

    /** Durations are kept in nanoseconds; a year is far from overflowing a long. */
    static final Duration MAX_DURATION = Duration.ofDays(365);
    private static final HeartbeatPolicy DEFAULTS = builder().build();
    private static final HeartbeatPolicy DISABLED = new HeartbeatPolicy(null);

    private final boolean enabled;
    private final Duration interval;
    private final Duration timeout;
    private final Sides sides;
    private final boolean trafficCountsAsLiveness;

    private HeartbeatPolicy(Builder builder) {
        this.enabled = builder != null;
        this.interval = builder != null ? builder.interval : Duration.ZERO;
        this.timeout = builder != null ? builder.timeout : Duration.ZERO;
        this.sides = builder != null ? builder.sides : Sides.BOTH;
        this.trafficCountsAsLiveness = builder == null || builder.trafficCountsAsLiveness;
    }

    /** On, both sides, interval 30 s, timeout 10 s, traffic counts as liveness. */
    public static HeartbeatPolicy defaults() {
        return DEFAULTS;
    }

    /** No pings: connections are never closed for being silent (unless an idle timeout is set). */
    public static HeartbeatPolicy disabled() {
        return DISABLED;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean enabled() {
        return enabled;
    }

    /** Silence (or, with liveness off, time) after which a side is pinged; zero when disabled. */
    public Duration interval() {
        return interval;
    }

    /** Time a side has to answer a ping; zero when disabled. */
    public Duration timeout() {
        return timeout;
    }

    public Sides sides() {
        return sides;
    }

    /** Whether the client hop is pinged. */
    public boolean pingsClient() {
        return enabled && sides != Sides.UPSTREAM;
    }

    /** Whether the upstream hop is pinged. */
    public boolean pingsUpstream() {
        return enabled && sides != Sides.CLIENT;
    }

    /**
     * Whether any bytes from a side count as a sign of life: pings then go only to silent sides, and any traffic
     * answers a ping. When false, every pinged side gets a ping every interval and must answer it with the pong.
     */
    public boolean trafficCountsAsLiveness() {
        return trafficCountsAsLiveness;
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "heartbeat off";
        }
        return "heartbeat every " + interval.toMillis() + " ms, timeout " + timeout.toMillis() + " ms, "
                + sides.name().toLowerCase(java.util.Locale.ROOT) + (trafficCountsAsLiveness ? "" : ", pong required");
    }

    public static final class Builder {
        private Duration interval = Duration.ofSeconds(30);
        private Duration timeout = Duration.ofSeconds(10);
        private Sides sides = Sides.BOTH;
        private boolean trafficCountsAsLiveness = true;

        private Builder() {
        }

        /** Default 30 s. */
        public Builder interval(Duration interval) {
            this.interval = requirePositive("interval", interval);
            return this;
        }

        /** Default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = requirePositive("timeout", timeout);
            return this;
        }

        /** Default {@link Sides#BOTH}. */
        public Builder sides(Sides sides) {
            this.sides = Objects.requireNonNull(sides, "sides");
            return this;
        }

        /** Default true; see {@link HeartbeatPolicy#trafficCountsAsLiveness()}. */
        public Builder trafficCountsAsLiveness(boolean counts) {
            this.trafficCountsAsLiveness = counts;
            return this;
        }

        public HeartbeatPolicy build() {
            return new HeartbeatPolicy(this);
        }

        private static Duration requirePositive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("Heartbeat " + name + " must be positive, got " + value);
            }
            if (value.compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException("Heartbeat " + name + " must be at most 365 days, got " + value);
            }
            if (value.toMillis() < 10) {
                throw new IllegalArgumentException("Heartbeat " + name + " must be at least 10 ms (the timer tick), got "
                        + value);
            }
            return value;
        }
    }
}
