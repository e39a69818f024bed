package io.pansaar.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class EntryLimitsTest {

    @Test
    void anOrdinaryJobIsWithinTheLimits() {
        Map<String, String> job = Map.of("key", "a/".repeat(255) + "x", "reason", "miss", "requested-at", "1700000000000",
                "token", "1700000000000-42", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "tracestate", "vendor=" + "v".repeat(500));
        assertEquals(Optional.empty(), EntryLimits.violation(job));
    }

    @Test
    void tooManyFieldsAreRefused() {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i <= EntryLimits.MAX_FIELDS; i++) {
            fields.put("f" + i, "v");
        }
        assertEquals(Optional.of("oversize entry: 33 fields, the limit is 32"), EntryLimits.violation(fields));
    }

    @Test
    void valuesAreMeasuredInUtf8Bytes() {
        // 700 characters of three bytes each: within the character count, over the byte limit.
        String value = "€".repeat(700);
        assertEquals(Optional.of("oversize entry: field 'note' has 2100 bytes, the limit is 2048"),
                EntryLimits.violation(Map.of("key", "a.png", "note", value)));
    }

    @Test
    void aLongOrUnprintableFieldNameIsRefusedWithoutBeingEchoed() {
        assertTrue(EntryLimits.violation(Map.of("n".repeat(65), "v")).orElseThrow().contains("field name of 65 bytes"));
        String reason = EntryLimits.violation(Map.of("bad\nname", "v".repeat(3_000))).orElseThrow();
        assertEquals("oversize entry: field '?' has 3000 bytes, the limit is 2048", reason);
    }
}
