package io.pansaar.redis.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JobReasonTest {

    @Test
    void parsesEveryWireName() {
        for (JobReason reason : JobReason.values()) {
            assertEquals(reason, JobReason.parse(reason.wireName()));
        }
        assertEquals("miss", JobReason.MISS.wireName());
        assertEquals("refresh", JobReason.REFRESH.wireName());
        assertEquals("manual", JobReason.MANUAL.wireName());
        assertEquals("warm", JobReason.WARM.wireName());
    }

    @Test
    void rejectsUnknownWordsNamingTheAllowedOnes() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> JobReason.parse("MISS"));
        assertTrue(error.getMessage().contains("'MISS'") && error.getMessage().contains("miss, refresh, manual or warm"),
                error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JobReason.parse(null));
    }
}
