package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.EvictReply;
import io.pansaar.redis.function.RefreshDueReply;
import io.pansaar.redis.function.RepairReply;
import io.pansaar.store.ImageLayout;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;

/**
 * How long each scheduler call, and each write that evicts, blocks Redis on a partition of {@code benchmark.images}
 * cached images (200,000 by default) when a quarter of them expire at once and another quarter fall due at once, as
 * SLOWLOG records it (the time a call held Redis, without the network). Every call is made as the scheduler and the
 * workers make it, in slices of {@link PansaarFunctions#MAX_IMAGES_PER_CALL} images, until the work is done:
 * <ol>
 * <li>writes of 64 KB images ({@code pansaar_put}), {@link #WRITES_AT_ONCE} at once, into the partition filled to its
 * budget: each sweeps a slice of the expired images and evicts what puts the partition over its budget (an earlier
 * large image: the lowest in priority);</li>
 * <li>the eviction duty ({@code pansaar_evict}) against a budget of 0 bytes, until the rest of the expired images are
 * swept, half a slice swept and half a slice evicted per call as the scheduler makes it;</li>
 * <li>early refresh ({@code pansaar_refresh_due} and {@code pansaar_refresh_early}) of every due image, each one
 * judged worth a refresh and enqueued, the heaviest decision;</li>
 * <li>a rebuild of the byte accounting ({@code pansaar_repair}) over the whole partition, after its used-bytes counter
 * is deleted.</li>
 * </ol>
 * With {@code -Dbenchmark.baseline=<git revision>} every step alternates, in rounds of a few steps, between
 * the function library of that revision and this one's, so both meet the same partition and the same noise. Skipped
 * unless run with {@code -Dbenchmark=scheduler} (see docs/benchmarks.md); it asserts no times.
 */
@QuarkusTest
@TestProfile(SchedulerCallBenchmarkIT.FilledToBudget.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "benchmark", matches = "scheduler")
class SchedulerCallBenchmarkIT {

    private static final int IMAGES = Integer.getInteger("benchmark.images", 200_000);
    /** How many images expire at once, and how many (others) fall due at once. */
    private static final int AT_ONCE = IMAGES / 4;
    private static final int IMAGE_BYTES = 1_000;
    private static final int LARGE_IMAGE_BYTES = 64_000;
    private static final int LARGE_WRITES = 1_024;
    /** Writes made at once in one step of the writes, as that many workers would. */
    private static final int WRITES_AT_ONCE = 8;
    /** Writes in flight while filling the partition, as that many workers would make them. */
    private static final int WRITERS = 64;
    /** pansaar.partitions, its default in the test profile. */
    private static final int PARTITIONS = 16;
    private static final int PARTITION = 0;
    private static final String HOLDER = "scheduler-benchmark";
    private static final int SLICE = PansaarFunctions.MAX_IMAGES_PER_CALL;
    /** Steps in a round under one library, when a baseline library takes turns with this one. */
    private static final int ROUND_STEPS = 50;
    /** The same for the writes, which take fewer steps in all: 4 steps of 8 writes, 32 turns each. */
    private static final int WRITE_ROUND_STEPS = 4;
    /**
     * SLOWLOG logs the calls that take at least this long; the calls below it (counted by the benchmark) stand in the
     * percentiles as 0, which leaves the upper ones exact.
     */
    private static final int LOGGED_FROM_MICROS = 20;
    private static final int NOTHING_LEFT = -1;
    private static final Optional<String> BASELINE = Optional.ofNullable(System.getProperty("benchmark.baseline"))
            .filter(revision -> !revision.isBlank());

    /** The partition's budget is exactly what the fill writes: full, and every larger write evicts. */
    public static class FilledToBudget extends NoConsumerProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            // What the fill's images count against the budget, bodies and overhead (the keys' lengths vary).
            long fill = keysOfPartition("bench/", IMAGES).stream()
                    .mapToLong(key -> ImageLayout.chargedBytes(key.value().length(), IMAGE_BYTES)).sum();
            overrides.put("pansaar.memory-budget", String.valueOf(PARTITIONS * fill));
            return overrides;
        }
    }

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    FunctionLibrary library;

    @Inject
    RedisDataSource redis;

    @Inject
    Redis client;

    /** The libraries compared, by label, in the order each round runs them. */
    private final Map<String, String> libraries = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();
    /** Calls made of each function in the current round. */
    private final Map<String, Integer> calls = new HashMap<>();

    /** One step of the benchmark: a few calls, as the scheduler or the workers make them. */
    @FunctionalInterface
    private interface Step {
        /** Makes the step's calls; returns how many images they handled, or {@link #NOTHING_LEFT} when none were due. */
        int run();
    }

    /** One function's calls under one library in one step of the benchmark. */
    private record Row(String step, String function, String library, List<Long> durations, long images) {
    }

    @Test
    void everySchedulerCallAndEvictingWriteAtScale() {
        BASELINE.ifPresent(revision -> libraries.put(revision, FunctionLibrary.codeFrom(file -> gitShow(revision,
                "src/main/resources/redis/functions/" + file))));
        libraries.put("this", library.code());

        List<ImageKey> keys = keysOfPartition("bench/", IMAGES);
        long started = System.nanoTime();
        StoredImages.writeAll(store, keys, IMAGE_BYTES, Duration.ofHours(1), WRITERS);
        System.out.printf("cached %,d images of %,d bytes in partition %d in %.1f s%n", IMAGES, IMAGE_BYTES, PARTITION,
                (System.nanoTime() - started) / 1e9);
        assertTrue(functions.acquireLease(PARTITION, HOLDER, 3_600_000).await().atMost(Duration.ofSeconds(10)));
        // The last written have the highest priorities, so eviction reaches none of them: the expired must be swept.
        expireAtOnce(keys.subList(IMAGES - AT_ONCE, IMAGES));
        fallDueAtOnce(keys.subList(IMAGES - 2 * AT_ONCE, IMAGES - AT_ONCE));
        // Not 0: Redis 7 logs every command a function runs as well, and logging each would lengthen the calls measured.
        redis.execute("CONFIG", "SET", "slowlog-log-slower-than", String.valueOf(LOGGED_FROM_MICROS));
        redis.execute("CONFIG", "SET", "slowlog-max-len", "100000");

        List<ImageKey> large = keysOfPartition("bench/large/", LARGE_WRITES);
        int[] written = { 0 };
        measure("writes of 64 KB images", List.of("pansaar_put"), WRITE_ROUND_STEPS, () -> {
            if (written[0] == large.size()) {
                return NOTHING_LEFT;
            }
            List<ImageKey> batch = large.subList(written[0], Math.min(large.size(), written[0] + WRITES_AT_ONCE));
            StoredImages.writeAll(store, batch, LARGE_IMAGE_BYTES, Duration.ofHours(1), batch.size());
            called("pansaar_put", batch.size());
            written[0] += batch.size();
            return batch.size();
        });
        boolean[] swept = { false };
        measure("eviction duty", List.of("pansaar_evict"), ROUND_STEPS, () -> {
            if (swept[0]) {
                return NOTHING_LEFT;
            }
            int limit = PansaarFunctions.evictionLimit(SLICE);
            EvictReply report = functions.evict(PARTITION, HOLDER, Optional.of(0L), limit)
                    .await().atMost(Duration.ofSeconds(30));
            called("pansaar_evict", 1);
            assertEquals(limit, report.evicted(), "the partition stays over its budget");
            // Done once a call finds fewer expired images than its limit: the mass expiry is swept.
            swept[0] = report.swept() < limit;
            return (int) (report.swept() + report.evicted());
        });
        measure("early refresh", List.of("pansaar_refresh_due", "pansaar_refresh_early"), ROUND_STEPS, () -> {
            List<String> due = functions.refreshDue(PARTITION, SLICE).await().atMost(Duration.ofSeconds(30)).images().stream()
                    .map(RefreshDueReply.DueImage::key).toList();
            called("pansaar_refresh_due", 1);
            if (due.isEmpty()) {
                return NOTHING_LEFT;
            }
            assertEquals((long) due.size(), functions.refreshEarly(PARTITION, HOLDER, 600_000, due.size(), due, List.of())
                    .await().atMost(Duration.ofSeconds(30)));
            called("pansaar_refresh_early", 1);
            return due.size();
        });
        redis.execute("DEL", RedisKeys.usedBytes(PARTITION));
        boolean[] repaired = { false };
        measure("rebuild of the byte accounting", List.of("pansaar_repair"), ROUND_STEPS, () -> {
            if (repaired[0]) {
                return NOTHING_LEFT;
            }
            RepairReply report = functions.repair(PARTITION, HOLDER, SLICE)
                    .await().atMost(Duration.ofSeconds(30));
            called("pansaar_repair", 1);
            repaired[0] = report.outcome() == RepairReply.Outcome.REPAIRED;
            return (int) report.visited();
        });
        load(library.code());
        report();
    }

    /**
     * Runs {@code step} until it finds nothing left to do, in rounds of {@code roundSteps} steps under each library in
     * turn, and records from SLOWLOG how long each call of {@code functionNames} held Redis.
     */
    private void measure(String name, List<String> functionNames, int roundSteps, Step step) {
        Map<String, Map<String, List<Long>>> durations = new LinkedHashMap<>();
        Map<String, Long> images = new HashMap<>();
        boolean more = true;
        while (more) {
            for (Map.Entry<String, String> library : libraries.entrySet()) {
                if (libraries.size() > 1) {
                    load(library.getValue());
                }
                redis.execute("SLOWLOG", "RESET");
                calls.clear();
                long handled = 0;
                for (int i = 0; i < roundSteps && more; i++) {
                    int handledNow = step.run();
                    more = handledNow != NOTHING_LEFT;
                    handled += Math.max(0, handledNow);
                }
                images.merge(library.getKey(), handled, Long::sum);
                for (String function : functionNames) {
                    durations.computeIfAbsent(function, any -> new LinkedHashMap<>())
                            .computeIfAbsent(library.getKey(), any -> new ArrayList<>())
                            .addAll(durations(function, calls.getOrDefault(function, 0)));
                }
            }
        }
        durations.forEach((function, byLibrary) -> byLibrary.forEach((label, calls) -> rows.add(
                new Row(name, function, label, calls, images.get(label)))));
    }

    /** Prints the results as docs/benchmarks.md shows them, between the markers benchmarks/run copies from. */
    private void report() {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%,d images of %,d bytes in one partition "
                + "over its budget, %,d expiring and %,d due at once; calls of at most %d images, durations from "
                + "SLOWLOG. Each line holds the calls made under one library, half of each step.%n%n", IMAGES,
                IMAGE_BYTES, AT_ONCE, AT_ONCE, SLICE));
        table.append("| step | call | library | calls | images | median | p99 | max | Redis time per image |\n");
        table.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            if (row.durations().isEmpty()) {
                continue;
            }
            List<Long> sorted = row.durations().stream().sorted().toList();
            table.append(String.format(Locale.ROOT, "| %s | `%s` | %s | %,d | %,d | %.2f ms | %.2f ms | %.2f ms | %.1f µs |%n",
                    row.step(), row.function(), row.library(), sorted.size(), row.images(),
                    percentile(sorted, 0.5) / 1000.0, percentile(sorted, 0.99) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0, perImage(row)));
        }
        if (libraries.size() > 1) {
            table.append(String.format(Locale.ROOT, "%nThis library against %s (same calls, same partition, "
                    + "interleaved rounds), ratio this / %s:%n%n", BASELINE.get(), BASELINE.get()));
            table.append("| call | median | p99 | Redis time per image |\n|---|---|---|---|\n");
            for (Row row : rows) {
                if (!row.library().equals("this")) {
                    continue;
                }
                Row before = rows.stream().filter(other -> other.step().equals(row.step())
                        && other.function().equals(row.function()) && !other.library().equals("this")).findFirst()
                        .orElseThrow();
                table.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.2f | %.2f |%n", row.function(),
                        ratio(row, before, 0.5), ratio(row, before, 0.99), perImage(row) / perImage(before)));
            }
        }
        BenchmarkTable.print("scheduler", table.toString());
    }

    /** The ratio of a percentile of the calls' durations, this library's to the baseline's. */
    private static double ratio(Row row, Row before, double fraction) {
        return (double) percentile(row.durations().stream().sorted().toList(), fraction)
                / percentile(before.durations().stream().sorted().toList(), fraction);
    }

    private static double perImage(Row row) {
        return (double) row.durations().stream().mapToLong(Long::longValue).sum() / Math.max(1, row.images());
    }

    private static long percentile(List<Long> sorted, double fraction) {
        return sorted.get(Math.max(0, (int) Math.ceil(fraction * sorted.size()) - 1));
    }

    /** Leaves the images' hashes gone and their expiry entries past, as Redis' expiry of them all at once would. */
    private void expireAtOnce(List<ImageKey> keys) {
        long now = serverMillis();
        pipelined(keys, key -> List.of(
                Request.cmd(Command.UNLINK).arg(RedisKeys.image(PARTITION, key)),
                Request.cmd(Command.ZADD).arg(RedisKeys.expiryIndex(PARTITION)).arg("XX").arg(String.valueOf(now - 1))
                        .arg(key.value())));
    }

    /** Makes the images due for an early refresh now, as if written together one fresh TTL ago. */
    private void fallDueAtOnce(List<ImageKey> keys) {
        pipelined(keys, key -> List.of(Request.cmd(Command.ZADD).arg(RedisKeys.refreshIndex(PARTITION)).arg("XX")
                .arg("0").arg(key.value())));
    }

    private void pipelined(List<ImageKey> keys, Function<ImageKey, List<Request>> commands) {
        for (int from = 0; from < keys.size(); from += 1_000) {
            List<Request> batch = new ArrayList<>();
            keys.subList(from, Math.min(keys.size(), from + 1_000)).forEach(key -> batch.addAll(commands.apply(key)));
            client.batch(batch).await().atMost(Duration.ofSeconds(30));
        }
    }

    private long serverMillis() {
        Response time = redis.execute("TIME");
        return time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
    }

    private void load(String code) {
        redis.execute("FUNCTION", "LOAD", "REPLACE", code);
    }

    private void called(String function, int times) {
        calls.merge(function, times, Integer::sum);
    }

    /**
     * The durations of the {@code made} calls of {@code function} since SLOWLOG was reset, in microseconds: those it
     * logged, and 0 for each one too short to be logged.
     */
    private List<Long> durations(String function, int made) {
        List<Long> durations = new ArrayList<>();
        for (Response entry : redis.execute("SLOWLOG", "GET", "100000")) {
            Response command = entry.get(3);
            if (command.size() > 1 && command.get(0).toString().equalsIgnoreCase("FCALL")
                    && function.equals(command.get(1).toString())) {
                durations.add(entry.get(2).toLong());
            }
        }
        assertTrue(durations.size() <= made, "SLOWLOG holds " + durations.size() + " calls of " + function + ", "
                + made + " were made: is it too short?");
        while (durations.size() < made) {
            durations.add(0L);
        }
        return durations;
    }

    /** {@code count} image keys of the benchmark's partition, named from {@code prefix}. */
    private static List<ImageKey> keysOfPartition(String prefix, int count) {
        Partitioner partitioner = new Partitioner(PARTITIONS);
        List<ImageKey> keys = new ArrayList<>(count);
        for (long n = 0; keys.size() < count; n++) {
            ImageKey key = ImageKey.of(prefix + n + ".png");
            if (partitioner.partitionOf(key) == PARTITION) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** A file as it was at a git revision. */
    private static String gitShow(String revision, String path) {
        try {
            Process git = new ProcessBuilder("git", "show", revision + ":" + path).redirectErrorStream(true).start();
            String text = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (git.waitFor() != 0) {
                throw new IllegalStateException("git show " + revision + ":" + path + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
