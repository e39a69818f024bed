package io.pansaar.store;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.RespLoad;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * What a cache hit costs Redis: the reads an app server sends for a hit of a 20 KB image, against a plain GET of
 * the same bytes, in the same run. Closed-loop connections ({@link RespLoad}) send one read at a time, rotating over
 * the images; rounds interleave the reads so each meets the same noise, and the median of each is compared with
 * GET's. Skipped unless run with {@code -Dbenchmark=hits} (see docs/benchmarks.md); it asserts no speeds.
 */
@QuarkusTest
@TestProfile(NoConsumerProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "benchmark", matches = "hits")
class HitPathBenchmarkIT {

    private static final int IMAGES = Integer.getInteger("benchmark.images", 100);
    private static final int SIZE = Integer.getInteger("benchmark.size", 20_000);
    private static final int CONNECTIONS = Integer.getInteger("benchmark.connections", 50);
    private static final long MILLIS = Long.getLong("benchmark.millis", 5_000);
    private static final int ROUNDS = Integer.getInteger("benchmark.rounds", 3);
    /** The fields a reader's HMGET asks for, as ImageStore's read does. */
    private static final List<String> READ_FIELDS = List.of("body", "meta");

    @Inject
    ImageStore store;

    @Inject
    Partitioner partitioner;

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String redisHosts;

    @Test
    void aHitCostsRedisAboutWhatAPlainGetOfItsBytesCosts() throws InterruptedException {
        List<ImageKey> keys = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            ImageKey key = ImageKey.of("bench/hit-" + i + ".png");
            StoredImages.write(store, key, SIZE, Duration.ofHours(1));
            redis.value(byte[].class).set(plainKey(key), TestImages.png(SIZE));
            keys.add(key);
        }
        Map<String, Function<ImageKey, RespLoad.Read>> reads = new LinkedHashMap<>();
        reads.put("plain `GET` of the same bytes (anchor)", key -> RespLoad.Read.of("GET", plainKey(key)));
        reads.put("Pansaar hit: `HMGET` + `HINCRBY` of the hit counter", this::pansaarHit);
        reads.put("previous hit: `HMGET` + `FCALL pansaar_get`", this::recordedInsideTheFunction);
        reads.put("the seed's hit: `GET` + `ZADD` + `INCR`", HitPathBenchmarkIT::seedHit);

        URI redisUri = URI.create(redisHosts.split(",")[0]);
        Map<String, double[]> rates = new LinkedHashMap<>();
        reads.keySet().forEach(name -> rates.put(name, new double[ROUNDS]));
        for (int round = 0; round < ROUNDS; round++) {
            for (Map.Entry<String, Function<ImageKey, RespLoad.Read>> read : reads.entrySet()) {
                rates.get(read.getKey())[round] = RespLoad.readsPerSecond(redisUri.getHost(), redisUri.getPort(),
                        CONNECTIONS, MILLIS, keys.stream().map(read.getValue()).toList());
            }
        }
        double anchor = median(rates.values().iterator().next());
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "%d images of %,d B, %d connections, %d interleaved rounds of %d s; median (lowest–highest round):%n%n",
                IMAGES, SIZE, CONNECTIONS, ROUNDS, MILLIS / 1000));
        table.append("| read | reads/s | ratio to `GET` |\n|---|---|---|\n");
        rates.forEach((name, measured) -> table.append(String.format(Locale.ROOT, "| %s | %,.0f (%,.0f–%,.0f) | %.2f |%n",
                name, median(measured), Arrays.stream(measured).min().orElseThrow(),
                Arrays.stream(measured).max().orElseThrow(), median(measured) / anchor)));
        BenchmarkTable.print("hits", table.toString());
    }

    private static String plainKey(ImageKey key) {
        return "plain:" + key.value();
    }

    /** What ImageStore sends for a fresh hit: one round trip of two plain commands. */
    private RespLoad.Read pansaarHit(ImageKey key) {
        int partition = partitioner.partitionOf(key);
        List<String> hmget = new ArrayList<>(List.of("HMGET", RedisKeys.image(partition, key)));
        hmget.addAll(READ_FIELDS);
        return RespLoad.Read.pipelined(List.of(hmget,
                List.of("HINCRBY", RedisKeys.hits(partition), key.value(), "1")));
    }

    /** The hit as API 4 and older recorded it, inside pansaar_get, which still records a read so when asked to. */
    private RespLoad.Read recordedInsideTheFunction(ImageKey key) {
        int partition = partitioner.partitionOf(key);
        List<String> hmget = new ArrayList<>(List.of("HMGET", RedisKeys.image(partition, key)));
        hmget.addAll(READ_FIELDS);
        return RespLoad.Read.pipelined(List.of(hmget, List.of("FCALL", "pansaar_get", "6",
                RedisKeys.image(partition, key), RedisKeys.marker(partition, key), RedisKeys.jobs(partition),
                RedisKeys.tokenCounter(partition), RedisKeys.stats(partition), RedisKeys.priorityIndex(partition),
                key.value(), "", "600000")));
    }

    /** The seed's getCachedImage on a hit: the GET, then its LRU ZADD and access-count INCR, sent without waiting. */
    private static RespLoad.Read seedHit(ImageKey key) {
        return RespLoad.Read.pipelined(List.of(List.of("GET", plainKey(key)),
                List.of("ZADD", "image_lru", String.valueOf(System.currentTimeMillis()), plainKey(key)),
                List.of("INCR", plainKey(key) + ":access_count")));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
