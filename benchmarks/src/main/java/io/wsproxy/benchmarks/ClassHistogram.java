package io.wsproxy.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Live objects per class (HotSpot's {@code GC.class_histogram}, which collects first), to show which classes an
 * idle connection's heap is made of. Immutable.
 */
final class ClassHistogram {
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

    /** Class name to {instances, bytes}. */
    private final Map<String, long[]> rows;

    private ClassHistogram(Map<String, long[]> rows) {
        this.rows = rows;
    }

    /** Takes a histogram of this JVM; an empty one where the diagnostic command is not available. */
    static ClassHistogram take() {
        Map<String, long[]> rows = new HashMap<>();
        try {
            String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            for (String line : text.split("\n")) {
                Matcher row = ROW.matcher(line);
                if (row.matches()) {
                    rows.put(row.group(3), new long[] {Long.parseLong(row.group(1)), Long.parseLong(row.group(2))});
                }
            }
        } catch (JMException | RuntimeException e) {
            System.out.println("(no class histogram: " + e + ")");
        }
        return new ClassHistogram(rows);
    }

    /** The {@code limit} classes whose bytes grew most from {@code before} to this one, as report lines per unit. */
    List<String> growthSince(ClassHistogram before, int limit, int units) {
        List<Map.Entry<String, long[]>> growth = new ArrayList<>();
        for (Map.Entry<String, long[]> row : rows.entrySet()) {
            long[] old = before.rows.getOrDefault(row.getKey(), new long[2]);
            long[] delta = {row.getValue()[0] - old[0], row.getValue()[1] - old[1]};
            growth.add(Map.entry(row.getKey(), delta));
        }
        growth.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, long[]> row : growth.subList(0, Math.min(limit, growth.size()))) {
            lines.add(String.format("%10.1f B %8.2f objects  %s", (double) row.getValue()[1] / units,
                    (double) row.getValue()[0] / units, row.getKey()));
        }
        return lines;
    }
}
