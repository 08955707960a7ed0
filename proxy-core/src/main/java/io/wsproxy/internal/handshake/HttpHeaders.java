package io.wsproxy.internal.handshake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ordered, case-insensitive multi-map of header fields as received (names keep their original case, values are
 * ISO-8859-1 text trimmed of surrounding whitespace). Immutable and thread-safe.
 */
public final class HttpHeaders {
    /** Names as received; same length as {@link #values}. */
    private final String[] names;
    private final String[] values;
    /** Lower-case name to values in order of arrival; unmodifiable, lists included. */
    private final Map<String, List<String>> byLowerCaseName;

    HttpHeaders(List<String> names, List<String> values) {
        if (names.size() != values.size()) {
            throw new IllegalArgumentException("As many names as values are needed");
        }
        this.names = names.toArray(new String[0]);
        this.values = values.toArray(new String[0]);
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < this.names.length; i++) {
            map.computeIfAbsent(this.names[i].toLowerCase(Locale.ROOT), name -> new ArrayList<>(1))
                    .add(this.values[i]);
        }
        map.replaceAll((name, list) -> Collections.unmodifiableList(list));
        this.byLowerCaseName = Collections.unmodifiableMap(map);
    }

    /** The value of the first field named {@code name}, or null if absent. */
    public String first(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The values of every field named {@code name}, in order; empty if absent. */
    public List<String> all(String name) {
        List<String> found = byLowerCaseName.get(name.toLowerCase(Locale.ROOT));
        return found == null ? List.of() : found;
    }

    /** How many fields are named {@code name}. */
    public int count(String name) {
        return all(name).size();
    }

    /**
     * Whether any field named {@code name} holds {@code token} as an element of its comma-separated list (RFC
     * 9110 §5.6.1), compared case-insensitively, e.g. {@code Connection: keep-alive, Upgrade} holds "upgrade".
     */
    public boolean containsToken(String name, String token) {
        for (String value : all(name)) {
            for (String element : HttpSyntax.listElements(value)) {
                if (element.equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The number of fields. */
    public int size() {
        return names.length;
    }

    /** The name of field {@code i}, as received. */
    public String name(int i) {
        return names[i];
    }

    /** The value of field {@code i}. */
    public String value(int i) {
        return values[i];
    }

    /** Unmodifiable view keyed by lower-case name, in order of first arrival, for the balancing SPI. */
    public Map<String, List<String>> asMap() {
        return byLowerCaseName;
    }

    /** The field names only: values may hold credentials (Authorization, Cookie) and must not reach logs. */
    @Override
    public String toString() {
        return "HttpHeaders" + List.of(names);
    }
}
