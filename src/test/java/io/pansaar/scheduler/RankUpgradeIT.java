package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * A partition written by API 10 or older, its priority index ranked in half-lives, goes over its budget after the
 * upgrade: every such rank lies below every rank in ms, so eviction meets the older images first, however popular.
 * One run of the scheduler's duties must rank them all anew, call after call, and then evict the image that is least
 * wanted in ms, the newcomer, rather than stop after the first call that evicted nothing, or evict an older image for
 * its rank's units.
 */
@QuarkusTest
@TestProfile(RankUpgradeIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RankUpgradeIT {

    /** Each partition's share: the older images fit, and the newcomer takes the partition over it. */
    private static final long SHARE = 220_000;
    private static final int PARTITIONS = 16;
    /** Older images: several calls' worth of candidates ranked anew, at 16 a call. */
    private static final int OLDER = 100;
    private static final int OLDER_BODY = 1_000;
    private static final int NEWCOMER_BODY = 12_000;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Ranks below this are in half-lives (RANKS_IN_MS_FROM in shared.lua). */
    private static final double RANKS_IN_MS_FROM = Math.pow(2, 40);

    /** A share of SHARE per partition, no stream consumer, the scheduler's ticks off: the test runs its duties. */
    public static class Profile extends NoConsumerProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("pansaar.partitions", String.valueOf(PARTITIONS));
            overrides.put("pansaar.memory-budget", String.valueOf(PARTITIONS * SHARE));
            overrides.put("pansaar.origin.max-bytes", "16K");
            // Off by name, where a budget would turn it on: the ranks are then the configured half-life's alone, and
            // the end of the test shows that the setting turns tuning off.
            overrides.put("pansaar.priority.tuning", "false");
            // An API 10 partition had no stage: off, so that the newcomer is ranked in ms among the older images
            // rather than wait on probation above them.
            overrides.put("pansaar.priority.probation-share", "0");
            return overrides;
        }
    }

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    /** The application's scheduler, whose ticks the profile leaves off: the test runs a partition's duties. */
    @Inject
    PartitionScheduler scheduler;

    @Inject
    Partitioner partitioner;

    @Inject
    RedisDataSource redis;

    @Test
    void oneRunOfTheDutiesRanksTheOlderImagesAnewAndEvictsTheNewcomer() {
        int partition = 5;
        List<ImageKey> keys = TestKeys.inPartition(partitioner, partition, "upgrade/i", OLDER + 1);
        List<ImageKey> older = keys.subList(0, OLDER);
        ImageKey newcomer = keys.get(OLDER);
        StoredImages.writeAll(store, older, OLDER_BODY, HOUR, 8);
        // Three reads each, folded: under either ranking each older image outranks an image read once.
        for (ImageKey key : older) {
            for (int read = 0; read < 3; read++) {
                assertEquals(ReadOutcome.HIT, store.read(key).await().atMost(WAIT).outcome());
            }
        }
        FoldHitsReply folded;
        do {
            folded = functions.foldHits(partition, PansaarFunctions.MAX_IMAGES_PER_CALL).await().atMost(WAIT);
        } while (folded.waiting() > 0);
        // Ranked as API 10 ranked them: score less size term, in half-lives.
        String priorityIndex = RedisKeys.priorityIndex(partition);
        for (ImageKey key : older) {
            Map<String, String> meta = StoredImages.meta(redis, RedisKeys.image(partition, key));
            double inHalfLives = Double.parseDouble(meta.get("access-score"))
                    - Double.parseDouble(meta.getOrDefault("size-term", "0"));
            redis.execute("ZADD", priorityIndex, "XX", String.valueOf(inHalfLives), key.value());
        }
        assertTrue(StoredImages.usedBytes(redis, partition) <= SHARE, "the older images fit the share: " + StoredImages.usedBytes(redis, partition));

        // The newcomer's write takes the partition over its share; its own eviction ranks one call's worth anew.
        StoredImages.write(store, newcomer, NEWCOMER_BODY, HOUR);
        assertTrue(StoredImages.usedBytes(redis, partition) > SHARE, "over the share after the newcomer: " + StoredImages.usedBytes(redis, partition));
        assertEquals(0L, redis.execute("EXISTS", RedisKeys.arrivals(partition)).toLong(),
                "tuning off: the writes record no arrival for a tuner");

        assertTrue(scheduler.runDuties(partition), "the partition's lease is free");

        assertTrue(StoredImages.usedBytes(redis, partition) <= SHARE, "within the share after one run: " + StoredImages.usedBytes(redis, partition));
        assertEquals(0L, redis.execute("EXISTS", RedisKeys.image(partition, newcomer)).toLong(),
                "the newcomer, read once, leaves");
        for (ImageKey key : older) {
            assertEquals(1L, redis.execute("EXISTS", RedisKeys.image(partition, key)).toLong(), key + " stays");
        }
        assertEquals(0L, redis.execute("ZCOUNT", priorityIndex, "-inf", "(" + (long) RANKS_IN_MS_FROM).toLong(),
                "every rank is in ms");
        // Tuning is off: the duties store no tuned values, and nothing was recorded for a tuner since.
        assertEquals(0L, redis.execute("EXISTS", RedisKeys.tuning(partition), RedisKeys.arrivals(partition)).toLong(),
                "nothing tuned, nothing recorded for a tuner");
    }

}
