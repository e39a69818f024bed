package io.pansaar.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.config.SegmentSettings;
import io.pansaar.key.ImageKey;

class PansaarTtlPolicyTest {

    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void aNewSegmentsFirstCopiesStartCautiouslyBelowTheBaseTtl() {
        TtlPolicy.Lifetime first = new PansaarTtlPolicy().lifetime(firstFetch(segment(HOUR, Duration.ofMinutes(1),
                Duration.ofDays(7))));
        assertEquals(Duration.ofMillis((long) (HOUR.toMillis() * DynamicTtl.STARTING_FACTOR)), first.freshTtl());
        assertEquals(ChangeHistory.NONE, first.history());
    }

    @Test
    void unchangedRefreshesLengthenTheTtlAndChangesShortenIt() {
        PansaarTtlPolicy policy = new PansaarTtlPolicy();
        SegmentSettings segment = segment(HOUR, Duration.ofMinutes(1), Duration.ofDays(7));
        ChangeHistory stableBefore = new ChangeHistory(Duration.ofDays(3).toMillis(), 0);
        TtlPolicy.Lifetime stable = policy.lifetime(refetch(segment, stableBefore, Duration.ofHours(1), false));
        TtlPolicy.Lifetime volatileImage = policy.lifetime(refetch(segment, new ChangeHistory(Duration.ofHours(3).toMillis(), 3),
                Duration.ofMinutes(20), true));
        assertEquals(stableBefore.revalidated(HOUR.toMillis(), false), stable.history());
        assertEquals(4, volatileImage.history().changes());
        assertTrue(stable.freshTtl().compareTo(HOUR) > 0, "unchanged for three days: " + stable.freshTtl());
        assertTrue(volatileImage.freshTtl().compareTo(Duration.ofMinutes(20)) < 0,
                "four changes in under four hours: " + volatileImage.freshTtl());
    }

    @Test
    void aReturningImageKeepsItsRememberedHistory() {
        PansaarTtlPolicy policy = new PansaarTtlPolicy();
        SegmentSettings segment = segment(HOUR, Duration.ofMinutes(1), Duration.ofDays(7));
        ChangeHistory remembered = new ChangeHistory(Duration.ofDays(30).toMillis(), 0);
        TtlPolicy.Lifetime back = policy.lifetime(new TtlPolicy.Regeneration(ImageKey.of("avatars/a.png"), segment, 1000,
                Duration.ofMillis(20), Optional.empty(), remembered));
        assertEquals(remembered, back.history());
        assertTrue(back.freshTtl().compareTo(HOUR) > 0, "stable for a month: " + back.freshTtl());
    }

    @Test
    void theTtlStaysWithinTheSegmentsBoundsAndEqualBoundsFixIt() {
        PansaarTtlPolicy policy = new PansaarTtlPolicy();
        SegmentSettings bounded = segment(HOUR, Duration.ofMinutes(30), Duration.ofHours(2));
        assertEquals(Duration.ofHours(2), policy.lifetime(refetch(bounded,
                new ChangeHistory(Duration.ofDays(365).toMillis(), 0), HOUR, false)).freshTtl());
        assertEquals(Duration.ofMinutes(30), policy.lifetime(refetch(bounded,
                new ChangeHistory(Duration.ofMinutes(10).toMillis(), 50), Duration.ofMinutes(1), true)).freshTtl());

        SegmentSettings fixed = segment("fixed", HOUR, HOUR, HOUR);
        assertEquals(HOUR, policy.lifetime(firstFetch(fixed)).freshTtl());
        assertEquals(HOUR, policy.lifetime(refetch(fixed, new ChangeHistory(Duration.ofMinutes(5).toMillis(), 9),
                Duration.ofMinutes(1), true)).freshTtl());
    }

    @Test
    void changedFirstRevalidationsTeachTheSegmentAShorterStartingTtl() {
        PansaarTtlPolicy policy = new PansaarTtlPolicy();
        SegmentSettings segment = segment(HOUR, Duration.ofMinutes(1), Duration.ofDays(7));
        Duration before = policy.lifetime(firstFetch(segment)).freshTtl();
        for (int i = 0; i < 5; i++) {
            policy.lifetime(refetch(segment, ChangeHistory.NONE, Duration.ofMinutes(10), true));
        }
        Duration after = policy.lifetime(firstFetch(segment)).freshTtl();
        assertTrue(after.compareTo(before) < 0, "starting TTL " + before + " then " + after);
    }

    @Test
    void aHotImagesCopyLivesNoLongerThanItsMostRequestsTakeButNoShorterThanTheMinimum() {
        PansaarTtlPolicy policy = new PansaarTtlPolicy();
        SegmentSettings segment = segment(HOUR, Duration.ofMinutes(1), Duration.ofDays(7));
        ChangeHistory stable = new ChangeHistory(Duration.ofDays(3).toMillis(), 0);
        Duration uncut = policy.lifetime(refetch(segment, stable, HOUR, false, 0)).freshTtl();
        assertTrue(uncut.compareTo(HOUR) > 0, "unchanged for three days: " + uncut);

        // Ten requests a second: the most a copy may serve take 50 s, below the segment's minimum of a minute.
        assertEquals(Duration.ofMinutes(1), policy.lifetime(refetch(segment, stable, HOUR, false, 0.01)).freshTtl());
        // One request every ten seconds: 5000 s, under the TTL its history earns.
        double everyTenSeconds = 1.0 / 10_000;
        assertEquals(Duration.ofMillis((long) (DynamicTtl.MAXIMUM_REQUESTS_PER_COPY / everyTenSeconds)),
                policy.lifetime(refetch(segment, stable, HOUR, false, everyTenSeconds)).freshTtl());
        // One request an hour: the history's TTL is shorter than the time 500 requests take.
        assertEquals(uncut, policy.lifetime(refetch(segment, stable, HOUR, false, 1.0 / HOUR.toMillis())).freshTtl());
    }

    private static TtlPolicy.Regeneration firstFetch(SegmentSettings segment) {
        return new TtlPolicy.Regeneration(ImageKey.of(segment.name() + "/a.png"), segment, 1000, Duration.ofMillis(20),
                Optional.empty(), ChangeHistory.NONE);
    }

    private static TtlPolicy.Regeneration refetch(SegmentSettings segment, ChangeHistory before, Duration age,
            boolean changed) {
        return refetch(segment, before, age, changed, 0);
    }

    private static TtlPolicy.Regeneration refetch(SegmentSettings segment, ChangeHistory before, Duration age,
            boolean changed, double requestsPerMilli) {
        return new TtlPolicy.Regeneration(ImageKey.of(segment.name() + "/a.png"), segment, 1000, Duration.ofMillis(20),
                Optional.of(new TtlPolicy.Revalidation(before, age.toMillis(), changed, requestsPerMilli)),
                ChangeHistory.NONE);
    }

    private static SegmentSettings segment(Duration base, Duration minimum, Duration maximum) {
        return segment("avatars", base, minimum, maximum);
    }

    private static SegmentSettings segment(String name, Duration base, Duration minimum, Duration maximum) {
        return new SegmentSettings(name, Optional.empty(), base, Duration.ofMinutes(5), Duration.ofDays(1),
                Duration.ofMinutes(1), 0.01, minimum, maximum);
    }
}
