package io.wsproxy.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Command-line options of the form {@code --name value}; unknown names and bad numbers fail with a usage line. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final String usage;

    private Args(String usage) {
        this.usage = usage;
    }

    /** Parses {@code args}, accepting only the option names in {@code known} (without the leading dashes). */
    static Args parse(String[] args, Set<String> known, String usage) {
        Args parsed = new Args(usage);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!arg.startsWith("--") || !known.contains(arg.substring(2)) || i + 1 == args.length) {
                throw new IllegalArgumentException("Bad argument " + arg + "; usage: " + usage);
            }
            parsed.values.put(arg.substring(2), args[++i]);
        }
        return parsed;
    }

    int intValue(String name, int defaultValue, int minimum) {
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
}
