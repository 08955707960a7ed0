package io.wsproxy.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the form {@code --name value}, and switches {@code --name} without a value; unknown names
 * and bad numbers fail with a usage line.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final String usage;

    private Args(String usage) {
        this.usage = usage;
    }

    /** Parses {@code args}, accepting only the option names in {@code known} (without the leading dashes). */
    public static Args parse(String[] args, Set<String> known, String usage) {
        return parse(args, known, Set.of(), usage);
    }

    /**
     * Parses {@code args}: the names in {@code known} take a value, those in {@code switches} none ({@link #has}
     * tells whether they were given).
     */
    public static Args parse(String[] args, Set<String> known, Set<String> switches, String usage) {
        Args parsed = new Args(usage);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            String name = arg.startsWith("--") ? arg.substring(2) : "";
            if (switches.contains(name)) {
                parsed.values.put(name, "");
                continue;
            }
            if (!known.contains(name) || i + 1 == args.length) {
                throw new IllegalArgumentException("Bad argument " + arg + "; usage: " + usage);
            }
            parsed.values.put(name, args[++i]);
        }
        return parsed;
    }

    public int intValue(String name, int defaultValue, int minimum) {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a number, got " + text + "; usage: " + usage);
        }
        if (value < minimum) {
            throw new IllegalArgumentException("--" + name + " must be at least " + minimum + ", got " + value);
        }
        return value;
    }

    /** Whether {@code --name} (an option or a switch) was given. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of {@code --name} as given, or {@code defaultValue}. */
    public String stringValue(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * A duration such as {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} (a bare number is seconds), in
     * milliseconds, at least {@code minimumMillis}.
     */
    public long durationMillis(String name, long defaultMillis, long minimumMillis) {
        String text = values.get(name);
        if (text == null) {
            return defaultMillis;
        }
        long millis;
        try {
            millis = parseDurationMillis(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a duration like 500ms, 10s or 2m, got " + text);
        }
        if (millis < minimumMillis) {
            throw new IllegalArgumentException("--" + name + " must be at least " + minimumMillis + " ms, got " + text);
        }
        return millis;
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} or a bare number of seconds, in milliseconds. */
    public static long parseDurationMillis(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.endsWith("ms")) {
            return Long.parseLong(t.substring(0, t.length() - 2));
        }
        long unit = 1_000;
        if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3_600_000;
            t = t.substring(0, t.length() - 1);
        }
        return Math.round(Double.parseDouble(t) * unit);
    }
}
