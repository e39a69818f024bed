package io.pansaar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.key.ImageKey;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.WriteOutcome;
import io.pansaar.store.Claim;
import io.pansaar.store.FetchedImage;
import io.pansaar.store.ImageLayout;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.pansaar.worker.WritePlanner;
import io.quarkus.arc.Arc;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Writes images into the cache as a worker would, claim then put, for tests about what the cache holds. */
public final class StoredImages {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long the fetch of every image written here took, by its metadata. */
    private static final Duration FETCH_TIME = Duration.ofMillis(5);

    private StoredImages() {
    }

    /**
     * Claims the key as a manual regeneration (so a fresh copy is replaced too) and writes a PNG of {@code size} bytes,
     * fresh for {@code freshTtl} without grace or stale-if-error, so its hash expires at fresh-until.
     */
    public static void write(ImageStore store, ImageKey key, int size, Duration freshTtl) {
        assertEquals(WriteOutcome.WRITTEN, writing(store, key, png(size), freshTtl).await().atMost(WAIT));
    }

    /**
     * Writes {@code body} as a worker does for {@code job}, the fields of the job a read's miss enqueued: claims the key
     * with the job's token and requested-at, reason miss, waits as long as the fetch took ({@link #FETCH_TIME}), as the
     * worker's fetch would between its claim and its write, and puts the image fresh for {@code freshTtl} without grace
     * or stale-if-error.
     */
    public static void writeMiss(ImageStore store, ImageKey key, Map<String, String> job, byte[] body,
            Duration freshTtl) {
        writeMiss(store, key, job, body, freshTtl, deploymentsPlanner());
    }

    /**
     * {@link #writeMiss(ImageStore, ImageKey, Map, byte[], Duration)}, the copy planned by {@code planner} rather than
     * the running test's: a planner with other priority settings writes as a deployment with those settings does.
     */
    public static void writeMiss(ImageStore store, ImageKey key, Map<String, String> job, byte[] body,
            Duration freshTtl, WritePlanner planner) {
        FetchedImage image = FetchedImage.of(body, "image/png", Optional.empty(), Optional.empty(), FETCH_TIME);
        assertEquals(WriteOutcome.WRITTEN, writing(store, key, job.get("token"), Long.parseLong(job.get("requested-at")),
                JobReason.MISS, image, freshTtl, FETCH_TIME, planner).await().atMost(WAIT));
    }

    /** The fields of the job a read's {@code miss} of the key enqueued on its partition's job stream. */
    public static Map<String, String> jobOf(RedisDataSource redis, int partition, ImageKey key, ReadResult miss) {
        assertEquals(ReadOutcome.MISS, miss.outcome(), key + " is not cached yet");
        String jobId = miss.jobId().orElseThrow(() -> new AssertionError("a miss of " + key + " enqueued no job"));
        return redis.stream(String.class).xrange(RedisKeys.jobs(partition), StreamRange.of(jobId, jobId)).get(0)
                .payload();
    }

    /**
     * Claims the key for {@code job}, the fields of the job a read's miss enqueued, with its token and requested-at, as
     * a worker does.
     */
    public static Claim claimMiss(ImageStore store, ImageKey key, Map<String, String> job) {
        return store.claim(key, job.get("token"), Long.parseLong(job.get("requested-at")), JobReason.MISS)
                .await().atMost(WAIT);
    }

    /**
     * Puts {@code body} under {@code claim} as a worker does once its fetch is done, fresh for {@code freshTtl} without
     * grace or stale-if-error.
     */
    public static void putClaimed(ImageStore store, ImageKey key, Claim claim, byte[] body, Duration freshTtl) {
        FetchedImage image = FetchedImage.of(body, "image/png", Optional.empty(), Optional.empty(), FETCH_TIME);
        assertEquals(WriteOutcome.WRITTEN, putting(store, key, claim, image, freshTtl, deploymentsPlanner())
                .await().atMost(WAIT));
    }

    /**
     * Writes every key as {@link #write} does, up to {@code inFlight} at once as that many workers would (each put
     * pipelines its staged body with the function call), the same PNG of {@code size} bytes for all.
     */
    public static void writeAll(ImageStore store, List<ImageKey> keys, int size, Duration freshTtl, int inFlight) {
        writeAll(store, keys, size, freshTtl, inFlight, List.of());
    }

    /** {@link #writeAll}, each image filed under {@code tags} as if its origin had sent them. */
    public static void writeAll(ImageStore store, List<ImageKey> keys, int size, Duration freshTtl, int inFlight,
            List<String> tags) {
        FetchedImage image = png(size).withTags(tags);
        List<WriteOutcome> outcomes = Multi.createFrom().iterable(keys)
                .onItem().transformToUni(key -> writing(store, key, image, freshTtl)).merge(inFlight)
                .collect().asList()
                .await().atMost(WAIT.multipliedBy(Math.max(1, keys.size() / 1_000)));
        assertEquals(keys.size(), outcomes.stream().filter(WriteOutcome.WRITTEN::equals).count(),
                "every image written: " + outcomes.stream().distinct().toList());
    }

    /**
     * The values an image hash's meta field holds (see {@link ImageLayout}), field name to value; empty when the hash
     * or its meta is missing.
     */
    public static Map<String, String> meta(RedisDataSource redis, String imageHash) {
        io.vertx.mutiny.redis.client.Response meta = redis.execute("HGET", imageHash, "meta");
        return ImageLayout.decode(meta == null ? null : meta.toString());
    }

    /** The bytes the partition's byte counter says its images take. */
    public static long usedBytes(RedisDataSource redis, int partition) {
        return Long.parseLong(redis.execute("GET", RedisKeys.usedBytes(partition)).toString());
    }

    /** Reads every key once, each of which must be a hit. */
    public static void readAllHits(ImageStore store, List<ImageKey> keys) {
        for (ImageKey key : keys) {
            assertEquals(ReadOutcome.HIT, store.read(key).await().atMost(WAIT).outcome(), key.value());
        }
    }

    /** One value of an image hash's meta field, or null when absent. */
    public static String metaField(RedisDataSource redis, String imageHash, String field) {
        return meta(redis, imageHash).get(field);
    }

    /**
     * What the partition's history entries say its images held are charged (the third part of an entry
     * {@code <exposure>:<changes>:<charged>}), image key to bytes; an image that left keeps no charge.
     */
    public static Map<String, Long> charged(RedisDataSource redis, int partition) {
        Map<String, Long> charged = new HashMap<>();
        redis.hash(String.class).hgetall(RedisKeys.histories(partition)).forEach((member, entry) -> {
            String[] parts = entry.split(":");
            if (parts.length == 3) {
                charged.put(member, Long.parseLong(parts[2]));
            }
        });
        return charged;
    }

    private static Uni<WriteOutcome> writing(ImageStore store, ImageKey key, FetchedImage image, Duration freshTtl) {
        return writing(store, key, UUID.randomUUID().toString(), System.currentTimeMillis(), JobReason.MANUAL, image,
                freshTtl, Duration.ZERO, deploymentsPlanner());
    }

    /** Claims, waits {@code fetching} (none when zero) as a fetch would take, then puts. */
    private static Uni<WriteOutcome> writing(ImageStore store, ImageKey key, String token, long requestedAtMillis,
            JobReason reason, FetchedImage image, Duration freshTtl, Duration fetching, WritePlanner planner) {
        Uni<Claim> claimed = store.claim(key, token, requestedAtMillis, reason);
        if (!fetching.isZero()) {
            claimed = claimed.onItem().delayIt().by(fetching);
        }
        return claimed.onItem().transformToUni(claim -> putting(store, key, claim, image, freshTtl, planner));
    }

    /** The running test's planner, so that a copy is planned with the deployment's settings as the worker plans it. */
    private static WritePlanner deploymentsPlanner() {
        return Arc.container().instance(WritePlanner.class).get();
    }

    private static Uni<WriteOutcome> putting(ImageStore store, ImageKey key, Claim claim, FetchedImage image,
            Duration freshTtl, WritePlanner planner) {
        return store.put(key, claim, image, planner.plan(freshTtl, Duration.ZERO, Duration.ZERO, image.fetchTime(),
                ChangeHistory.NONE), planner.priorityOf(key, image.body().length));
    }

    private static FetchedImage png(int size) {
        return FetchedImage.of(TestImages.png(size), "image/png", Optional.empty(), Optional.empty(), FETCH_TIME);
    }
}
