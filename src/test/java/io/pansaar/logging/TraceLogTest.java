package io.pansaar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TraceLogTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aValidTraceparentGivesItsTraceId() {
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceLog.traceIdOf(TRACEPARENT, "pansaar:{1}:jobs", "1-0"));
    }

    @Test
    void withoutATraceparentTheIdIsDerivedFromTheEntryTheSameEveryTime() {
        String first = TraceLog.traceIdOf(null, "pansaar:{1}:jobs", "1-0");
        assertTrue(first.matches("[0-9a-f]{32}"), first);
        assertEquals(first, TraceLog.traceIdOf(null, "pansaar:{1}:jobs", "1-0"), "every delivery, every logger");
        assertNotEquals(first, TraceLog.traceIdOf(null, "pansaar:{1}:jobs", "1-1"));
        assertNotEquals(first, TraceLog.traceIdOf(null, "pansaar:{2}:jobs", "1-0"));
    }

    @Test
    void invalidTraceparentsNameNoTrace() {
        assertTrue(TraceLog.isTraceparent(TRACEPARENT));
        assertFalse(TraceLog.isTraceparent("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"), "all-zero trace id");
        assertFalse(TraceLog.isTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0".repeat(16) + "-01"),
                "all-zero parent id");
        assertFalse(TraceLog.isTraceparent("ff" + TRACEPARENT.substring(2)), "version ff");
        assertFalse(TraceLog.isTraceparent(TRACEPARENT.toUpperCase()), "upper-case hex");
        assertFalse(TraceLog.isTraceparent(TRACEPARENT + "\nforged"), "a line break");
        String derived = TraceLog.traceIdOf("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01", "s", "1-0");
        assertNotEquals("0".repeat(32), derived);
    }
}
