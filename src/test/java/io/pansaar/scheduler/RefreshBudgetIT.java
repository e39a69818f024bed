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
import io.pansaar.key.Partitioner;
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
 * allows, and use it: 24 images, 6 in each partition, read five times a second with a 4 s TTL would want about
 * 6 refreshes a second; the budget allows 4 (1 per partition per second, with a burst of 2).
 * <p>
 * An image falls due at most half its TTL before it expires, so with a 4 s TTL each due image is seen by two
 * scheduler ticks of 1 s before a reader finds it stale; with a TTL of two ticks it would be seen by one, and a
 * late tick would hand its refresh to a reader. The keys are spread evenly over the partitions, since each
 * partition has a budget of its own: a partition holding fewer images than its budget could refresh leaves
 * tokens unused. The images are first written in four groups a quarter of a TTL apart, so that their due times
 * spread over the ticks: written at once, they would all fall due in the same tick, which can refresh only its
 * burst, and readers would find the rest stale before the next one.
 */
@QuarkusTest
@TestProfile(RefreshBudgetIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class RefreshBudgetIT {

    private static final double REFRESHES_PER_SECOND = 4;
    private static final int PARTITIONS = 4;
    private static final int IMAGES_PER_PARTITION = 6;
    private static final Duration TTL = Duration.ofSeconds(4);
    /** The images are first written in this many groups, one TTL / groups apart. */
    private static final int WRITE_GROUPS = 4;

    /** Four partitions, a budget of four early refreshes a second, a fixed 4 s TTL in segment "hot". */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("pansaar.partitions", String.valueOf(PARTITIONS)),
                    Map.entry("pansaar.refresh.max-per-second", String.valueOf(REFRESHES_PER_SECOND)),
                    Map.entry("pansaar.scheduler.enabled", "true"),
                    Map.entry("pansaar.scheduler.interval", "1s"),
                    Map.entry("pansaar.scheduler.lease", "3s"),
                    Map.entry("pansaar.segments.\"hot\".base-ttl", TTL.toSeconds() + "s"),
                    Map.entry("pansaar.segments.\"hot\".min-ttl", TTL.toSeconds() + "s"),
                    Map.entry("pansaar.segments.\"hot\".max-ttl", TTL.toSeconds() + "s"),
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

    @Inject
    Partitioner partitioner;

    @Test
    void earlyRefreshesStayWithinTheRateBudget() throws InterruptedException {
        List<ImageKey> keys = evenlySpreadKeys();
        for (ImageKey key : keys) {
            origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png"));
        }
        List<ImageKey> written = new ArrayList<>();
        for (int group = 0; group < WRITE_GROUPS; group++) {
            List<ImageKey> first = everyNth(keys, WRITE_GROUPS, group);
            readAll(first);
            await().atMost(WAIT).until(() -> first.stream().allMatch(key -> store.details(key).await().atMost(WAIT).isPresent()));
            written.addAll(first);
            readFor(written, TTL.dividedBy(WRITE_GROUPS));
        }

        // Warm up for one TTL so that images fall due, then count the early refreshes over the window.
        readFor(keys, TTL);
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

    /** {@link #IMAGES_PER_PARTITION} new keys in each partition. */
    private List<ImageKey> evenlySpreadKeys() {
        int[] inPartition = new int[PARTITIONS];
        List<ImageKey> keys = new ArrayList<>();
        while (keys.size() < PARTITIONS * IMAGES_PER_PARTITION) {
            ImageKey key = TestKeys.unique("hot", "png");
            int partition = partitioner.partitionOf(key);
            if (inPartition[partition] < IMAGES_PER_PARTITION) {
                inPartition[partition]++;
                keys.add(key);
            }
        }
        return keys;
    }

    /** The keys at positions {@code first}, {@code first + n}, {@code first + 2n}... */
    private static List<ImageKey> everyNth(List<ImageKey> keys, int n, int first) {
        List<ImageKey> chosen = new ArrayList<>();
        for (int i = first; i < keys.size(); i += n) {
            chosen.add(keys.get(i));
        }
        return chosen;
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
