package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.DynamicTtl;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * A hot image's next copy is fresh no longer than its requests take to reach {@link
 * DynamicTtl#MAXIMUM_REQUESTS_PER_COPY}, end to end: the claim reads the copy's access score, the worker works out its
 * request rate, and the refreshed copy's fresh TTL is cut to it. A short half-life lets fifty reads make an image hot.
 */
@QuarkusTest
@TestProfile(HotCopyTtlIT.ShortHalfLifeProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class HotCopyTtlIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int READS = 50;

    /** A half-life of ten seconds: fifty reads then ask for 500 requests within about two and a half minutes. */
    public static class ShortHalfLifeProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.priority.half-life", "10s");
        }
    }

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    PansaarConfig config;

    @Test
    void aRefreshedHotImageIsFreshOnlyAsLongAsItsMostRequestsTake() {
        ImageKey key = ImageKey.of("avatars/" + UUID.randomUUID() + ".png");
        int partition = partitioner.partitionOf(key);
        origin.serve(key.value(), Reply.image(TestImages.png(3_000), "image/png").withETag("\"same\""));
        assertTrue(read(key).enqueued());
        await().atMost(WAIT).until(() -> read(key).outcome() == ReadOutcome.HIT);
        Map<String, String> first = meta(key);
        long firstFetchedAt = Long.parseLong(first.get("fetched-at"));
        // A first copy is not cut: the segment's starting TTL, 0.3 of its base hour.
        long startingTtl = Long.parseLong(first.get("fresh-ttl"));
        assertEquals((long) (config.segmentDefaults().baseTtl().toMillis() * DynamicTtl.STARTING_FACTOR), startingTtl);

        for (int i = 1; i < READS; i++) {
            assertEquals(ReadOutcome.HIT, read(key).outcome());
        }
        // The scheduler folds hits at each tick; fold whatever still waits, so that the score holds every read.
        while (functions.foldHits(partition, 32).await().atMost(WAIT).waiting() > 0) {
            continue;
        }
        double score = Double.parseDouble(meta(key).get("access-score"));
        double halfLife = Double.parseDouble(meta(key).get("half-life"));

        // A manual regeneration: a conditional GET, answered 304, and a new lifetime for the copy.
        redis.stream(String.class).xadd(RedisKeys.jobs(partition), Map.of("key", key.value(), "reason", "manual",
                "requested-at", String.valueOf(firstFetchedAt + 1)));
        await().atMost(WAIT).until(() -> Long.parseLong(meta(key).get("fetched-at")) > firstFetchedAt);

        Map<String, String> refreshed = meta(key);
        long claimedAt = Long.parseLong(refreshed.get("fetched-at"));
        double rate = new AccessPriority(halfLife, 0).requestRate(score, claimedAt);
        long expected = (long) (DynamicTtl.MAXIMUM_REQUESTS_PER_COPY / rate);
        assertEquals(expected, Long.parseLong(refreshed.get("fresh-ttl")),
                "500 requests at " + rate * 1000 + " a second; uncut it would live about " + startingTtl + " ms");
        assertTrue(expected < startingTtl && expected > config.segmentDefaults().baseTtl().toMillis() / 60,
                "cut, and above the segment's minimum: " + expected);
    }

    private ReadResult read(ImageKey key) {
        return store.read(key).await().atMost(WAIT);
    }

    private Map<String, String> meta(ImageKey key) {
        return StoredImages.meta(redis, RedisKeys.image(partitioner.partitionOf(key), key));
    }
}
