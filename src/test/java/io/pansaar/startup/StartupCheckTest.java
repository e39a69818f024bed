package io.pansaar.startup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.config.PansaarConfig;
import io.pansaar.testing.TestConfigs;

class StartupCheckTest {

    @Test
    void theDefaultsPass() {
        assertDoesNotThrow(() -> StartupCheck.check(config(Map.of())));
    }

    @Test
    void theOriginsAndTheStreamsLimitsAreCheckedWithTheRest() {
        Map<Map<String, String>, String> refused = Map.of(
                Map.of("pansaar.origin.max-pixels", "0"), "pansaar.origin.max-pixels must be positive",
                Map.of("pansaar.origin.allowed-content-types", "image/svg+xml"), "pansaar.origin.allowed-content-types lists",
                Map.of("pansaar.stream.max-deliveries", "0"), "pansaar.stream.max-deliveries must be at least 1",
                Map.of("pansaar.stream.retry-backoff", "3m"), "retry-backoff-max PT2M is below retry-backoff PT3M",
                Map.of("pansaar.origin.base-url", "http://images.example.com"), "pansaar.origin.base-url must end with '/'");
        refused.forEach((settings, message) -> {
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> StartupCheck.check(config(settings)), settings.toString());
            assertTrue(failure.getMessage().contains(message), failure.getMessage());
        });
    }

    private static PansaarConfig config(Map<String, String> settings) {
        return TestConfigs.pansaarConfig(settings, Map.of());
    }
}
