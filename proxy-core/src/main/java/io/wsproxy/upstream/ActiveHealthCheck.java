package io.wsproxy.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health checks of a pool's members, HAProxy's {@code check inter ... rise ... fall ...}: every interval each
 * member is probed, by a TCP connect or by a WebSocket upgrade of a path that must be answered {@code 101} with the
 * right {@code Sec-WebSocket-Accept}; {@code fall} failed probes in a row mark it down, {@code rise} passed probes in
 * a row bring it back. A member that is down gets no new connections, as with passive health (a member is down when
 * either says so). A wss:// member is probed by TCP connect only. Immutable.
 *
 * <pre>{@code
 * UpstreamPool.builder().add(...).activeHealth(ActiveHealthCheck.webSocket("/health", Duration.ofSeconds(5)))
 * }</pre>
 *
 * @param path     the request target of the WebSocket probe; null for a TCP connect only
 * @param interval time between two rounds of probes
 * @param timeout  time a probe may take (connect and answer)
 * @param rise     passed probes in a row that bring a member back up
 * @param fall     failed probes in a row that mark a member down
 */
public record ActiveHealthCheck(String path, Duration interval, Duration timeout, int rise, int fall) {

    public ActiveHealthCheck {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (interval.toMillis() < 10 || timeout.toMillis() < 1 || rise < 1 || fall < 1) {
            throw new IllegalArgumentException("interval must be at least 10 ms, timeout positive, rise and fall at"
                    + " least 1; got " + interval + ", " + timeout + ", " + rise + ", " + fall);
        }
        if (path != null && !path.startsWith("/")) {
            throw new IllegalArgumentException("The probe's path must start with '/', got '" + path + "'");
        }
    }

    /** TCP connects every {@code interval}; timeout 2 s (at most the interval), rise 2, fall 3 as in HAProxy. */
    public static ActiveHealthCheck tcp(Duration interval) {
        return new ActiveHealthCheck(null, interval, defaultTimeout(interval), 2, 3);
    }

    /** WebSocket upgrades of {@code path} every {@code interval}; timeout, rise and fall as {@link #tcp}. */
    public static ActiveHealthCheck webSocket(String path, Duration interval) {
        return new ActiveHealthCheck(Objects.requireNonNull(path, "path"), interval, defaultTimeout(interval), 2, 3);
    }

    /** This check with another probe timeout. */
    public ActiveHealthCheck withTimeout(Duration timeout) {
        return new ActiveHealthCheck(path, interval, timeout, rise, fall);
    }

    /** This check with other thresholds. */
    public ActiveHealthCheck withThresholds(int rise, int fall) {
        return new ActiveHealthCheck(path, interval, timeout, rise, fall);
    }

    private static Duration defaultTimeout(Duration interval) {
        Duration twoSeconds = Duration.ofSeconds(2);
        return interval.compareTo(twoSeconds) < 0 ? interval : twoSeconds;
    }
}
