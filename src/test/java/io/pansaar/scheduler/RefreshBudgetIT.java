package io.pansaar.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.PartitionCounters;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

/**
 * Early refreshes stay within {@code pansaar.refresh.max-per-second} when more hot images fall due than it
 * allows: 24 images read five times a second with a 2 s TTL would want about 12 refreshes a second; the budget
 * allows 4 (1 per partition per second, with a burst of 2).
 */
@QuarkusTest
@TestProfile(RefreshBudgetIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class RefreshBudgetIT {

    private static final double REFRESHES_PER_SECOND = 4;
    private static final int PARTITIONS = 4;

    /** Four partitions, a budget of four early refreshes a second, a fixed 2 s TTL in segment "hot". */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("pansaar.partitions", String.valueOf(PARTITIONS)),
                    Map.entry("pansaar.refresh.max-per-second", String.valueOf(REFRESHES_PER_SECOND)),
                    Map.entry("pansaar.scheduler.enabled", "true"),
                    Map.entry("pansaar.scheduler.interval", "1s"),
                    Map.entry("pansaar.scheduler.lease", "3s"),
                    Map.entry("pansaar.segments.\"hot\".base-ttl", "2s"),
                    Map.entry("pansaar.segments.\"hot\".min-ttl", "2s"),
                    Map.entry("pansaar.segments.\"hot\".max-ttl", "2s"),
                    Map.entry("pansaar.segments.\"hot\".grace", "5s"),
                    Map.entry("pansaar.priority.half-life", "5s"),
                    Map.entry("pansaar.refresh.min-expected-requests", "1"));
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration WINDOW = Duration.ofSeconds(10);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Inject
    RedisDataSource redis;

    @Inject
    PansaarConfig config;

    @Test
    void earlyRefreshesStayWithinTheRateBudget() throws InterruptedException {
        List<ImageKey> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            ImageKey key = TestKeys.unique("hot", "png");
            origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png"));
            keys.add(key);
        }
        readAll(keys);
        await().atMost(WAIT).until(() -> keys.stream().allMatch(key -> store.details(key).await().atMost(WAIT).isPresent()));

        // Warm up for one TTL so that images fall due, then count the early refreshes over the window.
        readFor(keys, Duration.ofSeconds(2));
        long before = refreshedEarly();
        long start = System.nanoTime();
        readFor(keys, WINDOW);
        long refreshed = refreshedEarly() - before;
        double seconds = (System.nanoTime() - start) / 1e9;

        // A token bucket allows rate x time plus its burst (two ticks' worth, 2 per partition); one tick of slack
        // for the window's edges.
        double allowed = REFRESHES_PER_SECOND * (seconds + 1) + 2 * PARTITIONS;
        assertTrue(refreshed <= allowed, refreshed + " early refreshes in " + seconds + " s, allowed " + allowed);
        assertTrue(refreshed >= REFRESHES_PER_SECOND * seconds / 2,
                "only " + refreshed + " early refreshes in " + seconds + " s: the budget was not used");
    }

    private void readFor(List<ImageKey> keys, Duration duration) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            readAll(keys);
            Thread.sleep(200);
        }
    }

    private void readAll(List<ImageKey> keys) {
        Uni.join().all(keys.stream().map(store::read).toList()).andFailFast().await().atMost(WAIT);
    }

    private long refreshedEarly() {
        return PartitionCounters.sum(redis, config.partitions(), "refreshed-early");
    }
}
