package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.TestConfigs;

class OriginPolicyTest {

    private static final OriginId IMAGES = OriginId.of(URI.create("https://images.example.com/"));
    private static final OriginId BANNERS = OriginId.of(URI.create("http://banners.example.com:8080/b/"));

    @Test
    void anOriginIsSchemeHostAndPort() {
        assertEquals("https://images.example.com:443", IMAGES.toString());
        assertEquals(IMAGES, OriginId.of(URI.create("HTTPS://Images.Example.com:443/other/path/")));
        assertEquals("http://banners.example.com:8080", BANNERS.toString());
        assertEquals("http://[::1]:80", OriginId.of(URI.create("http://[::1]/")).toString());
    }

    @Test
    void theBaseUrlsOriginTakesTheDefaults() {
        Map<OriginId, OriginPolicy> policies = OriginPolicy.of(TestConfigs.pansaarConfig(Map.of(
                "pansaar.origin.base-url", "https://images.example.com/cdn/"), Map.of()));
        assertEquals(Map.of(IMAGES, new OriginPolicy(16, OptionalDouble.empty())), policies);
    }

    @Test
    void whereSegmentsShareAnOriginTheSmallestLimitApplies() {
        Map<OriginId, OriginPolicy> policies = OriginPolicy.of(TestConfigs.pansaarConfig(Map.of(
                "pansaar.origin.base-url", "https://images.example.com/",
                "pansaar.origin.max-rate", "50",
                // Shares the base URL's origin, which unlisted segments use with the defaults: 16 stays.
                "pansaar.segments.\"avatars\".max-concurrency", "40",
                "pansaar.segments.\"thumbs\".max-rate", "20",
                "pansaar.segments.\"banners\".origin-url", "http://banners.example.com:8080/b/",
                "pansaar.segments.\"banners\".max-concurrency", "64",
                "pansaar.segments.\"ads\".origin-url", "http://banners.example.com:8080/ads/",
                "pansaar.segments.\"ads\".max-concurrency", "4"), Map.of()));
        assertEquals(new OriginPolicy(16, OptionalDouble.of(20)), policies.get(IMAGES));
        assertEquals(new OriginPolicy(4, OptionalDouble.of(50)), policies.get(BANNERS));
    }

    @Test
    void aLimitThatAllowsNothingIsRefusedNamingItsSetting() {
        IllegalArgumentException concurrency = assertThrows(IllegalArgumentException.class,
                () -> OriginPolicy.of(TestConfigs.pansaarConfig(Map.of("pansaar.origin.base-url", "https://a.example/",
                        "pansaar.segments.\"x\".max-concurrency", "0"), Map.of())));
        assertTrue(concurrency.getMessage().startsWith("pansaar.segments.\"x\".max-concurrency must be at least 1"),
                concurrency.getMessage());
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> OriginPolicy.of(TestConfigs.pansaarConfig(Map.of("pansaar.origin.base-url", "https://a.example/",
                        "pansaar.origin.max-rate", "0"), Map.of())));
        assertTrue(rate.getMessage().startsWith("pansaar.origin.max-rate must be above 0"), rate.getMessage());
    }

    @Test
    void withoutAPoolSizeAProcessMayOpenAsManyConnectionsAsItsWorkerAndTheFleetMaySend() {
        Map<String, String> settings = Map.of("pansaar.origin.base-url", "https://images.example.com/",
                "pansaar.segments.\"banners\".origin-url", "http://banners.example.com:8080/b/",
                "pansaar.segments.\"banners\".max-concurrency", "64", "pansaar.worker.concurrency", "128");
        assertEquals(64, OriginLimits.from(TestConfigs.pansaarConfig(settings, Map.of())).maxConnections(),
                "the fleet's limit is below the worker's concurrency");
        Map<String, String> fewerJobs = new HashMap<>(settings);
        fewerJobs.put("pansaar.worker.concurrency", "24");
        assertEquals(24, OriginLimits.from(TestConfigs.pansaarConfig(fewerJobs, Map.of())).maxConnections(),
                "the worker's concurrency is below the fleet's limit");
        assertEquals(16, OriginLimits.from(TestConfigs.pansaarConfig(Map.of(), Map.of())).maxConnections(),
                "no origin configured: the default max-concurrency");
        Map<String, String> pinned = new HashMap<>(settings);
        pinned.put("pansaar.origin.max-connections", "8");
        assertEquals(8, OriginLimits.from(TestConfigs.pansaarConfig(pinned, Map.of())).maxConnections());
    }

    @Test
    void aRateBecomesAnIntervalAndASecondsWorthOfBurst() {
        OriginPolicy policy = new OriginPolicy(1, OptionalDouble.of(4));
        assertEquals(250_000, policy.rateIntervalMicros());
        assertEquals(4, policy.rateBurst());
        OriginPolicy slow = new OriginPolicy(1, OptionalDouble.of(0.5));
        assertEquals(2_000_000, slow.rateIntervalMicros());
        assertEquals(1, slow.rateBurst());
        assertEquals(0, new OriginPolicy(1, OptionalDouble.empty()).rateIntervalMicros());
    }
}
