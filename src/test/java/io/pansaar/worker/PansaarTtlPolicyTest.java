package io.pansaar.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;

class PansaarTtlPolicyTest {

    private static final Duration HOUR = Duration.ofHours(1);
    private final PansaarTtlPolicy policy = new PansaarTtlPolicy();

    @Test
    void anImageWithoutHistoryGetsTheBaseTtl() {
        assertEquals(HOUR, ttl(segment(HOUR, Duration.ofMinutes(1), Duration.ofDays(7)), ChangeHistory.NONE));
    }

    @Test
    void unchangedRefreshesLengthenTheTtlAndChangesShortenIt() {
        SegmentSettings segment = segment(HOUR, Duration.ofMinutes(1), Duration.ofDays(7));
        Duration stable = ttl(segment, new ChangeHistory(Duration.ofDays(3).toMillis(), 0));
        Duration volatileImage = ttl(segment, new ChangeHistory(Duration.ofHours(3).toMillis(), 3));
        assertTrue(stable.compareTo(HOUR) > 0, "unchanged for three days: " + stable);
        assertTrue(volatileImage.compareTo(HOUR) < 0, "three changes in three hours: " + volatileImage);
    }

    @Test
    void theTtlStaysWithinTheSegmentsBounds() {
        SegmentSettings segment = segment(HOUR, Duration.ofMinutes(30), Duration.ofHours(2));
        assertEquals(Duration.ofHours(2), ttl(segment, new ChangeHistory(Duration.ofDays(365).toMillis(), 0)));
        assertEquals(Duration.ofMinutes(30), ttl(segment, new ChangeHistory(Duration.ofMinutes(10).toMillis(), 50)));
    }

    @Test
    void equalBoundsGiveAFixedTtl() {
        SegmentSettings segment = segment(HOUR, HOUR, HOUR);
        assertEquals(HOUR, ttl(segment, new ChangeHistory(Duration.ofDays(30).toMillis(), 0)));
        assertEquals(HOUR, ttl(segment, new ChangeHistory(Duration.ofMinutes(5).toMillis(), 9)));
    }

    private Duration ttl(SegmentSettings segment, ChangeHistory history) {
        return policy.freshTtl(new TtlPolicy.Regeneration(ImageKey.of("avatars/a.png"), segment, 1000,
                Duration.ofMillis(20), false, history));
    }

    private static SegmentSettings segment(Duration base, Duration minimum, Duration maximum) {
        return new SegmentSettings("avatars", Optional.empty(), base, Duration.ofMinutes(5), Duration.ofMinutes(1), 0.01,
                minimum, maximum);
    }
}
