package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Measures how soon a reader waiting for a missing image is answered after the image is written: the
 * time from the write's announcement reaching an independent subscriber in this JVM to the reader's
 * HTTP response arriving. It reports a distribution and asserts no times. Run it with
 * {@code -Dbenchmark=read-through} (see docs/benchmarks.md).
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "benchmark", matches = "read-through")
class ReadThroughLatencyBenchmarkIT {

    private static final int KEYS = Integer.getInteger("benchmark.keys", 100);
    /** One run per count, comma-separated, each with its row in the table. */
    private static final String READERS_PER_KEY = System.getProperty("benchmark.readers-per-key", "1,20");
    private static final Duration ORIGIN_DELAY = Duration.ofMillis(100);
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @TestHTTPResource("/images/")
    URL images;

    @Test
    void waitingReadersAreAnsweredSoonAfterTheWrite() throws Exception {
        StringBuilder table = new StringBuilder("| readers per key | keys | notified answers | notified p50 / p90 / p99 | "
                + "polling p50 / p90 / p99 | median ratio |\n|---|---|---|---|---|---|\n");
        for (String readers : READERS_PER_KEY.split(",")) {
            table.append(measure(Integer.parseInt(readers.trim())));
        }
        BenchmarkTable.print("read-through", table.toString());
    }

    /** Measures KEYS keys with {@code readersPerKey} waiting readers each; returns the run's row of the table. */
    private String measure(int readersPerKey) throws Exception {
        Map<String, Long> announcedAt = new ConcurrentHashMap<>();
        List<String> channels = new ArrayList<>();
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            channels.add(RedisKeys.readyChannel(partition));
        }
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe(channels, key -> announcedAt.putIfAbsent(key, System.nanoTime()));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Long> gapsMicros = Collections.synchronizedList(new ArrayList<>());
        List<Long> pollGapsMicros = Collections.synchronizedList(new ArrayList<>());
        try {
            for (int i = 0; i < KEYS; i++) {
                ImageKey key = TestKeys.unique("avatars", "png");
                byte[] png = TestImages.png(4_000, i);
                origin.serve(key.value(), Reply.image(png, "image/png").withDelay(ORIGIN_DELAY));
                HttpRequest request = HttpRequest.newBuilder(URI.create(images + key.value())).build();
                List<CompletableFuture<Void>> readers = new ArrayList<>();
                for (int reader = 0; reader < readersPerKey; reader++) {
                    readers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenAccept(response -> {
                        long answeredAt = System.nanoTime();
                        assertEquals(200, response.statusCode());
                        assertArrayEquals(png, response.body());
                        gapsMicros.add((answeredAt - announcedAt.get(key.value())) / 1_000);
                    }));
                }
                // The baseline, measured in the same run: a reader that polls Redis once a second, as the seed
                // algorithm's waiting callers did, starting at a random point of its polling cycle.
                String imageKey = RedisKeys.image(partitioner.partitionOf(key), key);
                readers.add(CompletableFuture.runAsync(() -> {
                    sleepMillis(ThreadLocalRandom.current().nextLong(POLL_INTERVAL.toMillis()));
                    while (!redis.key().exists(imageKey)) {
                        sleepMillis(POLL_INTERVAL.toMillis());
                    }
                    pollGapsMicros.add((System.nanoTime() - announcedAt.get(key.value())) / 1_000);
                }));
                CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).join();
            }
        } finally {
            subscriber.unsubscribe();
        }
        List<Long> notified = sorted(gapsMicros);
        List<Long> polled = sorted(pollGapsMicros);
        System.out.println(String.format(Locale.ROOT, "read-through, keys=%d readers/key=%d origin delay=%d ms", KEYS,
                readersPerKey, ORIGIN_DELAY.toMillis()));
        System.out.println(describe("notified reader (GET /images)", notified));
        System.out.println(describe("1 s polling reader (baseline)", polled));
        System.out.println(String.format(Locale.ROOT, "median ratio polling / notified: %.1fx",
                percentile(polled, 50) / percentile(notified, 50)));
        return String.format(Locale.ROOT, "| %d | %d | %d | %s | %s | %.1fx |%n", readersPerKey, KEYS, notified.size(),
                percentiles(notified), percentiles(polled), percentile(polled, 50) / percentile(notified, 50));
    }

    private static String percentiles(List<Long> sorted) {
        return String.format(Locale.ROOT, "%s / %s / %s ms", rounded(percentile(sorted, 50)),
                rounded(percentile(sorted, 90)), rounded(percentile(sorted, 99)));
    }

    /** Three significant digits at most, as the tables in docs/benchmarks.md show times. */
    private static String rounded(double millis) {
        return millis >= 100 ? String.format(Locale.ROOT, "%.0f", millis) : String.format(Locale.ROOT, "%.1f", millis);
    }

    private static List<Long> sorted(List<Long> gaps) {
        List<Long> sorted = new ArrayList<>(gaps);
        Collections.sort(sorted);
        return sorted;
    }

    private static String describe(String reader, List<Long> sorted) {
        return String.format(Locale.ROOT, "%s answered after the write: n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms",
                reader, sorted.size(), percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
                sorted.get(sorted.size() - 1) / 1000.0);
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static double percentile(List<Long> sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1000.0;
    }
}
