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

    private Durations() {
    }

    /**
     * Parses a positive duration.
     *
     * @throws IllegalArgumentException with a one-line message quoting {@code text}, when it has another form or
     *                                  is zero
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
        switch (matcher.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            default:
                return Duration.ofHours(amount);
        }
    }
}
