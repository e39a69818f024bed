package io.pansaar.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.redis.function.JobReason;
import io.pansaar.stream.StreamEntry;
import io.pansaar.stream.UnprocessableEntryException;

class RegenerationJobTest {

    private static StreamEntry entry(Map<String, String> fields) {
        return new StreamEntry("pansaar:{1}:jobs", 1, "1732870000000-3", fields, 1);
    }

    @Test
    void readsEveryField() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        RegenerationJob job = RegenerationJob.from(entry(Map.of("key", "avatars/u1.png", "reason", "refresh",
                "requested-at", "1732869999000", "traceparent", traceparent, "token", "t-1")));
        assertEquals("avatars/u1.png", job.key().value());
        assertEquals(JobReason.REFRESH, job.reason());
        assertEquals(1732869999000L, job.requestedAtMillis());
        assertEquals(Optional.of(traceparent), job.traceparent());
        assertEquals("t-1", job.claimToken());
        assertTrue(job.describe().contains("traceparent " + traceparent), job.describe());
    }

    @Test
    void defaultsToAManualJobRequestedWhenTheEntryWasAdded() {
        RegenerationJob job = RegenerationJob.from(entry(Map.of("key", "avatars/u1.png")));
        assertEquals(JobReason.MANUAL, job.reason());
        assertEquals(1732870000000L, job.requestedAtMillis());
        assertEquals("entry-1-1732870000000-3", job.claimToken());
        assertEquals("manual job 1732870000000-3 of pansaar:{1}:jobs", job.describe());
    }

    @Test
    void rejectsMalformedEntriesWithTheReason() {
        assertMalformed(Map.of("reason", "miss"), "no 'key' field");
        assertMalformed(Map.of("key", "/avatars/u1.png"), "starts with '/'");
        assertMalformed(Map.of("key", "avatars/u1.png", "reason", "soon"), "reason 'soon'; it must be miss, refresh, manual or warm");
        assertMalformed(Map.of("key", "avatars/u1.png", "reason", "miss\r\nFORGED"), "reason 'miss\\r\\nFORGED'");
        assertMalformed(Map.of("key", "avatars/u1.png", "requested-at", "1\nFORGED"), "requested-at '1\\nFORGED'");
        assertMalformed(Map.of("key", "avatars/u1.png", "requested-at", "yesterday"), "epoch milliseconds");
        assertMalformed(Map.of("key", "avatars/u1.png", "requested-at", "-5"), "epoch milliseconds");
    }

    @Test
    void aTraceparentOfAnotherShapeIsDropped() {
        String valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertEquals(Optional.of(valid), RegenerationJob.from(entry(Map.of("key", "a/b.png", "traceparent", valid)))
                .traceparent());
        for (String hostile : List.of(valid + "\nFORGED", "not a trace context", valid.toUpperCase(Locale.ROOT))) {
            RegenerationJob job = RegenerationJob.from(entry(Map.of("key", "a/b.png", "traceparent", hostile)));
            assertEquals(Optional.empty(), job.traceparent(), hostile);
            assertFalse(job.describe().contains("FORGED"));
        }
    }

    private static void assertMalformed(Map<String, String> fields, String reason) {
        UnprocessableEntryException error = assertThrows(UnprocessableEntryException.class,
                () -> RegenerationJob.from(entry(fields)));
        assertTrue(error.getMessage().contains(reason), error.getMessage());
    }
}
