package io.pansaar.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.TestConfigs;


class ConfigurationCheckTest {

    @Test
    void theDefaultsPass() {
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of())));
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.memory-budget", "2G"))));
    }

    @Test
    void aBudgetWhosePartitionShareIsSmallerThanOneImageIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.memory-budget", "1M"))));
        assertTrue(refused.getMessage().contains("pansaar.memory-budget") && refused.getMessage().contains("max-bytes"),
                refused.getMessage());
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.memory-budget", "1M",
                "pansaar.origin.max-bytes", "64K"))));
    }

    @Test
    void aSubSecondIntervalOrAShortLeaseIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.scheduler.interval", "500ms"))));
        IllegalArgumentException lease = assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.scheduler.interval", "2s",
                        "pansaar.scheduler.lease", "3s"))));
        assertTrue(lease.getMessage().contains("twice"), lease.getMessage());
    }

    @Test
    void aNegativeRefreshBudgetOrAnEmptyBatchIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.refresh.max-per-second", "-1"))));
        assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.scheduler.batch-size", "0"))));
    }

    @Test
    void aZeroRedisTimeoutNoPixelsOrDeadLetterCapsThatHoldNothingAreRefused() {
        for (Map<String, String> settings : java.util.List.of(Map.of("pansaar.read-through.redis-timeout", "0s"),
                Map.of("pansaar.origin.max-pixels", "0"), Map.of("pansaar.dead-letters.field-bytes", "8"),
                Map.of("pansaar.dead-letters.listing-bytes", "512", "pansaar.dead-letters.field-bytes", "1K"))) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            String setting = settings.keySet().stream().filter(name -> !name.endsWith("listing-bytes")).findFirst()
                    .orElseThrow();
            assertTrue(refused.getMessage().contains(setting), refused.getMessage());
        }
    }

    private static PansaarConfig config(Map<String, String> settings) {
        return TestConfigs.pansaarConfig(settings, Map.of());
    }
}
