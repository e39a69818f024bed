package io.pansaar.api;

import static io.pansaar.testing.AdminApi.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.pansaar.key.ImageKey;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.NoEventsProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * How long {@code POST /api/purges} takes to purge {@code benchmark.images} images (default 10,000) by one prefix and
 * by one tag, hard and soft, on a single Redis, against the baseline of purging the same number by key in requests of
 * 100, in the same rounds, the order of the prefix and the key purges taking turns. Skipped unless run with {@code -Dbenchmark=purge} (see
 * docs/benchmarks.md); it asserts the counts, never a time.
 */
@QuarkusTest
// No events: the purges' events would add the same XADD to both sides; the figure is the index walk and the deletes.
@TestProfile(NoEventsProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "benchmark", matches = "purge")
class PurgeByPrefixBenchmarkIT {

    private static final int IMAGES = Integer.getInteger("benchmark.images", 10_000);
    private static final int ROUNDS = Integer.getInteger("benchmark.rounds", 3);

    @Inject
    ImageStore store;

    @Inject
    RedisDataSource redis;

    @Test
    void purgingAPrefixOrATagOfTenThousandImagesTakesOneRequest() {
        long[] byPrefix = new long[ROUNDS];
        long[] softByPrefix = new long[ROUNDS];
        long[] byTag = new long[ROUNDS];
        long[] softByTag = new long[ROUNDS];
        long[] byKey = new long[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            boolean prefixFirst = round % 2 == 0;
            if (prefixFirst) {
                byPrefix[round] = timeOnePurge("prefixes", false);
                byKey[round] = timeKeyPurges();
            } else {
                byKey[round] = timeKeyPurges();
                byPrefix[round] = timeOnePurge("prefixes", false);
            }
            softByPrefix[round] = timeOnePurge("prefixes", true);
            byTag[round] = timeOnePurge("tags", false);
            softByTag[round] = timeOnePurge("tags", true);
            System.out.printf("round %d: hard by prefix %,d ms, soft by prefix %,d ms, hard by tag %,d ms, soft by tag "
                    + "%,d ms, hard by key %,d ms%n", round + 1, byPrefix[round], softByPrefix[round], byTag[round],
                    softByTag[round], byKey[round]);
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "| round | %,d images by prefix, hard | "
                + "soft | by tag, hard | soft | by key, 100 a request, hard | prefix / key | tag / key |%n"
                + "|---|---|---|---|---|---|---|---|%n", IMAGES));
        for (int round = 0; round < ROUNDS; round++) {
            table.append(String.format(Locale.ROOT, "| %d | %,d ms | %,d ms | %,d ms | %,d ms | %,d ms | %.2f | %.2f |%n",
                    round + 1, byPrefix[round], softByPrefix[round], byTag[round], softByTag[round], byKey[round],
                    (double) byPrefix[round] / byKey[round], (double) byTag[round] / byKey[round]));
        }
        BenchmarkTable.print("purge", table.toString());
    }

    /**
     * Writes IMAGES images under a new prefix, spread over every partition, and times one purge of them: by the prefix
     * ({@code field} prefixes; the images have no tag) or by a tag they all have ({@code field} tags).
     */
    private long timeOnePurge(String field, boolean soft) {
        String prefix = "bench/" + UUID.randomUUID() + "/";
        String tag = "bench-" + UUID.randomUUID();
        boolean byTag = field.equals("tags");
        StoredImages.writeAll(store, keys(prefix), 1_000, Duration.ofHours(1), 32, byTag ? List.of(tag) : List.of());
        String name = byTag ? tag : prefix;
        long started = System.nanoTime();
        long purged = admin().body(Map.of(field, List.of(name), "soft", soft)).post("/api/purges")
                .then().statusCode(200).extract().jsonPath().getLong("purged");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(IMAGES, purged);
        if (soft) {
            // The copies stay: a hard purge clears them for the next round, untimed.
            admin().body(Map.of(field, List.of(name))).post("/api/purges").then().statusCode(200);
        }
        return millis;
    }

    /** Writes IMAGES images and times purging them by key, 100 a request, one request after the other. */
    private long timeKeyPurges() {
        List<ImageKey> keys = keys("bench/" + UUID.randomUUID() + "/");
        StoredImages.writeAll(store, keys, 1_000, Duration.ofHours(1), 32);
        long started = System.nanoTime();
        long purged = 0;
        for (int from = 0; from < keys.size(); from += PurgesResource.MAX_KEYS) {
            List<String> batch = keys.subList(from, Math.min(keys.size(), from + PurgesResource.MAX_KEYS)).stream()
                    .map(ImageKey::value).toList();
            purged += admin().body(Map.of("keys", batch)).post("/api/purges")
                    .then().statusCode(200).extract().jsonPath().getLong("purged");
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(IMAGES, purged);
        return millis;
    }

    private static List<ImageKey> keys(String prefix) {
        return new ArrayList<>(IntStream.range(0, IMAGES).mapToObj(i -> ImageKey.of(prefix + i + ".png")).toList());
    }

}
