package io.pansaar.startup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.config.PansaarConfig;
import io.pansaar.config.Segments;
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
        // A share of 64 KiB holds a body of 56 KiB with its overhead, not one of 64 KiB.
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.memory-budget", "1M",
                "pansaar.origin.max-bytes", "56K"))));
        IllegalArgumentException withOverhead = assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.memory-budget", "1M",
                        "pansaar.origin.max-bytes", "64K"))));
        assertTrue(withOverhead.getMessage().contains("overhead"), withOverhead.getMessage());
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
    void aPrioritySettingOutOfRangeIsRefusedByName() {
        Map<Map<String, String>, String> refusals = Map.of(Map.of("pansaar.priority.half-life", "0s"), "half-life must",
                Map.of("pansaar.priority.size-exponent", "3"), "size exponent must",
                Map.of("pansaar.priority.newcomer-penalty", "-1"), "newcomer penalty must",
                // Refused without a memory budget too, where no stage is kept.
                Map.of("pansaar.priority.probation-share", "1"), "probation share must");
        refusals.forEach((settings, reason) -> {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            assertTrue(refused.getMessage().startsWith("pansaar.priority (") && refused.getMessage().contains(reason),
                    refused.getMessage());
        });
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.newcomer-penalty", "0"))));
    }

    @Test
    void aHalfLifeOutsideASecondToThirtyDaysOrAPenaltyOverSixtyFourIsRefused() {
        Map<Map<String, String>, String> refusals = Map.of(Map.of("pansaar.priority.half-life", "999ms"),
                "pansaar.priority.half-life must lie between", Map.of("pansaar.priority.half-life", "31d"),
                "pansaar.priority.half-life must lie between", Map.of("pansaar.priority.newcomer-penalty", "64.5"),
                "pansaar.priority.newcomer-penalty must be at most 64");
        refusals.forEach((settings, reason) -> {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            assertTrue(refused.getMessage().startsWith(reason), refused.getMessage());
        });
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.half-life", "1s",
                "pansaar.priority.newcomer-penalty", "64"))));
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.half-life", "30d"))));
    }

    @Test
    void tuningRefusesAHalfLifeItCouldTuneOutOfBoundsAndADeploymentWithoutBudget() {
        Map<Map<String, String>, String> refusals = Map.of(
                Map.of("pansaar.priority.tuning", "true", "pansaar.memory-budget", "2G",
                        "pansaar.priority.half-life", "3999ms"), "must lie between 4s and 11h15m",
                Map.of("pansaar.priority.tuning", "true", "pansaar.memory-budget", "2G",
                        "pansaar.priority.half-life", "11h16m"), "must lie between 4s and 11h15m",
                Map.of("pansaar.priority.tuning", "true"), "pansaar.priority.tuning needs pansaar.memory-budget",
                Map.of("pansaar.priority.tuning", "true", "pansaar.memory-budget", "2G",
                        "pansaar.priority.tuning-sample", "0"), "tuning-sample must be a share of the keys in (0, 1]",
                Map.of("pansaar.priority.tuning", "true", "pansaar.memory-budget", "2G",
                        "pansaar.priority.tuning-sample", "1.5"), "tuning-sample must be a share of the keys in (0, 1]");
        refusals.forEach((settings, reason) -> {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            assertTrue(refused.getMessage().contains(reason), refused.getMessage());
        });
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning", "true",
                "pansaar.memory-budget", "2G", "pansaar.priority.half-life", "4s"))));
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning", "true",
                "pansaar.memory-budget", "2G", "pansaar.priority.half-life", "11h15m",
                "pansaar.priority.tuning-sample", "0.0625"))));
        // Untuned, the same half-lives and no budget pass.
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.half-life", "3999ms"))));
    }

    @Test
    void tuningIsOnByDefaultWhereverItCanRunAndAsSetOtherwise() {
        // Unset: on with a budget and a half-life tuning can move within 1s..30d, off otherwise and never refused.
        assertTrue(PansaarConfig.tuning(config(Map.of("pansaar.memory-budget", "2G"))));
        assertTrue(PansaarConfig.tuning(config(Map.of("pansaar.memory-budget", "2G",
                "pansaar.priority.half-life", "4s"))));
        assertTrue(PansaarConfig.tuning(config(Map.of("pansaar.memory-budget", "2G",
                "pansaar.priority.half-life", "11h15m"))));
        assertFalse(PansaarConfig.tuning(config(Map.of())));
        for (String halfLife : new String[] {"3999ms", "11h16m", "30d"}) {
            Map<String, String> settings = Map.of("pansaar.memory-budget", "2G", "pansaar.priority.half-life", halfLife);
            assertFalse(PansaarConfig.tuning(config(settings)), halfLife);
            assertDoesNotThrow(() -> ConfigurationCheck.check(config(settings)), halfLife);
        }
        // Set: as set, and refused by check where it cannot run (see the test above).
        assertFalse(PansaarConfig.tuning(config(Map.of("pansaar.memory-budget", "2G",
                "pansaar.priority.tuning", "false"))));
        assertTrue(PansaarConfig.tuning(config(Map.of("pansaar.priority.tuning", "true"))));
    }

    @Test
    void tuningRefusesAHeapShareOutsideZeroToOne() {
        for (String share : new String[] { "0", "1", "-0.5", "1.5" }) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning", "true",
                            "pansaar.memory-budget", "2G", "pansaar.priority.tuning-heap-share", share))), share);
            assertTrue(refused.getMessage().startsWith("pansaar.priority.tuning-heap-share must be a share of the heap "
                    + "in (0, 1), was "), refused.getMessage());
        }
        // Tuning off: refused all the same, rather than when tuning is turned on.
        IllegalArgumentException untuned = assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning-heap-share", "2"))));
        assertTrue(untuned.getMessage().startsWith("pansaar.priority.tuning-heap-share must be a share of the heap"),
                untuned.getMessage());
        IllegalArgumentException untunedSample = assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning-sample", "0"))));
        assertTrue(untunedSample.getMessage().startsWith("pansaar.priority.tuning-sample must be a share of the keys"),
                untunedSample.getMessage());
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning", "true",
                "pansaar.memory-budget", "2G", "pansaar.priority.tuning-heap-share", "0.75"))));
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.priority.tuning", "true",
                "pansaar.memory-budget", "2G", "pansaar.priority.tuning-heap-share", "1e-9"))));
    }

    @Test
    void aNegativeRefreshBudgetOrAnEmptyBatchIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.refresh.max-per-second", "-1"))));
        assertThrows(IllegalArgumentException.class,
                () -> ConfigurationCheck.check(config(Map.of("pansaar.scheduler.batch-size", "0"))));
    }

    @Test
    void aZeroRedisTimeoutOrDeadLetterCapsThatHoldNothingAreRefused() {
        for (Map<String, String> settings : java.util.List.of(Map.of("pansaar.read-through.redis-timeout", "0s"),
                Map.of("pansaar.redis-timeout", "0s"),
                Map.of("pansaar.dead-letters.field-bytes", "8"),
                Map.of("pansaar.dead-letters.listing-bytes", "512", "pansaar.dead-letters.field-bytes", "1K"))) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            String setting = settings.keySet().stream().filter(name -> !name.endsWith("listing-bytes")).findFirst()
                    .orElseThrow();
            assertTrue(refused.getMessage().contains(setting), refused.getMessage());
        }
    }

    @Test
    void everyOriginUrlAndEverySegmentAJobWouldResolveIsCheckedUpFront() {
        Map<Map<String, String>, String> refused = Map.of(
                Map.of("pansaar.origin.base-url", "http://images.example.com/x"), "pansaar.origin.base-url must end with '/'",
                Map.of("pansaar.segments.\"banners\".origin-url", "ftp://banners.example.com/"),
                "pansaar.segments.\"banners\".origin-url must be an http or https URL",
                Map.of("pansaar.segments.\"banners\".min-ttl", "2h"), "pansaar.segments.\"banners\": TTLs must satisfy",
                Map.of("pansaar.defaults.min-ttl", "2h"), "pansaar.defaults: TTLs must satisfy",
                Map.of("pansaar.defaults.freshness-budget", "1.5"), "pansaar.defaults: freshness-budget",
                Map.of("pansaar.worker.fetch-lease", "5s"), "pansaar.worker.fetch-lease (PT5S) must be longer than "
                        + "pansaar.origin.timeout (PT5S)",
                Map.of("pansaar.partitions", "0"), "pansaar.partitions must be at least 1");
        refused.forEach((settings, message) -> {
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            assertTrue(failure.getMessage().startsWith(message), failure.getMessage());
        });
        assertDoesNotThrow(() -> ConfigurationCheck.check(config(Map.of("pansaar.origin.base-url",
                "https://images.example.com/cdn/", "pansaar.segments.\"banners\".base-ttl", "10m",
                "pansaar.segments.\"banners\".max-ttl", "10m", "pansaar.segments.\"banners\".min-ttl", "10m"))));
    }

    @Test
    void originGuardSettingsThatWouldStopOrNeverStopFetchesAreRefused() {
        Map<Map<String, String>, String> refused = Map.of(
                Map.of("pansaar.origin.max-retry-after", "0s"), "pansaar.origin.max-retry-after must be at least 1ms",
                Map.of("pansaar.origin.max-defer", "0s"), "pansaar.origin.max-defer must be at least 1ms",
                Map.of("pansaar.origin.breaker.open-for", "0s"), "pansaar.origin.breaker.open-for must be at least 1ms",
                Map.of("pansaar.origin.breaker.failures", "0"), "pansaar.origin.breaker.failures must be at least 1");
        refused.forEach((settings, message) -> {
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            assertTrue(failure.getMessage().startsWith(message), failure.getMessage());
        });
    }

    @Test
    void aNegativeStaleIfErrorIsRefusedNamingTheSettingItCameFromAndZeroSwitchesItOff() {
        Map<Map<String, String>, String> refused = Map.of(
                Map.of("pansaar.defaults.stale-if-error", "-1s"), "pansaar.defaults.stale-if-error must not be negative",
                // A segment without its own value takes the default's: the default is named, not the segment.
                Map.of("pansaar.defaults.stale-if-error", "-1s", "pansaar.segments.\"banners\".base-ttl", "10m"),
                "pansaar.defaults.stale-if-error must not be negative",
                Map.of("pansaar.segments.\"banners\".stale-if-error", "-5m"),
                "pansaar.segments.\"banners\".stale-if-error must not be negative",
                Map.of("pansaar.segments.\"banners\".grace", "-1s"), "pansaar.segments.\"banners\".grace must not be negative",
                Map.of("pansaar.defaults.negative-ttl", "0s"), "pansaar.defaults.negative-ttl must be at least PT0.001S");
        refused.forEach((settings, message) -> {
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> ConfigurationCheck.check(config(settings)), settings.toString());
            assertTrue(failure.getMessage().startsWith(message), failure.getMessage());
        });

        PansaarConfig off = config(Map.of("pansaar.defaults.stale-if-error", "0s",
                "pansaar.segments.\"banners\".stale-if-error", "2h"));
        assertDoesNotThrow(() -> ConfigurationCheck.check(off));
        Segments segments = new Segments(off);
        assertEquals(Duration.ZERO, segments.of("avatars").staleIfError());
        assertEquals(Duration.ofHours(2), segments.of("banners").staleIfError());
        assertEquals(Duration.ofDays(1), new Segments(config(Map.of())).of("avatars").staleIfError(), "the default");
    }

    private static PansaarConfig config(Map<String, String> settings) {
        return TestConfigs.pansaarConfig(settings, Map.of());
    }
}
