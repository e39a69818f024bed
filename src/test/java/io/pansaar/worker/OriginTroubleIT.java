package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.origin.OriginId;
import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.WorkerProcess;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Two application instances, run as operators run them (the packaged jar, in processes of their own), in front of
 * origins in trouble: one origin limited to 3 fetches at once, one that answers 429 with Retry-After, one that is
 * down for longer than a job's deliveries last. Each origin belongs to a segment of its own, so the tests share
 * the instances and nothing else.
 */
class OriginTroubleIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Partitioner PARTITIONER = new Partitioner(16);
    private static final int MAX_CONCURRENCY = 3;
    private static final int BREAKER_FAILURES = 3;
    private static final Duration OPEN_FOR = Duration.ofSeconds(2);

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    private static TestOrigin limitedOrigin;
    private static TestOrigin pausingOrigin;
    private static TestOrigin failingOrigin;
    private static final List<WorkerProcess> instances = new ArrayList<>();

    @BeforeAll
    static void startServers() {
        assertTrue(Files.exists(WorkerProcess.JAR),
                WorkerProcess.JAR + " is missing: the application is packaged before integration tests run");
        limitedOrigin = TestOrigin.start();
        pausingOrigin = TestOrigin.start();
        failingOrigin = TestOrigin.start();
        for (String name : List.of("first", "second")) {
            instances.add(WorkerProcess.start(name, environment()));
        }
        instances.forEach(instance -> instance.awaitLog("Profile prod activated"));
    }

    @AfterAll
    static void stopServers() {
        instances.forEach(WorkerProcess::close);
        for (TestOrigin origin : new TestOrigin[] { limitedOrigin, pausingOrigin, failingOrigin }) {
            if (origin != null) {
                origin.close();
            }
        }
    }

    @Test
    void twoInstancesTogetherNeverExceedTheOriginsMaxConcurrency() {
        List<ImageKey> keys = keys("limited", 30);
        keys.forEach(key -> limitedOrigin.serve(key.value(),
                Reply.image(TestImages.png(2_000), "image/png").withDelay(Duration.ofMillis(300))));
        keys.forEach(key -> REDIS.publishJob(key, "miss"));

        await().atMost(WAIT).until(() -> keys.stream().allMatch(REDIS::cached));
        List<String> paths = keys.stream().map(ImageKey::value).toList();
        // Each instance runs 2 jobs at once, so limits kept per instance would let 4 fetches meet at the origin.
        assertEquals(MAX_CONCURRENCY, limitedOrigin.peakConcurrency(paths),
                "the origin's peak of fetches in flight: both instances fetched at once, and never more than "
                        + MAX_CONCURRENCY + " together");
        keys.forEach(key -> assertEquals(1, limitedOrigin.fetches(key.value()), key.value()));
        assertEquals(0, deadLetters("limited"));
        await().atMost(WAIT).until(() -> permitsHeld(limitedOrigin) == 0);
    }

    @Test
    void a429WithRetryAfterPausesEveryFetchToThatOrigin() {
        ImageKey first = ImageKey.of("paused/first.png");
        pausingOrigin.serveInTurn(first.value(), Reply.status(429).withHeader("Retry-After", "3"),
                Reply.image(TestImages.png(2_000), "image/png"));
        List<ImageKey> others = keys("paused", 10);
        others.forEach(key -> pausingOrigin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png")));

        REDIS.publishJob(first, "miss");
        await().atMost(WAIT).until(() -> pausedUntil(pausingOrigin) > 0);
        long pausedUntil = pausedUntil(pausingOrigin);
        Instant answered429 = pausingOrigin.requests(first.value()).get(0).receivedAt();
        others.forEach(key -> REDIS.publishJob(key, "miss"));

        await().atMost(WAIT).until(() -> REDIS.cached(first) && others.stream().allMatch(REDIS::cached));
        // Redis and this test share one clock: no fetch of any key reached the origin before the pause ended.
        List<Instant> fetchedAt = new ArrayList<>();
        fetchedAt.add(pausingOrigin.requests(first.value()).get(1).receivedAt());
        others.forEach(key -> pausingOrigin.requests(key.value()).forEach(request -> fetchedAt.add(request.receivedAt())));
        Instant earliest = fetchedAt.stream().min(Instant::compareTo).orElseThrow();
        assertTrue(!earliest.isBefore(Instant.ofEpochMilli(pausedUntil)), "the first fetch after the 429 at "
                + answered429 + " came at " + earliest + ", before the pause ended at " + Instant.ofEpochMilli(pausedUntil));
        assertTrue(pausedUntil - answered429.toEpochMilli() >= 2_900, "paused for the 3 s asked");
        assertEquals(12, pausingOrigin.totalFetches(), "each key fetched once, the first twice");
        assertEquals(0, deadLetters("paused"));
    }

    @Test
    void jobsOutliveAnOutageLongerThanTheirDeliveriesWithFewOriginRequestsMeanwhile() {
        List<ImageKey> keys = keys("outage", 20);
        keys.forEach(key -> failingOrigin.serve(key.value(), Reply.status(503)));
        keys.forEach(key -> REDIS.publishJob(key, "miss"));

        // 3 deliveries 200-400 ms apart last about a second; the outage lasts 12.
        Duration outage = Duration.ofSeconds(12);
        sleep(outage);
        int requestsDuringOutage = failingOrigin.totalFetches();
        long recoveryStarted = System.nanoTime();
        keys.forEach(key -> failingOrigin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png")));

        await().atMost(WAIT).until(() -> keys.stream().allMatch(REDIS::cached));
        long recoveryMillis = (System.nanoTime() - recoveryStarted) / 1_000_000;
        System.out.printf("outage of %s: %d origin requests for %d jobs during it; all written %d ms after it ended%n",
                outage, requestsDuringOutage, keys.size(), recoveryMillis);
        assertEquals(0, deadLetters("outage"), "no job was dead-lettered");
        // Without the breaker: 20 jobs x 3 deliveries = 60 requests, then every job dead-lettered. With it: the
        // failures that open it (at most the 4 fetches in flight plus the threshold), then one probe per open spell.
        long bound = 4 + BREAKER_FAILURES + outage.dividedBy(OPEN_FOR) + 2;
        assertTrue(requestsDuringOutage <= bound, requestsDuringOutage + " origin requests during the outage, more than "
                + bound);
    }

    /** Both instances, with short timings, each running 2 jobs at once, and one segment per origin. */
    private static Map<String, String> environment() {
        Map<String, String> environment = new HashMap<>(Map.of("QUARKUS_REDIS_HOSTS", REDIS.server().uri(),
                "PANSAAR_WORKER_CONCURRENCY", "2", "PANSAAR_ORIGIN_TIMEOUT", "2s", "PANSAAR_WORKER_FETCH_LEASE", "5s",
                "PANSAAR_STREAM_CLAIM_IDLE", "10s", "PANSAAR_STREAM_MAX_DELIVERIES", "3",
                "PANSAAR_STREAM_RETRY_BACKOFF", "200ms", "PANSAAR_STREAM_RETRY_BACKOFF_MAX", "400ms",
                "PANSAAR_ORIGIN_BREAKER_FAILURES", String.valueOf(BREAKER_FAILURES)));
        environment.put("PANSAAR_ORIGIN_BREAKER_OPEN_FOR", OPEN_FOR.toSeconds() + "s");
        // Segment names are map keys, which system properties name most plainly.
        environment.put("JAVA_TOOL_OPTIONS", String.join(" ",
                "-Dpansaar.segments.limited.origin-url=" + limitedOrigin.baseUrl(),
                "-Dpansaar.segments.limited.max-concurrency=" + MAX_CONCURRENCY,
                "-Dpansaar.segments.paused.origin-url=" + pausingOrigin.baseUrl(),
                "-Dpansaar.segments.outage.origin-url=" + failingOrigin.baseUrl()));
        return environment;
    }

    private static List<ImageKey> keys(String segment, int count) {
        return IntStream.range(0, count).mapToObj(i -> ImageKey.of(segment + "/image-" + i + ".png")).toList();
    }

    /** Dead letters whose key lies in {@code segment}, over every partition. */
    private static long deadLetters(String segment) {
        long count = 0;
        for (int partition = 0; partition < 16; partition++) {
            for (Response entry : REDIS.call(Request.cmd(Command.XRANGE).arg(RedisKeys.deadLetters(partition)).arg("-").arg("+"))) {
                Response fields = entry.get(1);
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    if ("key".equals(fields.get(i).toString()) && fields.get(i + 1).toString().startsWith(segment + "/")) {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    private static long pausedUntil(TestOrigin origin) {
        Response value = REDIS.call(Request.cmd(Command.HGET).arg(RedisKeys.originState(originOf(origin))).arg("paused-until"));
        return value == null ? 0 : value.toLong();
    }

    private static long permitsHeld(TestOrigin origin) {
        return REDIS.call(Request.cmd(Command.ZCARD).arg(RedisKeys.originPermits(originOf(origin)))).toLong();
    }

    private static String originOf(TestOrigin origin) {
        return OriginId.of(java.net.URI.create(origin.baseUrl())).toString();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
