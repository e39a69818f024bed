package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.DoubleFunction;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.JfrProfile;
import io.pansaar.testing.LocalNginx;
import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.LocalTestOrigin;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.WorkerProcess;
import io.pansaar.testing.Wrk;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * {@code GET /images/<key>} hits of the packaged application, as deployed, against nginx serving the same bytes
 * from files under the same paths, in the same run: requests per second and latency under {@code wrk} with 50
 * keep-alive connections, in interleaved rounds, and the CPU each server (and Redis) spends per request. Every
 * Pansaar response must be a fresh hit, or the test fails; it asserts no speeds. Run it with
 * {@code -Dbenchmark=rest} (see docs/benchmarks.md); {@code -Dbenchmark.profile=<file.jfr>} adds a profiled run of
 * the application and prints where its time went; {@code -Dbenchmark.compare-jar=<quarkus-run.jar>} measures another
 * build of the application in the same rounds.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "rest")
class RestHitBenchmarkIT {

    private static final int IMAGES = Integer.getInteger("benchmark.images", 100);
    private static final int IMAGE_BYTES = 20_000;
    private static final int ROUNDS = Integer.getInteger("benchmark.rounds", 3);
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("benchmark.seconds", 10));
    private static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("benchmark.warmup-seconds", 15));
    /** Set to another build's quarkus-run.jar to run it too, in the same rounds, for a before and after. */
    private static final String COMPARE_JAR = System.getProperty("benchmark.compare-jar", "");
    /** How long the profiled run lasts, when -Dbenchmark.profile asks for one: longer runs give more samples. */
    private static final Duration PROFILED_RUN = Duration.ofSeconds(Long.getLong("benchmark.profile-seconds", 30));
    private static final int CONNECTIONS = 50;
    private static final int WRK_THREADS = 2;
    /** One worker per core, as nginx is usually deployed; the JVM likewise runs its event loops on every core. */
    private static final String NGINX_WORKERS = "auto";
    private static final String SEGMENT = "benchmark";
    /** Metrics are refreshed from Redis this often (pansaar.metrics.refresh-interval's default). */
    private static final Duration METRICS_REFRESH = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The JVM as the container image starts it in the Deployment of k8s/, with the log manager its Dockerfile adds. */
    private static final List<String> JVM_OPTIONS = Stream.concat(WorkerProcess.RUNTIME_IMAGE_JVM_OPTIONS.stream(),
            Stream.of("-Djava.util.logging.manager=org.jboss.logmanager.LogManager")).toList();
    private static final List<String> NON_HIT_RESULTS = List.of("stale_hit", "stale_if_error", "miss", "negative_hit");

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @RegisterExtension
    static final LocalTestOrigin ORIGIN = new LocalTestOrigin();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One server's runs: wrk's reports, with the CPU time its process (and Redis) spent in each. */
    private record Runs(List<Wrk.Result> results, List<Double> cpuMicrosPerRequest, List<Double> redisMicrosPerRequest) {
        Runs() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        double median(ToDoubleFunction<Wrk.Result> value) {
            return RestHitBenchmarkIT.median(results.stream().mapToDouble(value).boxed().toList());
        }
    }

    @Test
    void restHitsAgainstNginxServingTheSameFiles() throws Exception {
        List<String> paths = new ArrayList<>();
        Map<String, byte[]> images = new LinkedHashMap<>();
        for (int i = 0; i < IMAGES; i++) {
            String key = String.format(Locale.ROOT, "%s/rest-%03d.png", SEGMENT, i);
            byte[] png = TestImages.png(IMAGE_BYTES, i);
            ORIGIN.origin().serve(key, Reply.image(png, "image/png"));
            images.put(key, png);
            paths.add(ImagesResource.PATH_PREFIX + key);
        }
        Path root = Files.createTempDirectory("pansaar-rest-benchmark-");
        List<Application> applications = new ArrayList<>();
        try {
            applications.add(Application.start("Pansaar", WorkerProcess.JAR));
            if (!COMPARE_JAR.isBlank()) {
                applications.add(Application.start("compared build", Path.of(COMPARE_JAR)));
            }
            String pansaar = applications.get(0).baseUrl();
            for (Application application : applications) {
                awaitReady(application.process(), application.baseUrl());
            }
            // Warm every image into the cache through the application, and put the same bytes (each build's are
            // checked to be the origin's) under the same path for nginx. A compared build reads the same Redis.
            for (Map.Entry<String, byte[]> image : images.entrySet()) {
                for (Application application : applications) {
                    byte[] served = warm(application.baseUrl() + ImagesResource.PATH_PREFIX + image.getKey());
                    assertArrayEquals(image.getValue(), served, application.name() + ": the cached bytes are the origin's");
                }
                Path file = root.resolve(ImagesResource.PATH_PREFIX.substring(1) + image.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, image.getValue());
            }
            try (LocalNginx nginx = LocalNginx.serve(root, NGINX_WORKERS)) {
                HttpResponse<byte[]> fromNginx = get(nginx.baseUrl() + paths.get(0));
                assertEquals(200, fromNginx.statusCode(), "nginx serves the files");
                assertArrayEquals(images.values().iterator().next(), fromNginx.body());
                assertEquals("image/png", fromNginx.headers().firstValue("Content-Type").orElse(""));

                Wrk wrk = Wrk.rotating(paths, WRK_THREADS, CONNECTIONS);
                // Untimed warm-up runs: the JIT compiles the read path before anything is measured. A cold JVM may
                // answer some reads 503 (Redis not answered within pansaar.read-through.redis-timeout): shown, not failed.
                for (Application application : applications) {
                    Wrk.Result warmUp = wrk.run(application.baseUrl(), WARM_UP);
                    System.out.printf(Locale.ROOT, "%s warm-up: %,.0f req/s, p99 %.2f ms, %,d responses other than "
                            + "2xx, %,d socket errors%n", application.name(), warmUp.requestsPerSecond(),
                            warmUp.p99Micros() / 1000, warmUp.non2xx(), warmUp.socketErrors());
                }
                checked("nginx warm-up", wrk.run(nginx.baseUrl(), WARM_UP));
                // The read counters reach /q/metrics from Redis every refresh interval: wait for one after the warm-up.
                Thread.sleep(METRICS_REFRESH.plusSeconds(1).toMillis());
                Map<String, Double> before = reads(pansaar);
                long pansaarRequests = 0;

                Runs nginxRuns = new Runs();
                List<String> loads = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    loads.add(BenchmarkTable.loadAverage().split(",")[0]);
                    measure("nginx round " + (round + 1), wrk, nginx.baseUrl(), nginx::cpuTime, nginxRuns);
                    // With a compared build, the two take turns at going first, so that neither always runs right
                    // after nginx.
                    List<Application> inTurn = new ArrayList<>(applications);
                    if (round % 2 == 1) {
                        Collections.reverse(inTurn);
                    }
                    for (Application application : inTurn) {
                        double allocatedBefore = allocatedBytes(application.baseUrl());
                        Wrk.Result result = measure(application.name() + " round " + (round + 1), wrk,
                                application.baseUrl(), () -> application.process().handle().info().totalCpuDuration()
                                        .orElseThrow(), application.runs());
                        application.allocatedPerRequest()
                                .add((allocatedBytes(application.baseUrl()) - allocatedBefore) / result.requests());
                        pansaarRequests += result.requests();
                    }
                }
                String profile = System.getProperty("benchmark.profile", "");
                if (!profile.isBlank()) {
                    Wrk.Result result = profiled(applications.get(0).process(), wrk, pansaar,
                            Path.of(profile).toAbsolutePath());
                    pansaarRequests += result.requests() - result.non2xx();
                }
                long hits = awaitHits(pansaar, before, pansaarRequests);
                BenchmarkTable.print("rest", table(nginxRuns, applications, loads, hits));
            }
        } finally {
            applications.forEach(Application::close);
        }
    }

    /** One packaged build of the application under measurement, its runs and the heap it allocated per request. */
    private record Application(String name, Path jar, String baseUrl, WorkerProcess process, Runs runs,
            List<Double> allocatedPerRequest) implements AutoCloseable {

        static Application start(String name, Path jar) {
            int port = LocalRedisServer.freePort();
            WorkerProcess process = WorkerProcess.start("rest-benchmark-" + port, JVM_OPTIONS, environment(port), jar);
            process.awaitLog("Profile prod activated");
            return new Application(name, jar, "http://127.0.0.1:" + port, process, new Runs(), new ArrayList<>());
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /** One measured run: wrk's report, checked, with the server's and Redis' CPU time per request. */
    private Wrk.Result measure(String name, Wrk wrk, String baseUrl, Supplier<Duration> serverCpu,
            Runs runs) {
        Duration cpuBefore = serverCpu.get();
        double redisBefore = redisCpuSeconds();
        Wrk.Result result = checked(name, wrk.run(baseUrl, RUN));
        double cpuMicros = serverCpu.get().minus(cpuBefore).toNanos() / 1_000.0;
        double redisMicros = (redisCpuSeconds() - redisBefore) * 1_000_000;
        runs.results().add(result);
        runs.cpuMicrosPerRequest().add(cpuMicros / result.requests());
        runs.redisMicrosPerRequest().add(redisMicros / result.requests());
        System.out.printf(Locale.ROOT, "%s: %,.0f req/s, p50 %.2f ms, p99 %.2f ms, %,d requests, CPU %.1f us/request, "
                + "Redis %.1f us/request%n", name, result.requestsPerSecond(), result.p50Micros() / 1000,
                result.p99Micros() / 1000, result.requests(), cpuMicros / result.requests(), redisMicros / result.requests());
        return result;
    }

    /** Fails the run when any response was an error or not a whole image. */
    private static Wrk.Result checked(String name, Wrk.Result result) {
        assertTrue(result.requests() > 0, name + ": no responses");
        assertEquals(0, result.non2xx(), name + ": responses other than 2xx or 3xx");
        assertEquals(0, result.socketErrors(), name + ": socket errors or timeouts");
        assertTrue(result.bytesRead() / result.requests() >= IMAGE_BYTES * 0.99,
                name + ": " + result.bytesRead() / result.requests() + " bytes per response, less than an image");
        return result;
    }

    /** A run of the application under Flight Recorder's profile settings, whose summary is printed. */
    private Wrk.Result profiled(WorkerProcess app, Wrk wrk, String baseUrl, Path recording) throws Exception {
        String pid = String.valueOf(app.handle().pid());
        jcmd(pid, "JFR.start", "name=rest-benchmark", "settings=profile");
        Wrk.Result result = wrk.run(baseUrl, PROFILED_RUN);
        jcmd(pid, "JFR.stop", "name=rest-benchmark", "filename=" + recording);
        // Starting a recording stalls the JVM for a moment, which may turn reads into 503s: shown, not failed, as this
        // run is not measured.
        System.out.printf(Locale.ROOT, "Pansaar under JFR: %,.0f req/s, p99 %.2f ms, %,d responses other than 2xx; "
                + "recording %s%n%s", result.requestsPerSecond(), result.p99Micros() / 1000, result.non2xx(), recording,
                JfrProfile.summarize(recording, 40));
        return result;
    }

    private static void jcmd(String pid, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                pid));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "jcmd " + String.join(" ", arguments) + ":\n" + output);
    }

    /**
     * Waits until the hits counted in Redis cover every response wrk received, and checks that no read in the runs was
     * anything but a fresh hit. Returns the hits counted.
     */
    private long awaitHits(String pansaar, Map<String, Double> before, long responses) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Double> after = reads(pansaar);
        while (delta(after, before, "hit") < responses && System.nanoTime() < deadline) {
            Thread.sleep(500);
            after = reads(pansaar);
        }
        long hits = (long) delta(after, before, "hit");
        assertTrue(hits >= responses, "pansaar_reads_total{result=\"hit\"} grew by " + hits + ", less than the "
                + responses + " responses wrk received");
        for (String result : NON_HIT_RESULTS) {
            assertEquals(0.0, delta(after, before, result), "reads counted as " + result + " during the runs");
        }
        assertEquals(0.0, after.getOrDefault("unrecorded", 0.0) - before.getOrDefault("unrecorded", 0.0),
                "reads answered without pansaar_get");
        return hits;
    }

    private static double delta(Map<String, Double> after, Map<String, Double> before, String result) {
        return after.getOrDefault(result, 0.0) - before.getOrDefault(result, 0.0);
    }

    /** pansaar_reads_total by result, and pansaar_reads_unrecorded_total as "unrecorded", from /q/metrics. */
    private Map<String, Double> reads(String pansaar) throws Exception {
        HttpResponse<byte[]> response = get(pansaar + "/q/metrics");
        assertEquals(200, response.statusCode());
        Map<String, Double> reads = new HashMap<>();
        for (String line : new String(response.body(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("pansaar_reads_total{")) {
                int start = line.indexOf("result=\"") + "result=\"".length();
                String result = line.substring(start, line.indexOf('"', start));
                reads.merge(result, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            } else if (line.startsWith("pansaar_reads_unrecorded_total")) {
                reads.merge("unrecorded", Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            }
        }
        assertTrue(reads.containsKey("hit"), "/q/metrics has no pansaar_reads_total{result=\"hit\"}");
        return reads;
    }

    /**
     * Bytes the JVM has allocated so far, as Micrometer's {@code jvm_gc_memory_allocated_bytes_total} counts them (the
     * young generation's growth, measured at each collection).
     */
    private double allocatedBytes(String pansaar) throws Exception {
        HttpResponse<byte[]> response = get(pansaar + "/q/metrics");
        assertEquals(200, response.statusCode());
        for (String line : new String(response.body(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("jvm_gc_memory_allocated_bytes_total")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("/q/metrics has no jvm_gc_memory_allocated_bytes_total");
    }

    private double redisCpuSeconds() {
        double seconds = 0;
        for (String line : REDIS.call(Request.cmd(Command.INFO).arg("cpu")).toString().split("\r\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1));
            }
        }
        return seconds;
    }

    /** GETs the image until the application answers with a fresh hit; returns the bytes it served. */
    private byte[] warm(String url) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            HttpResponse<byte[]> response = get(url);
            String cacheStatus = response.headers().firstValue("Cache-Status").orElse("");
            if (response.statusCode() == 200 && cacheStatus.startsWith("pansaar; hit; ttl=")) {
                return response.body();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(url + " is no fresh hit after " + WAIT + ": " + response.statusCode() + " "
                        + cacheStatus);
            }
            Thread.sleep(response.statusCode() == 200 ? 0 : 100);
        }
    }

    private void awaitReady(WorkerProcess app, String pansaar) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (get(pansaar + "/q/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notListening) {
                // Not listening yet.
            }
            if (!app.handle().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the application did not become ready:\n" + String.join("\n", app.lines()));
            }
            Thread.sleep(200);
        }
    }

    private HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * The settings of k8s/configmap.yaml (the production example), with this run's Redis, origin and port, and a
     * base TTL of a day so that every read of the run is a fresh hit.
     */
    private static Map<String, String> environment(int port) {
        return Map.of("QUARKUS_REDIS_HOSTS", REDIS.server().uri(),
                "QUARKUS_REDIS_CLIENT_TYPE", "standalone",
                "PANSAAR_ORIGIN_BASE_URL", ORIGIN.origin().baseUrl(),
                "PANSAAR_PARTITIONS", "16",
                "PANSAAR_MEMORY_BUDGET", "3G",
                "PANSAAR_REFRESH_MAX_PER_SECOND", "20",
                "PANSAAR_ORIGIN_MAX_CONCURRENCY", "16",
                "PANSAAR_DEFAULTS_BASE_TTL", "24h",
                "PANSAAR_ADMIN_TOKEN", UUID.randomUUID().toString(),
                "QUARKUS_HTTP_PORT", String.valueOf(port));
    }

    private static String table(Runs nginx, List<Application> applications, List<String> loads, long hits) {
        StringBuilder header = new StringBuilder("| median of " + ROUNDS + " rounds (each round) | nginx, the same file |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (Application application : applications) {
            header.append(application == applications.get(0) ? " Pansaar, `GET /images/<key>` hit | Pansaar / nginx |"
                    : " " + application.name() + " | " + application.name() + " / nginx |");
            rule.append("---|---|");
        }
        StringBuilder rate = row("requests/s", nginx, Wrk.Result::requestsPerSecond, RestHitBenchmarkIT::thousands);
        StringBuilder p50 = row("p50 latency", nginx, Wrk.Result::p50Micros, RestHitBenchmarkIT::millis);
        StringBuilder p99 = row("p99 latency", nginx, Wrk.Result::p99Micros, RestHitBenchmarkIT::millis);
        double nginxCpu = median(nginx.cpuMicrosPerRequest());
        StringBuilder cpu = new StringBuilder(String.format(Locale.ROOT, "| CPU per request, server processes | %.1f µs |",
                nginxCpu));
        StringBuilder redis = new StringBuilder(String.format(Locale.ROOT, "| CPU per request, Redis | %.1f µs |",
                median(nginx.redisMicrosPerRequest())));
        StringBuilder heap = new StringBuilder("| JVM heap allocated per request | |");
        for (Application application : applications) {
            Runs runs = application.runs();
            cell(rate, runs, Wrk.Result::requestsPerSecond, RestHitBenchmarkIT::thousands)
                    .append(String.format(Locale.ROOT, " **%.2fx** |", runs.median(Wrk.Result::requestsPerSecond)
                            / nginx.median(Wrk.Result::requestsPerSecond)));
            cell(p50, runs, Wrk.Result::p50Micros, RestHitBenchmarkIT::millis).append(String.format(Locale.ROOT,
                    " %.1fx |", runs.median(Wrk.Result::p50Micros) / nginx.median(Wrk.Result::p50Micros)));
            cell(p99, runs, Wrk.Result::p99Micros, RestHitBenchmarkIT::millis).append(String.format(Locale.ROOT,
                    " %.1fx |", runs.median(Wrk.Result::p99Micros) / nginx.median(Wrk.Result::p99Micros)));
            double applicationCpu = median(runs.cpuMicrosPerRequest());
            cpu.append(String.format(Locale.ROOT, " %.1f µs | %.1fx |", applicationCpu, applicationCpu / nginxCpu));
            redis.append(String.format(Locale.ROOT, " %.1f µs | |", median(runs.redisMicrosPerRequest())));
            heap.append(String.format(Locale.ROOT, " %,.0f B | |", median(application.allocatedPerRequest())));
        }
        StringBuilder table = new StringBuilder();
        for (StringBuilder line : List.of(header, rule, rate, p50, p99, cpu, redis, heap)) {
            table.append(line).append('\n');
        }
        String compared = applications.size() < 2 ? ""
                : " The compared build (" + applications.get(1).jar() + ") read the same Redis.";
        String interleaving = applications.size() < 2 ? "nginx, then Pansaar"
                : "nginx, then Pansaar and the compared build, taking turns at going first";
        table.append(String.format(Locale.ROOT, "%n%d images of %,d B; wrk, %d threads, %d connections, %d s per run, "
                + "rounds interleaved (%s), after an untimed %d s warm-up of each; nginx worker_processes %s; "
                + "the JVM with %s.%s Every Pansaar response was a 200 fresh hit (%,d counted in "
                + "`pansaar_reads_total{result=\"hit\"}`, no other outcome). Load average (1 min) at the start of each "
                + "round: %s.", IMAGES, IMAGE_BYTES, WRK_THREADS, CONNECTIONS, RUN.toSeconds(), interleaving,
                WARM_UP.toSeconds(), NGINX_WORKERS, JVM_OPTIONS.get(0) + " " + JVM_OPTIONS.get(1), compared, hits,
                String.join(", ", loads)));
        return table.toString();
    }

    /** A table row's label and nginx's cell: the median, then each round. */
    private static StringBuilder row(String label, Runs nginx, ToDoubleFunction<Wrk.Result> value,
            DoubleFunction<String> format) {
        return cell(new StringBuilder("| " + label + " |"), nginx, value, format);
    }

    /** Appends one server's cell: the median, then each round in parentheses. */
    private static StringBuilder cell(StringBuilder row, Runs runs, ToDoubleFunction<Wrk.Result> value,
            DoubleFunction<String> format) {
        return row.append(' ').append(format.apply(runs.median(value))).append(" (")
                .append(each(runs.results(), value, format)).append(") |");
    }

    private static String each(List<Wrk.Result> results, ToDoubleFunction<Wrk.Result> value,
            DoubleFunction<String> format) {
        return String.join(", ", results.stream().map(result -> format.apply(value.applyAsDouble(result))).toList());
    }

    private static String thousands(double requestsPerSecond) {
        return String.format(Locale.ROOT, "%.1fk", requestsPerSecond / 1000);
    }

    private static String millis(double micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
