package io.wsproxy.internal.relay;

import io.wsproxy.internal.codec.FrameWriter;
import io.wsproxy.internal.loop.TimerTask;
import java.nio.ByteBuffer;

/**
 * The proxy's pings to one side of a connection: when the next is due, whether the last was answered, and the
 * round-trip time it measured. One intrusive timer node per side, re-armed in place, so heartbeats for any number
 * of connections allocate nothing; per tick the loop's wheel visits only the sides due in that tick.
 *
 * <p>The ping payload is the 8-byte send time on the loop's clock; the pong that echoes it is the proxy's to
 * consume, and gives the round-trip time. Loop-thread only.
 */
final class Heartbeat extends TimerTask {
    private static final int PONG_PAYLOAD_BYTES = FrameWriter.PING_PAYLOAD_BYTES;

    private final Endpoint side;
    private final Pump pump;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final boolean trafficCountsAsLiveness;

    /** Something arrived from the side since the last ping. */
    private boolean heardSincePing;
    /** Loop time of the last bytes from the side. */
    private long lastHeard;
    /** Loop time of the last ping sent (the start, before the first). */
    private long lastPingAt;
    /** A ping was sent and neither its pong nor (with liveness on) other traffic has come back. */
    private boolean awaiting;
    /** The payload of the last ping sent, while its pong may still come. */
    private long outstandingPayload;
    private boolean outstanding;
    /** A ping is due but a frame toward the side is partly sent: it goes at the next frame boundary. */
    boolean pingPending;
    /** The last round-trip time measured, or -1. */
    long lastRoundTripNanos = -1;

    Heartbeat(Endpoint side, Pump pump, RelayConfig config) {
        this.side = side;
        this.pump = pump;
        this.intervalNanos = config.heartbeatIntervalNanos;
        this.timeoutNanos = config.heartbeatTimeoutNanos;
        this.trafficCountsAsLiveness = config.heartbeat.trafficCountsAsLiveness();
    }

    void start(long now) {
        lastHeard = now;
        lastPingAt = now;
        side.connection.loop.timers().schedule(this, now + intervalNanos);
    }

    void stop() {
        side.connection.loop.timers().cancel(this);
        pingPending = false;
    }

    /** Bytes arrived from the side. */
    void heard(long now) {
        lastHeard = now;
        heardSincePing = true;
    }

    @Override
    protected void expired(long now) {
        if (awaiting) {
            if (trafficCountsAsLiveness && heardSincePing) {
                awaiting = false;
            } else if (pingPending) {
                // Not sent yet: the stream toward the side is inside a frame. The send timeout guards that case.
                side.connection.loop.timers().schedule(this, now + timeoutNanos);
                return;
            } else if (now - lastPingAt >= timeoutNanos) {
                pump.heartbeatTimedOut(side, timeoutNanos);
                return;
            } else {
                side.connection.loop.timers().schedule(this, lastPingAt + timeoutNanos);
                return;
            }
        }
        long due = (trafficCountsAsLiveness ? Math.max(lastHeard, lastPingAt) : lastPingAt) + intervalNanos;
        if (now < due) {
            side.connection.loop.timers().schedule(this, due);
            return;
        }
        awaiting = true;
        heardSincePing = false;
        lastPingAt = now;
        pump.ping(side);
        // Look again when the answer is overdue, or when the next ping is due if that comes first.
        side.connection.loop.timers().schedule(this, now + Math.min(timeoutNanos, intervalNanos));
    }

    @Override
    protected void failed(Throwable cause) {
        side.connection.failed(side, cause);
    }

    /** The ping with {@code payload} was put into the stream toward the side. */
    void sent(long payload) {
        pingPending = false;
        outstanding = true;
        outstandingPayload = payload;
        lastPingAt = payload;
    }

    /**
     * Whether the pong frame at {@code buf[start, start + length)} answers the proxy's outstanding ping; if so it
     * is recorded as answered, with its round-trip time.
     */
    boolean consumePong(ByteBuffer buf, int start, int length, boolean masked, long now) {
        int headerLength = 2 + (masked ? 4 : 0);
        if (!outstanding || length != headerLength + PONG_PAYLOAD_BYTES) {
            return false;
        }
        int payloadStart = start + headerLength;
        long payload = 0;
        for (int i = 0; i < PONG_PAYLOAD_BYTES; i++) {
            int b = buf.get(payloadStart + i);
            if (masked) {
                // RFC 6455 §5.3: payload byte i is XORed with masking-key byte i mod 4.
                b ^= buf.get(start + 2 + (i & 3));
            }
            payload = payload << 8 | (b & 0xff);
        }
        if (payload != outstandingPayload) {
            return false;
        }
        outstanding = false;
        awaiting = false;
        lastRoundTripNanos = now - payload;
        return true;
    }
}
