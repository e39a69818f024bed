package io.pansaar.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.LocalTestOrigin;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.WorkerProcess;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Regenerations per second of a packaged worker against the seed's inline miss path (benchmarks/seed, Node.js), on
 * the same Redis and the same HTTP origin, in interleaved rounds. Skipped unless run with
 * {@code -Dbenchmark=regenerations} (see docs/benchmarks.md); it asserts no speeds, only that every image was written.
 *
 * <p>Per round and concurrency C: a worker is started with {@code pansaar.worker.concurrency} and the fleet's
 * {@code pansaar.origin.max-concurrency} at C, and warmed up; then, for each origin delay, the seed regenerates N
 * keys with C callers, and the worker N published jobs. The worker's clock starts before the first XADD (the jobs
 * are published in one pipeline while it already consumes) and stops when the partitions' {@code regenerated}
 * counters show every job's image written. CPU time per regeneration of the worker's JVM, of the seed's Node.js
 * process, of Redis and of this test's JVM (the origin) is recorded too. Another build's worker may run in the same
 * rounds ({@code -Dbenchmark.compare-jar}), for a before and after.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "regenerations")
class RegenerationBenchmarkIT {

    private static final int KEYS = Integer.getInteger("benchmark.keys", 10_000);
    private static final int WARM_UP_KEYS = Integer.getInteger("benchmark.warm-up-keys", 3_000);
    private static final int ROUNDS = Integer.getInteger("benchmark.rounds", 3);
    private static final List<Integer> CONCURRENCIES = integers(System.getProperty("benchmark.concurrency", "16,64,256"));
    private static final List<Integer> DELAYS_MILLIS = integers(System.getProperty("benchmark.delays", "0,20"));
    /** Whether to print Redis' time per regeneration by top-level command and function, from SLOWLOG. */
    private static final boolean SLOWLOG = Boolean.getBoolean("benchmark.slowlog");
    /** Set to another build's quarkus-run.jar to run its worker too, in the same rounds, for a before and after. */
    private static final String COMPARE_JAR = System.getProperty("benchmark.compare-jar", "");
    /**
     * JVM options of this build's worker, space-separated; unset, those the runtime image starts it with (its
     * collector and heap), so that what is measured is what ships.
     */
    private static final List<String> WORKER_JVM_OPTIONS = words(System.getProperty("benchmark.worker-jvm-options",
            String.join(" ", WorkerProcess.RUNTIME_IMAGE_JVM_OPTIONS)));
    /**
     * JVM options of the compared build's worker, space-separated; unset, the same as this build's. With
     * {@code benchmark.compare-jar} naming this build's own jar, the same build runs twice, with each set of options.
     */
    private static final List<String> COMPARE_JVM_OPTIONS = words(System.getProperty("benchmark.compare-jvm-options",
            String.join(" ", WORKER_JVM_OPTIONS)));
    /** Set to a directory to record a JFR profile of every worker there. */
    private static final String JFR_DIRECTORY = System.getProperty("benchmark.jfr", "");
    private static final int IMAGE_BYTES = 20_000;
    private static final Path SEED = Path.of("benchmarks", "seed");
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final Partitioner PARTITIONER = new Partitioner(16);
    private static final Pattern SEED_RESULT = Pattern.compile(
            "\"perSecond\":([0-9.eE+-]+).*\"cpuMicros\":([0-9.eE+-]+)");

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @RegisterExtension
    static final LocalTestOrigin ORIGIN = new LocalTestOrigin();

    private static final byte[] IMAGE = TestImages.png(IMAGE_BYTES);

    private record Scenario(int delayMillis, int concurrency) {
        int keys() {
            // At 20 ms a small concurrency regenerates slowly: fewer keys keep its run near the others' length.
            return delayMillis == 0 ? KEYS : Math.min(KEYS, Math.max(1_000, concurrency * 150));
        }
    }

    /**
     * One timed run: its rate, and CPU microseconds per regeneration of the client (JVM or Node.js), of Redis and of
     * this test's JVM (the origin, publishing the jobs and, for a worker, polling its counters).
     */
    private record Run(double perSecond, double clientCpuMicros, double redisCpuMicros, double testCpuMicros) {

        /** CPU microseconds per regeneration of every process the run kept busy. */
        double allCpuMicros() {
            return clientCpuMicros + redisCpuMicros + testCpuMicros;
        }
    }

    @BeforeAll
    static void installTheSeed() {
        // The seed's redis client comes from the npm registry, as its package-lock.json pins it.
        runToEnd(List.of("npm", "ci", "--no-audit", "--no-fund"), SEED);
    }

    @Test
    void regenerationsPerSecondAgainstTheSeedsInlineMissPath() {
        Map<Scenario, List<Run>> seed = new HashMap<>();
        Map<String, Map<Scenario, List<Run>>> workers = new LinkedHashMap<>();
        Map<String, Path> jars = new LinkedHashMap<>();
        jars.put("Pansaar", WorkerProcess.JAR);
        if (!COMPARE_JAR.isEmpty()) {
            jars.put("compared build", Path.of(COMPARE_JAR));
        }
        int run = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            for (int concurrency : CONCURRENCIES) {
                boolean seedRan = false;
                for (Map.Entry<String, Path> jar : jars.entrySet()) {
                    boolean compared = !jar.getKey().equals("Pansaar");
                    try (WorkerProcess worker = WorkerProcess.start("bench-" + concurrency,
                            compared ? COMPARE_JVM_OPTIONS : WORKER_JVM_OPTIONS,
                            environment(concurrency, round, compared ? "-compared" : ""), jar.getValue())) {
                        worker.awaitLog("Profile prod activated");
                        worker.awaitLog("reads 16 job streams");
                        regenerateWithPansaar(worker, "warm-" + (++run) + "/", WARM_UP_KEYS, 0);
                        if (!seedRan) {
                            runSeed("warm-seed-" + run + "/", WARM_UP_KEYS / 3, 0, concurrency);
                        }
                        for (int delay : DELAYS_MILLIS) {
                            Scenario scenario = new Scenario(delay, concurrency);
                            run++;
                            if (!seedRan) {
                                Run bySeed = runSeed("seed-" + run + "/", scenario.keys(), delay, concurrency);
                                seed.computeIfAbsent(scenario, s -> new ArrayList<>()).add(bySeed);
                                System.out.printf("round %d, %d ms, concurrency %d: seed %.0f/s%n", round, delay,
                                        concurrency, bySeed.perSecond());
                            }
                            Run byWorker = regenerateWithPansaar(worker, "pansaar-" + run + "/", scenario.keys(), delay);
                            workers.computeIfAbsent(jar.getKey(), name -> new HashMap<>())
                                    .computeIfAbsent(scenario, s -> new ArrayList<>()).add(byWorker);
                            System.out.printf("round %d, %d ms, concurrency %d: %s %.0f/s%n", round, delay,
                                    concurrency, jar.getKey(), byWorker.perSecond());
                        }
                        seedRan = true;
                        worker.stop();
                    }
                    // Every worker starts on an empty Redis, so no run pays for the images of the ones before, and
                    // loads its own function library: a compared build of an older API would refuse a newer one.
                    REDIS.call(Request.cmd(Command.FLUSHALL));
                    REDIS.call(Request.cmd(Command.FUNCTION).arg("FLUSH"));
                }
            }
        }
        // One marked block for benchmarks/run, a table for this build and one for any compared build.
        StringBuilder tables = new StringBuilder();
        workers.forEach((name, runs) -> tables.append(table(name, seed, runs)));
        BenchmarkTable.print("regenerations", tables.toString());
    }

    private static Map<String, String> environment(int concurrency, int round, String variant) {
        Map<String, String> environment = new HashMap<>(Map.of("QUARKUS_REDIS_HOSTS", REDIS.server().uri(),
                "PANSAAR_ORIGIN_BASE_URL", ORIGIN.origin().baseUrl(),
                "PANSAAR_WORKER_CONCURRENCY", String.valueOf(concurrency),
                "PANSAAR_ORIGIN_MAX_CONCURRENCY", String.valueOf(concurrency)));
        if (!JFR_DIRECTORY.isEmpty()) {
            environment.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + Path.of(JFR_DIRECTORY)
                    .toAbsolutePath().resolve("worker-c" + concurrency + "-r" + round + variant + ".jfr") + ",settings="
                    + System.getProperty("benchmark.jfr-settings", "profile"));
        }
        return environment;
    }

    /** Serves {@code keys} images under {@code prefix} with {@code delayMillis}; returns their keys. */
    private static List<String> serve(String prefix, int keys, int delayMillis) {
        Reply reply = Reply.image(IMAGE, "image/png").withDelay(Duration.ofMillis(delayMillis));
        List<String> paths = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            String path = prefix + i + ".png";
            ORIGIN.origin().serve(path, reply);
            paths.add(path);
        }
        return paths;
    }

    private static Run runSeed(String prefix, int keys, int delayMillis, int concurrency) {
        List<String> paths = serve(prefix, keys, delayMillis);
        REDIS.call(Request.cmd(Command.CONFIG).arg("RESETSTAT"));
        double redisCpuBefore = redisCpuSeconds();
        double testCpuBefore = testCpuSeconds();
        String output = runToEnd(List.of("node", "regenerate.js", "--redis-port", String.valueOf(REDIS.server().port()),
                "--origin", ORIGIN.origin().baseUrl(), "--prefix", prefix, "--keys", String.valueOf(keys),
                "--concurrency", String.valueOf(concurrency)), SEED);
        double redisCpu = redisCpuSeconds() - redisCpuBefore;
        double testCpu = testCpuSeconds() - testCpuBefore;
        System.out.printf("Redis time per seed regeneration, by command: %s%n", commandTimes(keys));
        Matcher result = SEED_RESULT.matcher(output);
        if (!result.find()) {
            throw new AssertionError("the seed printed no result:\n" + output);
        }
        long written = paths.stream().filter(path -> REDIS.call(Request.cmd(Command.EXISTS).arg(path)).toInteger() == 1)
                .count();
        assertEquals(keys, written, "the seed wrote every image");
        // The seed's keys go at once: the next runs should not pay for their memory.
        for (int from = 0; from < paths.size(); from += 1_000) {
            Request unlink = Request.cmd(Command.UNLINK);
            paths.subList(from, Math.min(paths.size(), from + 1_000)).forEach(path -> unlink.arg(path)
                    .arg(path + ":access_count").arg(path + ":lock"));
            REDIS.call(unlink);
        }
        REDIS.call(Request.cmd(Command.UNLINK).arg("image_lru"));
        return new Run(Double.parseDouble(result.group(1)), Double.parseDouble(result.group(2)) / keys,
                redisCpu * 1e6 / keys, testCpu * 1e6 / keys);
    }

    private static Run regenerateWithPansaar(WorkerProcess worker, String prefix, int keys, int delayMillis) {
        List<String> paths = serve(prefix, keys, delayMillis);
        long regeneratedBefore = regenerated();
        REDIS.call(Request.cmd(Command.CONFIG).arg("RESETSTAT"));
        if (SLOWLOG) {
            REDIS.call(Request.cmd(Command.CONFIG).arg("SET").arg("slowlog-log-slower-than").arg("0")
                    .arg("slowlog-max-len").arg(String.valueOf(keys * 20)));
            REDIS.call(Request.cmd(Command.SLOWLOG).arg("RESET"));
        }
        double redisCpuBefore = redisCpuSeconds();
        double workerCpuBefore = worker.cpuSeconds();
        double testCpuBefore = testCpuSeconds();
        List<Request> jobs = new ArrayList<>(keys);
        for (String path : paths) {
            ImageKey key = ImageKey.of(path);
            jobs.add(Request.cmd(Command.XADD).arg(RedisKeys.jobs(PARTITIONER.partitionOf(key))).arg("*")
                    .arg("key").arg(key.value()).arg("reason").arg("miss"));
        }
        long started = System.nanoTime();
        // In pipelines of 1,000: the client queues at most 2,048 commands waiting for replies.
        for (int from = 0; from < jobs.size(); from += 1_000) {
            REDIS.redis().batch(jobs.subList(from, Math.min(jobs.size(), from + 1_000))).await().atMost(WAIT);
        }
        long deadline = started + WAIT.toNanos();
        while (regenerated() < regeneratedBefore + keys) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the worker regenerated " + (regenerated() - regeneratedBefore) + " of "
                        + keys + " images within " + WAIT);
            }
            sleep(2);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double workerCpu = worker.cpuSeconds() - workerCpuBefore;
        double redisCpu = redisCpuSeconds() - redisCpuBefore;
        double testCpu = testCpuSeconds() - testCpuBefore;
        System.out.printf("Redis time per regeneration, by command: %s%n", commandTimes(keys));
        System.out.printf("Redis socket reads and writes per regeneration: %s%n", socketEvents(keys));
        if (SLOWLOG) {
            System.out.printf("Redis time per regeneration, by top-level call: %s%n", callTimes(keys));
            REDIS.call(Request.cmd(Command.CONFIG).arg("SET").arg("slowlog-log-slower-than").arg("10000"));
        }
        return new Run(keys / seconds, workerCpu * 1e6 / keys, redisCpu * 1e6 / keys, testCpu * 1e6 / keys);
    }

    /** Images written by workers since Redis started: the partitions' regenerated counters. */
    private static long regenerated() {
        List<Request> counters = new ArrayList<>();
        for (int partition = 0; partition < PARTITIONER.partitions(); partition++) {
            counters.add(Request.cmd(Command.HGET).arg(RedisKeys.stats(partition)).arg("regenerated"));
        }
        long sum = 0;
        for (Response counter : REDIS.redis().batch(counters).await().atMost(WAIT)) {
            sum += counter == null ? 0 : counter.toLong();
        }
        return sum;
    }

    /** The commands Redis ran since CONFIG RESETSTAT, most time first: microseconds and calls per regeneration. */
    private static String commandTimes(int regenerations) {
        String info = REDIS.call(Request.cmd(Command.INFO).arg("commandstats")).toString();
        Pattern stat = Pattern.compile("cmdstat_([^:]+):calls=(\\d+),usec=(\\d+)");
        Map<String, double[]> perRegeneration = new HashMap<>();
        for (String line : info.split("\r\n")) {
            Matcher matcher = stat.matcher(line);
            if (matcher.find()) {
                perRegeneration.put(matcher.group(1), new double[] {
                        Double.parseDouble(matcher.group(3)) / regenerations,
                        Double.parseDouble(matcher.group(2)) / regenerations});
            }
        }
        return perRegeneration.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .map(entry -> String.format("%s %.1f µs (%.2f calls)", entry.getKey(), entry.getValue()[0],
                        entry.getValue()[1]))
                .reduce((a, b) -> a + ", " + b).orElse("none");
    }

    /**
     * The socket reads and writes Redis made since CONFIG RESETSTAT (INFO stats), per regeneration: each costs it a
     * system call, however many commands it carries.
     */
    private static String socketEvents(int regenerations) {
        String info = REDIS.call(Request.cmd(Command.INFO).arg("stats")).toString();
        StringBuilder events = new StringBuilder();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("total_reads_processed:") || line.startsWith("total_writes_processed:")) {
                events.append(events.isEmpty() ? "" : ", ").append(line, 6, line.indexOf('_', 6)).append(' ')
                        .append(String.format("%.2f", Double.parseDouble(line.substring(line.indexOf(':') + 1))
                                / regenerations));
            }
        }
        return events.toString();
    }

    /** From SLOWLOG: microseconds per regeneration of each top-level command, functions by name. */
    private static String callTimes(int regenerations) {
        Map<String, double[]> perRegeneration = new HashMap<>();
        for (Response entry : REDIS.call(Request.cmd(Command.SLOWLOG).arg("GET").arg("-1"))) {
            Response arguments = entry.get(3);
            String command = arguments.get(0).toString().toLowerCase();
            String name = command.equals("fcall") ? arguments.get(1).toString() : command;
            double[] sum = perRegeneration.computeIfAbsent(name, ignored -> new double[2]);
            sum[0] += entry.get(2).toDouble() / regenerations;
            sum[1] += 1.0 / regenerations;
        }
        return perRegeneration.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .map(e -> String.format("%s %.1f µs (%.2f calls)", e.getKey(), e.getValue()[0], e.getValue()[1]))
                .reduce((a, b) -> a + ", " + b).orElse("none");
    }

    /** CPU seconds Redis has used, user and system, from INFO cpu. */
    private static double redisCpuSeconds() {
        String info = REDIS.call(Request.cmd(Command.INFO).arg("cpu")).toString();
        double seconds = 0;
        for (String line : info.split("\r\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1));
            }
        }
        return seconds;
    }

    /** CPU seconds this test's JVM has used: the origin's, the publishing's and the polling's. */
    private static double testCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static String table(String name, Map<Scenario, List<Run>> seed, Map<Scenario, List<Run>> pansaar) {
        StringBuilder table = new StringBuilder();
        table.append(String.format("%n%s: %d rounds, %d KB PNG images, %d keys per run (20 ms: 150 per unit of concurrency, "
                + "at least 1,000), medians:%n%n", name, ROUNDS, IMAGE_BYTES / 1000, KEYS));
        table.append("| origin delay | concurrency | seed regen/s | Pansaar regen/s | Pansaar / seed | Pansaar / (C / delay) "
                + "| CPU µs per regen: seed (Node) / Pansaar (JVM) | Redis CPU µs per regen: seed / Pansaar "
                + "| origin and test CPU µs per regen: seed / Pansaar | all CPU: seed / Pansaar |\n");
        table.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (int delay : DELAYS_MILLIS) {
            for (int concurrency : CONCURRENCIES) {
                Scenario scenario = new Scenario(delay, concurrency);
                List<Run> bySeed = seed.get(scenario);
                List<Run> byPansaar = pansaar.get(scenario);
                double seedRate = median(bySeed.stream().map(Run::perSecond).toList());
                double pansaarRate = median(byPansaar.stream().map(Run::perSecond).toList());
                String ofIdeal = delay == 0 ? "" : String.format("%.2f", pansaarRate / (concurrency * 1000.0 / delay));
                table.append(String.format(
                        "| %d ms | %d | %,.0f | %,.0f | **%.2f×** | %s | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.2f× |%n",
                        delay, concurrency, seedRate, pansaarRate, pansaarRate / seedRate, ofIdeal,
                        median(bySeed.stream().map(Run::clientCpuMicros).toList()),
                        median(byPansaar.stream().map(Run::clientCpuMicros).toList()),
                        median(bySeed.stream().map(Run::redisCpuMicros).toList()),
                        median(byPansaar.stream().map(Run::redisCpuMicros).toList()),
                        median(bySeed.stream().map(Run::testCpuMicros).toList()),
                        median(byPansaar.stream().map(Run::testCpuMicros).toList()),
                        median(bySeed.stream().map(Run::allCpuMicros).toList())
                                / median(byPansaar.stream().map(Run::allCpuMicros).toList())));
            }
        }
        return table.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static String runToEnd(List<String> command, Path directory) {
        try {
            Path output = Files.createTempFile("pansaar-benchmark-", ".log");
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            int exit = process.waitFor();
            String text = Files.readString(output, StandardCharsets.UTF_8);
            Files.delete(output);
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exit + ":\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    private static List<String> words(String spaceSeparated) {
        return spaceSeparated.isBlank() ? List.of() : List.of(spaceSeparated.trim().split("\\s+"));
    }

    private static List<Integer> integers(String commaSeparated) {
        return List.of(commaSeparated.split(",")).stream().map(String::trim).map(Integer::valueOf).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
