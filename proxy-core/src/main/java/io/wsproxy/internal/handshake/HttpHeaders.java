package io.wsproxy.internal.handshake;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ordered, case-insensitive multi-map of header fields as received (names keep their original case, values are
 * ISO-8859-1 text trimmed of surrounding whitespace). Immutable and thread-safe.
 *
 * <p>Lookups scan the fields: a handshake has a few dozen at most, so scanning costs less than building a map,
 * which {@link #asMap()} does only when asked.
 */
public final class HttpHeaders {
    /** Names as received, {@code names[0, size)}; as many as {@link #values}. Never modified. */
    private final String[] names;
    private final String[] values;
    private final int size;
    /** Lower-case name to values in order of arrival; unmodifiable, lists included. Built on first use. */
    private volatile Map<String, List<String>> byLowerCaseName;

    HttpHeaders(List<String> names, List<String> values) {
        if (names.size() != values.size()) {
            throw new IllegalArgumentException("As many names as values are needed");
        }
        this.names = names.toArray(new String[0]);
        this.values = values.toArray(new String[0]);
        this.size = this.names.length;
    }

    /** Takes the arrays without copying: the caller hands them over and never modifies them again. */
    HttpHeaders(String[] names, String[] values, int size) {
        if (size > names.length || size > values.length) {
            throw new IllegalArgumentException("As many names as values are needed");
        }
        this.names = names;
        this.values = values;
        this.size = size;
    }

    /** The value of the first field named {@code name}, or null if absent. */
    public String first(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The values of every field named {@code name}, in order; empty if absent. Unmodifiable. */
    public List<String> all(String name) {
        int count = count(name);
        if (count == 0) {
            return List.of();
        }
        String[] found = new String[count];
        for (int i = 0, j = 0; j < count; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                found[j++] = values[i];
            }
        }
        return List.of(found);
    }

    /** How many fields are named {@code name}. */
    public int count(String name) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                count++;
            }
        }
        return count;
    }

    /**
     * Whether any field named {@code name} holds {@code token} as an element of its comma-separated list (RFC
     * 9110 §5.6.1), compared case-insensitively, e.g. {@code Connection: keep-alive, Upgrade} holds "upgrade".
     */
    public boolean containsToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name) && HttpSyntax.hasListElement(values[i], token, false)) {
                return true;
            }
        }
        return false;
    }

    /** The number of fields. */
    public int size() {
        return size;
    }

    /** The name of field {@code i}, as received. */
    public String name(int i) {
        return names[index(i)];
    }

    /** The value of field {@code i}. */
    public String value(int i) {
        return values[index(i)];
    }

    /** {@code i} if below {@link #size}; the arrays may be longer, and must fail as if they were not. */
    private int index(int i) {
        if (i >= size) {
            throw new ArrayIndexOutOfBoundsException("Index " + i + " out of bounds for length " + size);
        }
        return i;
    }

    /** Unmodifiable view keyed by lower-case name, in order of first arrival, for the balancing SPI. */
    public Map<String, List<String>> asMap() {
        Map<String, List<String>> map = byLowerCaseName;
        if (map == null) {
            // Racing threads build equal maps; the volatile write publishes a complete one.
            map = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                map.computeIfAbsent(names[i].toLowerCase(Locale.ROOT), lower -> new ArrayList<>(1)).add(values[i]);
            }
            map.replaceAll((lower, list) -> Collections.unmodifiableList(list));
            map = Collections.unmodifiableMap(map);
            byLowerCaseName = map;
        }
        return map;
    }

    /** The field names only: values may hold credentials (Authorization, Cookie) and must not reach logs. */
    @Override
    public String toString() {
        return "HttpHeaders" + Arrays.asList(names).subList(0, size);
    }
}
