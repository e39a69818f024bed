package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

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
import io.pansaar.testing.RedisClock;
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
 * the function library of that revision and this one's, so both meet the same partition and the same noise. With
 * {@code -Dbenchmark.redis-realtime=true} it alternates the same way between Redis under the normal scheduler and Redis
 * under real-time scheduling ({@code chrt -f 50}, so no ordinary process can take its CPU in the middle of a call),
 * which tells the calls' own time from the time the machine took Redis' CPU away; with both, it takes turns between
 * every combination. Skipped unless run with {@code -Dbenchmark=scheduler} (see docs/benchmarks.md); it asserts no
 * times.
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
    private static final boolean REDIS_REALTIME = Boolean.getBoolean("benchmark.redis-realtime");
    /** SCHED_FIFO priority of Redis in the real-time rounds: above every ordinary process, below the kernel's own. */
    private static final int REALTIME_PRIORITY = 50;
    /**
     * The goal, 2 ms: the most one call may block Redis, as every app server's read waits behind it. The table counts
     * the calls over it.
     */
    private static final long GOAL_MICROS = 2_000;

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

    /** What the benchmark varies round by round, the function library first; each is a column of the table. */
    private final List<Axis> axes = new ArrayList<>();
    /** Every combination of one setting of each axis, in the order each round runs them. */
    private List<List<Setting>> conditions;
    private final List<Row> rows = new ArrayList<>();
    /** The local redis-server's process id, with {@link #REDIS_REALTIME}; its main thread runs every command. */
    private long redisPid;
    /** The calls over {@link #GOAL_MICROS}, described for the log. */
    private final List<String> overGoal = new ArrayList<>();
    /** Calls made of each function in the current round. */
    private final Map<String, Integer> calls = new HashMap<>();

    /** One step of the benchmark: a few calls, as the scheduler or the workers make them. */
    @FunctionalInterface
    private interface Step {
        /** Makes the step's calls; returns how many images they handled, or {@link #NOTHING_LEFT} when none were due. */
        int run();
    }

    /** One value of something the benchmark varies, by its label in the table, and what puts Redis in it. */
    private record Setting(String label, Runnable apply) {
    }

    /**
     * Something the benchmark varies round by round: its table column, what one line holds of it ("one library"),
     * and the settings it takes turns between.
     */
    private record Axis(String column, String perLine, List<Setting> settings) {
        boolean varies() {
            return settings.size() > 1;
        }
    }

    /** One function's calls under one condition (a setting of each axis, by label) in one step of the benchmark. */
    private record Row(String step, String function, List<String> condition, List<Long> durations, long images) {
        String library() {
            return condition.get(0);
        }

        /** The settings of the axes after the library. */
        List<String> besidesLibrary() {
            return condition.subList(1, condition.size());
        }
    }

    @Test
    void everySchedulerCallAndEvictingWriteAtScale() {
        List<Setting> libraries = new ArrayList<>();
        BASELINE.ifPresent(revision -> {
            String code = FunctionLibrary.codeFrom(
                    file -> gitShow(revision, "src/main/resources/redis/functions/" + file));
            libraries.add(new Setting(revision, () -> load(code)));
        });
        libraries.add(new Setting("this", () -> load(library.code())));
        axes.add(new Axis("library", "one library", libraries));
        if (REDIS_REALTIME) {
            redisPid = redisProcess();
            axes.add(new Axis("Redis scheduling", "one scheduling of Redis", List.of(
                    new Setting("normal", () -> schedule(redisPid, "SCHED_OTHER", "-o", "0")),
                    new Setting("real-time", () -> schedule(redisPid, "SCHED_FIFO", "-f",
                            String.valueOf(REALTIME_PRIORITY))))));
        }
        conditions = combinations(axes);
        try {
            measureEveryStep();
        } finally {
            if (REDIS_REALTIME) {
                schedule(redisPid, "SCHED_OTHER", "-o", "0");
            }
        }
        load(library.code());
        report();
    }

    /** Fills the partition, makes a quarter expire and another fall due, and measures each step's calls. */
    private void measureEveryStep() {
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
            RefreshDueReply listed = functions.refreshDue(PARTITION, SLICE).await().atMost(Duration.ofSeconds(30));
            List<String> due = listed.images().stream().map(RefreshDueReply.DueImage::key).toList();
            called("pansaar_refresh_due", 1);
            if (due.isEmpty()) {
                // Expired images the eviction duty left are swept here; the step is done once none is left either.
                return listed.swept() == 0 ? NOTHING_LEFT : (int) listed.swept();
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
    }

    /** Every combination of one setting of each axis, the first axis varying slowest. */
    private static List<List<Setting>> combinations(List<Axis> axes) {
        List<List<Setting>> combinations = List.of(List.of());
        for (Axis axis : axes) {
            List<List<Setting>> longer = new ArrayList<>();
            for (List<Setting> combination : combinations) {
                for (Setting setting : axis.settings()) {
                    List<Setting> extended = new ArrayList<>(combination);
                    extended.add(setting);
                    longer.add(List.copyOf(extended));
                }
            }
            combinations = longer;
        }
        return combinations;
    }

    /** Puts Redis under one condition: each setting of an axis that varies (one that does not is there already). */
    private void enter(List<Setting> condition) {
        for (int i = 0; i < axes.size(); i++) {
            if (axes.get(i).varies()) {
                condition.get(i).apply().run();
            }
        }
    }

    private static List<String> labels(List<Setting> condition) {
        return condition.stream().map(Setting::label).toList();
    }

    /**
     * Runs {@code step} until it finds nothing left to do, in rounds of {@code roundSteps} steps under each condition
     * in turn, and records from SLOWLOG how long each call of {@code functionNames} held Redis.
     */
    private void measure(String name, List<String> functionNames, int roundSteps, Step step) {
        Map<String, Map<List<String>, List<Long>>> durations = new LinkedHashMap<>();
        Map<List<String>, Long> images = new HashMap<>();
        Map<List<String>, ThreadCounters> machine = new LinkedHashMap<>();
        boolean more = true;
        for (int round = 1; more; round++) {
            for (List<Setting> condition : conditions) {
                List<String> labels = labels(condition);
                enter(condition);
                Optional<ThreadCounters> before = redisThreadCounters();
                redis.execute("SLOWLOG", "RESET");
                calls.clear();
                long handled = 0;
                for (int i = 0; i < roundSteps && more; i++) {
                    int handledNow = step.run();
                    more = handledNow != NOTHING_LEFT;
                    handled += Math.max(0, handledNow);
                }
                images.merge(labels, handled, Long::sum);
                Optional<ThreadCounters> inRound = before.map(start -> redisThreadCounters().orElseThrow().since(start));
                inRound.ifPresent(counters -> machine.merge(labels, counters, ThreadCounters::plus));
                String where = name + ", round " + round + ", " + String.join(", ", labels)
                        + inRound.map(counters -> " (in the round: " + counters + ")").orElse("");
                for (String function : functionNames) {
                    durations.computeIfAbsent(function, any -> new LinkedHashMap<>())
                            .computeIfAbsent(labels, any -> new ArrayList<>())
                            .addAll(durations(function, calls.getOrDefault(function, 0), where));
                }
            }
        }
        // A condition whose rounds made no call of a function (a step done within the first round) has no line.
        durations.forEach((function, byCondition) -> byCondition.forEach((labels, calls) -> {
            if (!calls.isEmpty()) {
                rows.add(new Row(name, function, labels, calls, images.get(labels)));
            }
        }));
        machine.forEach((labels, counters) -> System.out.println(
                name + ", " + String.join(", ", labels) + ", every round: " + counters));
    }

    /** Prints the results as docs/benchmarks.md shows them, between the markers benchmarks/run copies from. */
    private void report() {
        overGoal.forEach(call -> System.out.println("over " + GOAL_MICROS + " µs: " + call));
        List<String> columns = axes.stream().map(Axis::column).toList();
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%,d images of %,d bytes in one partition "
                + "over its budget, %,d expiring and %,d due at once; calls of at most %d images, durations from "
                + "SLOWLOG. %s%n%n", IMAGES, IMAGE_BYTES, AT_ONCE, AT_ONCE, SLICE, lines()));
        table.append("| step | call | ").append(cells(columns)).append("calls | images | median | p99 | max | over ")
                .append(GOAL_MICROS / 1000).append(" ms | Redis time per image |\n");
        table.append("|---|---|").append("---|".repeat(columns.size())).append("---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            List<Long> sorted = row.durations().stream().sorted().toList();
            long overTheGoal = sorted.stream().filter(micros -> micros > GOAL_MICROS).count();
            table.append(String.format(Locale.ROOT,
                    "| %s | `%s` | %s%,d | %,d | %.2f ms | %.2f ms | %.2f ms | %,d | %.1f µs |%n",
                    row.step(), row.function(), cells(row.condition()), sorted.size(), row.images(),
                    percentile(sorted, 0.5) / 1000.0, percentile(sorted, 0.99) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0, overTheGoal, perImage(row)));
        }
        if (axes.get(0).varies()) {
            table.append(String.format(Locale.ROOT, "%nThis library against %s (same calls, same partition, "
                    + "interleaved rounds), ratio this / %s:%n%n", BASELINE.get(), BASELINE.get()));
            List<String> besidesLibrary = columns.subList(1, columns.size());
            table.append("| call | ").append(cells(besidesLibrary)).append("median | p99 | Redis time per image |\n")
                    .append("|---|").append("---|".repeat(besidesLibrary.size())).append("---|---|---|\n");
            for (Row row : rows) {
                if (!row.library().equals("this")) {
                    continue;
                }
                rows.stream().filter(other -> other.step().equals(row.step())
                        && other.function().equals(row.function()) && !other.library().equals("this")
                        && other.besidesLibrary().equals(row.besidesLibrary())).findFirst().ifPresent(before -> table
                                .append(String.format(Locale.ROOT, "| `%s` | %s%.2f | %.2f | %.2f |%n", row.function(),
                                        cells(row.besidesLibrary()), ratio(row, before, 0.5),
                                        ratio(row, before, 0.99), perImage(row) / perImage(before))));
            }
        }
        BenchmarkTable.print("scheduler", table.toString());
    }

    /** Markdown table cells, each value followed by its separator. */
    private static String cells(List<String> values) {
        return values.stream().map(value -> value + " | ").collect(Collectors.joining());
    }

    /** What the table's lines hold, for the sentence before it. */
    private String lines() {
        if (conditions.size() == 1) {
            return "Each line holds every call of its step.";
        }
        String each = axes.stream().filter(Axis::varies).map(Axis::perLine).collect(Collectors.joining(" and "));
        String realtime = REDIS_REALTIME ? String.format(Locale.ROOT, " Real-time: the Redis process under "
                + "SCHED_FIFO %d (`chrt -f -p %d`), which no ordinary process preempts; normal: under SCHED_OTHER, "
                + "as Redis runs by default.", REALTIME_PRIORITY, REALTIME_PRIORITY) : "";
        return String.format(Locale.ROOT, "Each line holds the calls made under %s, in rounds that take turns with "
                + "the other %s: about 1/%d of each step.%s", each, conditions.size() == 2 ? "line's" : "lines'",
                conditions.size(), realtime);
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

    /**
     * Leaves the images' hashes gone and their schedule entries past, as Redis' expiry of them all at once would after
     * their refreshes were decided (the schedule then holds when each hash expires). They expired before the due images
     * fell due, so the eviction duty's sweep meets them first.
     */
    private void expireAtOnce(List<ImageKey> keys) {
        pipelined(keys, key -> List.of(
                Request.cmd(Command.UNLINK).arg(RedisKeys.image(PARTITION, key)),
                Request.cmd(Command.ZADD).arg(RedisKeys.schedule(PARTITION)).arg("XX").arg("0").arg(key.value())));
    }

    /** Makes the images due for an early refresh now, as if written together one fresh TTL ago. */
    private void fallDueAtOnce(List<ImageKey> keys) {
        long now = serverMillis();
        pipelined(keys, key -> List.of(Request.cmd(Command.ZADD).arg(RedisKeys.schedule(PARTITION)).arg("XX")
                .arg(String.valueOf(now - 1)).arg(key.value())));
    }

    private void pipelined(List<ImageKey> keys, Function<ImageKey, List<Request>> commands) {
        for (int from = 0; from < keys.size(); from += 1_000) {
            List<Request> batch = new ArrayList<>();
            keys.subList(from, Math.min(keys.size(), from + 1_000)).forEach(key -> batch.addAll(commands.apply(key)));
            client.batch(batch).await().atMost(Duration.ofSeconds(30));
        }
    }

    private long serverMillis() {
        return RedisClock.millis(redis);
    }

    private void load(String code) {
        redis.execute("FUNCTION", "LOAD", "REPLACE", code);
    }

    private void called(String function, int times) {
        calls.merge(function, times, Integer::sum);
    }

    /**
     * The durations of the {@code made} calls of {@code function} since SLOWLOG was reset, in microseconds: those it
     * logged, and 0 for each one too short to be logged. Notes each call over the goal, made {@code where}.
     */
    private List<Long> durations(String function, int made, String where) {
        List<Long> durations = new ArrayList<>();
        for (Response entry : redis.execute("SLOWLOG", "GET", "100000")) {
            Response command = entry.get(3);
            if (command.size() > 1 && command.get(0).toString().equalsIgnoreCase("FCALL")
                    && function.equals(command.get(1).toString())) {
                long micros = entry.get(2).toLong();
                durations.add(micros);
                if (micros > GOAL_MICROS) {
                    overGoal.add(String.format(Locale.ROOT, "%s: %,d µs, %s", where, micros, command));
                }
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

    /** What the machine has done to Redis' main thread so far, when Redis is a process on this machine. */
    private Optional<ThreadCounters> redisThreadCounters() {
        return REDIS_REALTIME ? Optional.of(ThreadCounters.of(redisPid)) : Optional.empty();
    }

    /**
     * What the machine has done to one thread so far, from /proc: the time it waited runnable for a CPU, the times it
     * was preempted, its page faults; and the time the hypervisor took from every CPU of the machine (steal), which no
     * scheduling inside the machine can prevent. They tell a call that took long on its own from one that lost its CPU.
     */
    private record ThreadCounters(long waitedNanos, long preempted, long minorFaults, long majorFaults,
            long stolenTicks) {

        /** The counters of the main thread of process {@code pid}. */
        static ThreadCounters of(long pid) {
            Path thread = Path.of("/proc", String.valueOf(pid), "task", String.valueOf(pid));
            try {
                String[] schedstat = Files.readString(thread.resolve("schedstat")).trim().split(" ");
                long preempted = Files.readAllLines(thread.resolve("status")).stream()
                        .filter(line -> line.startsWith("nonvoluntary_ctxt_switches:"))
                        .mapToLong(line -> Long.parseLong(line.split(":")[1].trim())).findFirst().orElseThrow();
                // Fields 10 and 12 of stat, counted after the command name, which may hold spaces.
                String stat = Files.readString(thread.resolve("stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // The eighth number of the machine's cpu line: steal, in clock ticks.
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                return new ThreadCounters(Long.parseLong(schedstat[1]), preempted, Long.parseLong(fields[7]),
                        Long.parseLong(fields[9]), Long.parseLong(cpu[8]));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        ThreadCounters plus(ThreadCounters other) {
            return new ThreadCounters(waitedNanos + other.waitedNanos, preempted + other.preempted,
                    minorFaults + other.minorFaults, majorFaults + other.majorFaults, stolenTicks + other.stolenTicks);
        }

        ThreadCounters since(ThreadCounters before) {
            return plus(new ThreadCounters(-before.waitedNanos, -before.preempted, -before.minorFaults,
                    -before.majorFaults, -before.stolenTicks));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Redis waited %.2f ms for a CPU, was preempted %,d times, had %,d minor "
                    + "and %,d major page faults; %,d ticks stolen from the machine's CPUs", waitedNanos / 1e6,
                    preempted, minorFaults, majorFaults, stolenTicks);
        }
    }

    /**
     * The process id of the Redis the benchmark talks to, checked to be a redis-server on this machine listening on
     * that port (a Redis in a container reports an id of its own namespace, which would name another process here).
     */
    private long redisProcess() {
        Map<String, String> server = new HashMap<>();
        redis.execute("INFO", "server").toString().lines().map(line -> line.split(":", 2))
                .filter(field -> field.length == 2).forEach(field -> server.put(field[0], field[1].strip()));
        String pid = server.get("process_id");
        String port = server.get("tcp_port");
        String commandLine;
        try {
            commandLine = Files.readString(Path.of("/proc", pid, "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            throw new IllegalStateException("-Dbenchmark.redis-realtime needs Redis on this machine, but process " + pid
                    + " (INFO server's process_id) is not here", e);
        }
        if (!commandLine.contains("redis-server") || !commandLine.contains(port)) {
            throw new IllegalStateException("-Dbenchmark.redis-realtime needs Redis on this machine, but process " + pid
                    + " (INFO server's process_id) is '" + commandLine.strip() + "', not the redis-server on port "
                    + port);
        }
        return Long.parseLong(pid);
    }

    /**
     * Puts the Redis process under a scheduling policy with {@code chrt}, and checks that it is: measuring both halves
     * under the same policy would show no difference where there may be one.
     */
    private static void schedule(long pid, String policy, String policyOption, String priority) {
        String failure = "-Dbenchmark.redis-realtime needs chrt and the right to set real-time priorities (root, or "
                + "CAP_SYS_NICE); ";
        try {
            run(List.of("chrt", policyOption, "-p", priority, String.valueOf(pid)));
        } catch (IllegalStateException | UncheckedIOException e) {
            throw new IllegalStateException(failure + e.getMessage(), e);
        }
        String now = run(List.of("chrt", "-p", String.valueOf(pid)));
        if (!now.contains("policy: " + policy)) {
            throw new IllegalStateException(
                    failure + "Redis (process " + pid + ") should run under " + policy + ": " + now.strip());
        }
    }

    /** A file as it was at a git revision. */
    private static String gitShow(String revision, String path) {
        return run(List.of("git", "show", revision + ":" + path));
    }

    /** Runs a command and returns its output; fails with that output if it exits with an error. */
    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue()
                        + "): " + text.strip());
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
