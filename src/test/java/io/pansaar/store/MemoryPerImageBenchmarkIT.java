package io.pansaar.store;

import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.NoEventsProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * What one cached image costs Redis in memory (INFO's used_memory, the image hash and its entries in every index
 * included), against a plain {@code SET} of the same bytes under a key of the same length, in the same run.
 * Skipped unless run with {@code -Dbenchmark=memory} (see docs/benchmarks.md); it asserts no sizes.
 */
@QuarkusTest
// No events: an event is an entry per write, not per image held (capped per partition); measured apart below.
@TestProfile(NoEventsProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "benchmark", matches = "memory")
class MemoryPerImageBenchmarkIT {

    private static final int IMAGES = Integer.getInteger("benchmark.images", 2_000);

    /** The application's partitions in the test profile (pansaar.partitions' default). */
    private static final int PARTITIONS = 16;

    @Inject
    ImageStore store;

    @Inject
    RedisDataSource redis;

    @Test
    void anImageCostsWhatASetOfItsBytesCostsPlusItsMetadataAndIndexes() {
        System.out.printf("memory per image, %,d images each:%n", IMAGES);
        StringBuilder table = new StringBuilder("| body | cached image | plain `SET` | ratio | over the `SET` | of which the "
                + "hash | of which the indexes | of which the keys index |\n|---|---|---|---|---|---|---|---|\n");
        for (int size : new int[] { 1_000, 20_000 }) {
            byte[] body = TestImages.png(size);
            long beforeSets = usedMemory();
            String setKey = "";
            for (int i = 0; i < IMAGES; i++) {
                // A key as long as an image hash's name, pansaar:{p}:img:bench/<uuid>.png.
                setKey = "pansaar:{0}:set:bench/" + UUID.randomUUID() + ".png";
                redis.value(byte[].class).set(setKey, body);
            }
            long perSet = (usedMemory() - beforeSets) / IMAGES;
            long beforeImages = usedMemory();
            ImageKey key = null;
            for (int i = 0; i < IMAGES; i++) {
                key = ImageKey.of("bench/" + UUID.randomUUID() + ".png");
                StoredImages.write(store, key, size, Duration.ofHours(1));
            }
            long perImage = (usedMemory() - beforeImages) / IMAGES;
            // The hash alone, as MEMORY USAGE sees one; the rest of the per-image cost is its entries in the indexes.
            long hash = redis.execute("MEMORY", "USAGE", RedisKeys.image(
                    new Partitioner(PARTITIONS).partitionOf(key), key), "SAMPLES", "0").toLong();
            long set = redis.execute("MEMORY", "USAGE", setKey, "SAMPLES", "0").toLong();
            // The keys index's share of the indexes: what deleting every partition's keys index frees, per image.
            long beforeKeysIndexes = usedMemory();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                redis.key().del(RedisKeys.keysIndex(partition));
            }
            long keysIndex = (beforeKeysIndexes - usedMemory()) / IMAGES;
            System.out.printf("  %,6d-byte body: image %,d B, SET %,d B, ratio %.2f, overhead %,d B over the SET "
                    + "(the image hash %,d B against the SET's key %,d B; the indexes %,d B, of which the keys index "
                    + "%,d B)%n", body.length, perImage, perSet, (double) perImage / perSet, perImage - perSet, hash,
                    set, perImage - hash, keysIndex);
            table.append(String.format(Locale.ROOT,
                    "| %,d B | %,d B | %,d B | %.2f | %,d B | %,d B | %,d B | %,d B |%n", body.length, perImage, perSet,
                    (double) perImage / perSet, perImage - perSet, hash - set, perImage - hash, keysIndex));
            redis.execute("FLUSHALL");
        }
        table.append(String.format(Locale.ROOT, "%nOne entry of an events stream, as a write appends it (event, a key as long as "
                + "the images', size, ETag, time): %,d B; a partition's stream holds at most pansaar.events.max-length "
                + "of them.%n", perEvent()));
        BenchmarkTable.print("memory", table.toString());
    }

    /** used_memory growth per entry of IMAGES events appended as the functions append them, in one stream. */
    private long perEvent() {
        String stream = "pansaar:{0}:events";
        long before = usedMemory();
        for (int i = 0; i < IMAGES; i++) {
            redis.execute("XADD", stream, "*", "event", "regenerated", "key", "bench/" + UUID.randomUUID() + ".png",
                    "size", "20000", "etag", "\"" + UUID.randomUUID() + "\"", "at", String.valueOf(System.currentTimeMillis()));
        }
        long perEvent = (usedMemory() - before) / IMAGES;
        redis.execute("FLUSHALL");
        return perEvent;
    }

    private long usedMemory() {
        String info = redis.execute("INFO", "memory").toString();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory: " + info);
    }
}
