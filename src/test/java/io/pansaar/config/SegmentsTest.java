package io.pansaar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.testing.TestConfigs;

class SegmentsTest {

    @Test
    void aSegmentWithoutItsOwnBoundsOrBudgetTakesTheDynamicTtlsDefaults() {
        Segments segments = new Segments(TestConfigs.pansaarConfig(Map.of("pansaar.segments.\"banners\".base-ttl", "10m"),
                Map.of()));

        SegmentSettings banners = segments.of("banners");
        assertEquals(Duration.ofSeconds(10), banners.minimumTtl());
        assertEquals(Duration.ofMinutes(10 * 168), banners.maximumTtl());
        assertEquals(DynamicTtl.DEFAULT_FRESHNESS_BUDGET, banners.freshnessBudget());
        SegmentSettings unlisted = segments.of("avatars");
        assertEquals(Duration.ofMinutes(1), unlisted.minimumTtl());
        assertEquals(Duration.ofDays(7), unlisted.maximumTtl());
    }
}
