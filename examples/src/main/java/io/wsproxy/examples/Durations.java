package io.wsproxy.examples;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them on a command line: a whole number followed by {@code ms}, {@code s},
 * {@code m} or {@code h}, e.g. {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. Stateless.
 */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    /**
     * The longest duration accepted: far beyond any sensible timeout, and far enough below {@code Long.MAX_VALUE}
     * nanoseconds that the proxy's deadlines (clock + duration, in nanoseconds) cannot overflow.
     */
    static final Duration MAX = Duration.ofDays(365);

    private Durations() {
    }

    /**
     * Parses a positive duration of at most {@link #MAX}.
     *
     * @throws IllegalArgumentException with a one-line message quoting {@code text}, when it has another form, is
     *                                  zero or is longer than {@link #MAX}
     */
    public static Duration parse(String text) {
        Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("invalid duration '" + text + "' (use e.g. 500ms, 30s, 2m)");
        }
        long amount = Long.parseLong(matcher.group(1));
        if (amount == 0) {
            throw new IllegalArgumentException("duration must be positive, got '" + text + "'");
        }
        Duration duration;
        switch (matcher.group(2)) {
            case "ms":
                duration = Duration.ofMillis(amount);
                break;
            case "s":
                duration = Duration.ofSeconds(amount);
                break;
            case "m":
                duration = Duration.ofMinutes(amount);
                break;
            default:
                duration = Duration.ofHours(amount);
                break;
        }
        if (duration.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("duration must be at most " + MAX.toHours() + "h, got '" + text + "'");
        }
        return duration;
    }
}
