package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void readsEachUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "30", "s", "1.5s", "-1s", "30 s", "30S", "2d", "10000000000ms"})
    void rejectsOtherFormsNamingTheValue(String text) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("invalid duration '" + text + "' (use e.g. 500ms, 30s, 2m)", error.getMessage());
    }

    @Test
    void acceptsUpTo365Days() {
        assertEquals(Duration.ofDays(365), Durations.parse("8760h"));
        assertEquals(Duration.ofDays(365), Durations.parse("525600m"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8761h", "525601m", "999999999h"})
    void rejectsMoreThan365DaysSoDeadlinesCannotOverflow(String text) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("duration must be at most 8760h, got '" + text + "'", error.getMessage());
    }

    @Test
    void rejectsZero() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Durations.parse("0s"));
        assertEquals("duration must be positive, got '0s'", error.getMessage());
    }
}
