package io.pansaar.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

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

    private static PansaarConfig config(Map<String, String> settings) {
        Map<String, String> properties = new HashMap<>(settings);
        // Quarkus' own converter reads durations such as "1s", as the application does.
        return new SmallRyeConfigBuilder().withMapping(PansaarConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build()
                .getConfigMapping(PansaarConfig.class);
    }
}
