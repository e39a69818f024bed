package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.FetchedImage;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

/**
 * The whole pipeline on a real Redis and a real HTTP origin: reads that miss, jobs on the stream,
 * the worker in this process consuming them, and what ends up in Redis.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class RegenerationPipelineIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    PansaarConfig config;

    @Test
    void aMissBecomesOneJobAndACachedImageWithTheRightBytesAndTtl() {
        ImageKey key = uniqueKey("avatars", "png");
        byte[] png = TestImages.png(20_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"v1\""));

        ReadResult miss = read(key);
        assertEquals(ReadOutcome.MISS, miss.outcome());
        assertTrue(miss.enqueued());

        ReadResult hit = awaitOutcome(key, ReadOutcome.HIT);
        assertArrayEquals(png, hit.body().orElseThrow());
        Map<String, String> image = imageFields(key);
        assertEquals("image/png", image.get("content-type"));
        assertEquals(String.valueOf(png.length), image.get("size"));
        assertEquals("\"v1\"", image.get("etag"));
        assertEquals("ok", image.get("status"));
        // The dynamic TTL chose the fresh TTL (recorded in the hash); the Redis TTL adds the grace and stale-if-error.
        long expectedTtl = Long.parseLong(image.get("fresh-ttl")) + config.segmentDefaults().grace().toMillis()
                + config.segmentDefaults().staleIfError().toMillis();
        long ttl = redis.key().pttl(imageKey(key));
        assertTrue(ttl <= expectedTtl && ttl > expectedTtl - 10_000, "PTTL " + ttl + ", expected about " + expectedTtl);
        assertEquals(1, origin.fetches(key.value()));
        // Acknowledged jobs are deleted, so the stream holds only unfinished work.
        await().atMost(WAIT).until(() -> pendingJobsOf(key) == 0);
    }

    @Test
    void twoHundredConcurrentMissesCostOneOriginFetch() {
        ImageKey key = uniqueKey("avatars", "png");
        byte[] png = TestImages.png(5_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withDelay(Duration.ofMillis(300)));

        List<Uni<ReadResult>> reads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            reads.add(store.read(key));
        }
        List<ReadResult> results = Uni.join().all(reads).andFailFast().await().atMost(WAIT);

        assertEquals(200, results.stream().filter(result -> result.outcome() == ReadOutcome.MISS).count());
        assertEquals(1, results.stream().filter(ReadResult::enqueued).count());
        assertArrayEquals(png, awaitOutcome(key, ReadOutcome.HIT).body().orElseThrow());
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void twoHundredDuplicateJobsCostOneOriginFetch() {
        ImageKey key = uniqueKey("thumbnails", "png");
        byte[] png = TestImages.png(5_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withDelay(Duration.ofMillis(300)));

        // Published at once (one transaction), as a burst of duplicate requests would arrive.
        redis.withTransaction(transaction -> {
            for (int i = 0; i < 200; i++) {
                transaction.stream(String.class).xadd(RedisKeys.jobs(partition(key)), Map.of("key", key.value()));
            }
        });

        assertArrayEquals(png, awaitOutcome(key, ReadOutcome.HIT).body().orElseThrow());
        await().atMost(WAIT).until(() -> pendingJobsOf(key) == 0);
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void aJobLeftPendingByAVanishedWorkerIsReclaimedAndCompleted() {
        ImageKey key = uniqueKey("avatars", "png");
        byte[] png = TestImages.png(3_000);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        String stream = RedisKeys.jobs(partition(key));

        // A worker that read the entry, took the fetch lease and died: its consumer never acknowledges,
        // and its lease lapses after pansaar.worker.fetch-lease.
        String vanished = "vanished-worker-" + UUID.randomUUID();
        redis.execute("XGROUP", "CREATECONSUMER", stream, RedisKeys.CONSUMER_GROUP, vanished);
        String id = redis.stream(String.class).xadd(stream, Map.of("key", key.value(), "reason", "manual"));
        redis.execute("XCLAIM", stream, RedisKeys.CONSUMER_GROUP, vanished, "0", id);
        redis.execute("SET", RedisKeys.marker(partition(key), key), "fetching:" + vanished, "PX",
                String.valueOf(config.worker().fetchLease().toMillis()));

        assertArrayEquals(png, awaitOutcome(key, ReadOutcome.HIT).body().orElseThrow());
        await().atMost(WAIT).until(() -> pendingJobsOf(key) == 0);
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void aBodyShorterThanItsContentLengthIsTriedOnceMoreThenDeadLettered() {
        ImageKey key = uniqueKey("banners", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(3_000), "image/png").withContentLength(5_000));

        assertTrue(read(key).enqueued());

        Map<String, String> deadLetter = awaitDeadLetter(key);
        assertEquals("2", deadLetter.get("deliveries"), "one more try, on a fresh connection, then the dead letter");
        assertTrue(deadLetter.get("last-error").contains("declared a body of 5,000 bytes"), deadLetter.get("last-error"));
        assertEquals(2, origin.fetches(key.value()));
        assertFalse(redis.key().exists(imageKey(key)), "nothing is cached");
    }

    @Test
    void anOriginThatKeepsFailingEndsInTheDeadLetterStreamAfterMaxDeliveries() {
        ImageKey key = uniqueKey("banners", "png");
        origin.serve(key.value(), Reply.status(503));
        int partition = partition(key);

        assertTrue(read(key).enqueued());

        Map<String, String> deadLetter = awaitDeadLetter(key);
        int maxDeliveries = config.stream().maxDeliveries();
        assertEquals(String.valueOf(maxDeliveries), deadLetter.get("deliveries"));
        assertEquals("miss", deadLetter.get("reason"));
        assertEquals(RedisKeys.jobs(partition), deadLetter.get("original-stream"));
        assertTrue(deadLetter.get("last-error").contains("503"), deadLetter.get("last-error"));
        assertTrue(deadLetter.containsKey("original-id") && deadLetter.containsKey("dead-lettered-at"));
        assertEquals(maxDeliveries, origin.fetches(key.value()));
        assertFalse(redis.key().exists(imageKey(key)), "nothing is cached");
        // The single-flight marker is gone, so the next miss enqueues a fresh job.
        await().atMost(WAIT).until(() -> pendingJobsOf(key) == 0);
        assertTrue(read(key).enqueued());
    }

    @Test
    void aRetryableFailureIsRetriedAndThenSucceeds() {
        ImageKey key = uniqueKey("avatars", "png");
        byte[] png = TestImages.png(2_000);
        origin.serveAfterFailures(key.value(), 2, Reply.status(500), Reply.image(png, "image/png"));

        assertTrue(read(key).enqueued());

        assertArrayEquals(png, awaitOutcome(key, ReadOutcome.HIT).body().orElseThrow());
        assertEquals(3, origin.fetches(key.value()));
    }

    @Test
    void malformedEntriesAreDeadLetteredAtOnceAndTheNextEntryIsProcessed() {
        ImageKey valid = uniqueKey("avatars", "png");
        byte[] png = TestImages.png(2_000);
        origin.serve(valid.value(), Reply.image(png, "image/png"));
        String stream = RedisKeys.jobs(partition(valid));
        String marker = "malformed-" + UUID.randomUUID();

        String noKey = redis.stream(String.class).xadd(stream, Map.of("reason", "miss", "note", marker));
        String badKey = redis.stream(String.class).xadd(stream, Map.of("key", "avatars/../secret.png", "note", marker));
        String badReason = redis.stream(String.class).xadd(stream,
                Map.of("key", valid.value(), "reason", "urgent", "note", marker));
        redis.stream(String.class).xadd(stream, Map.of("key", valid.value(), "reason", "manual"));

        assertArrayEquals(png, awaitOutcome(valid, ReadOutcome.HIT).body().orElseThrow());
        await().atMost(WAIT).until(() -> deadLettersWith(stream, "note", marker).size() == 3);
        // Entries are processed concurrently, so dead letters are matched by their original id, not their order.
        Map<String, Map<String, String>> byOriginalId = new HashMap<>();
        List<Map<String, String>> deadLetters = deadLettersWith(stream, "note", marker);
        deadLetters.forEach(deadLetter -> byOriginalId.put(deadLetter.get("original-id"), deadLetter));
        assertTrue(byOriginalId.get(noKey).get("last-error").contains("no 'key' field"), byOriginalId.toString());
        assertTrue(byOriginalId.get(badKey).get("last-error").contains("'..' path element"), byOriginalId.toString());
        assertTrue(byOriginalId.get(badReason).get("last-error").contains("urgent"), byOriginalId.toString());
        deadLetters.forEach(deadLetter -> assertEquals("1", deadLetter.get("deliveries")));
    }

    @Test
    void aRefreshOfAnUnchangedImageIsAConditionalGetAnsweredWith304() {
        ImageKey key = uniqueKey("avatars", "png");
        byte[] png = TestImages.png(4_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"same\""));
        assertTrue(read(key).enqueued());
        awaitOutcome(key, ReadOutcome.HIT);
        long firstFreshUntil = Long.parseLong(imageFields(key).get("fresh-until"));
        long firstFetchedAt = Long.parseLong(imageFields(key).get("fetched-at"));

        // A manual regeneration requested after the first fetch: the worker asks "has it changed?".
        redis.stream(String.class).xadd(RedisKeys.jobs(partition(key)),
                Map.of("key", key.value(), "reason", "manual", "requested-at", String.valueOf(firstFetchedAt + 1)));

        await().atMost(WAIT).until(() -> Long.parseLong(imageFields(key).get("fetched-at")) > firstFetchedAt);
        assertEquals(2, origin.fetches(key.value()));
        List<TestOrigin.Request> requests = origin.requests(key.value());
        assertEquals("\"same\"", requests.get(1).header("If-None-Match").orElseThrow());
        assertTrue(Long.parseLong(imageFields(key).get("fresh-until")) >= firstFreshUntil);
        assertArrayEquals(png, read(key).body().orElseThrow());
        assertEquals(0, origin.deliveries(key.value()).get(1).bodyBytesSent(), "a 304 carries no body");
        assertEquals(304, origin.deliveries(key.value()).get(1).status());
    }

    @Test
    void aManualRequestArrivingDuringAFetchIsFetchedAgainAfterIt() {
        ImageKey key = uniqueKey("banners", "png");
        byte[] before = TestImages.png(3_000, 1);
        byte[] after = TestImages.png(3_000, 2);
        origin.serveInTurn(key.value(), Reply.image(before, "image/png").withDelay(Duration.ofMillis(500)),
                Reply.image(after, "image/png"));
        assertTrue(read(key).enqueued());
        await().atMost(WAIT).until(() -> origin.fetches(key.value()) == 1);

        // The origin changed the image, and an operator asks for it while the first fetch is still running.
        redis.stream(String.class).xadd(RedisKeys.jobs(partition(key)), Map.of("key", key.value(), "reason", "manual"));

        await().atMost(WAIT).until(() -> {
            ReadResult result = read(key);
            return result.outcome() == ReadOutcome.HIT && Arrays.equals(after, result.body().orElseThrow());
        });
        assertEquals(2, origin.fetches(key.value()));
    }

    @Test
    void aStaleImageIsServedWhileOneRefreshRuns() {
        // Segment "shortlived" is fresh for 1 s in the test profile, then stale for its grace.
        ImageKey key = uniqueKey("shortlived", "png");
        byte[] first = TestImages.png(3_000, 1);
        byte[] second = TestImages.png(3_000, 2);
        origin.serveInTurn(key.value(), Reply.image(first, "image/png"), Reply.image(second, "image/png"));
        assertTrue(read(key).enqueued());
        awaitOutcome(key, ReadOutcome.HIT);

        ReadResult stale = awaitOutcome(key, ReadOutcome.STALE);
        assertArrayEquals(first, stale.body().orElseThrow());

        await().atMost(WAIT).until(() -> {
            ReadResult result = read(key);
            return result.outcome() == ReadOutcome.HIT && Arrays.equals(second, result.body().orElseThrow());
        });
        assertEquals(2, origin.fetches(key.value()));
    }

    @Test
    void refreshesRecordTheChangeHistoryThatTheDynamicTtlFollows() {
        ImageKey unchanged = uniqueKey("shortlived", "png");
        ImageKey changed = uniqueKey("shortlived", "png");
        origin.serve(unchanged.value(), Reply.image(TestImages.png(2_000, 1), "image/png"));
        origin.serveInTurn(changed.value(), Reply.image(TestImages.png(2_000, 1), "image/png"),
                Reply.image(TestImages.png(2_000, 2), "image/png"));
        for (ImageKey key : List.of(unchanged, changed)) {
            assertTrue(read(key).enqueued());
            awaitOutcome(key, ReadOutcome.HIT);
            assertEquals("0", imageFields(key).get("changes"));
            assertEquals("0", imageFields(key).get("exposure"));
            // A first fetch gets the segment's starting TTL, which other tests' refreshes in this segment may have
            // taught; never below the segment's 1 s min-ttl.
            assertTrue(Long.parseLong(imageFields(key).get("fresh-ttl")) >= 1000, imageFields(key).get("fresh-ttl"));
            awaitOutcome(key, ReadOutcome.STALE);
            await().atMost(WAIT).until(() -> origin.fetches(key.value()) == 2 && "ok".equals(imageFields(key).get("status"))
                    && !"0".equals(imageFields(key).get("exposure")));
        }

        // The same bytes again (no validators, so a 200): exposure grows, no change, a longer TTL.
        Map<String, String> stable = imageFields(unchanged);
        assertEquals("0", stable.get("changes"));
        assertTrue(Long.parseLong(stable.get("exposure")) >= 1000, "exposure " + stable.get("exposure"));
        assertTrue(Long.parseLong(stable.get("fresh-ttl")) > 1000, "fresh-ttl " + stable.get("fresh-ttl"));
        // New bytes: one change; the TTL shrinks to the segment's min-ttl (1 s in the test profile).
        Map<String, String> volatileImage = imageFields(changed);
        assertEquals("1", volatileImage.get("changes"));
        assertEquals("1000", volatileImage.get("fresh-ttl"));
        assertEquals(FetchedImage.digestOf(TestImages.png(2_000, 2)), volatileImage.get("digest"));
    }

    @Test
    void anOrigin404IsRememberedAsANegativeEntry() {
        ImageKey key = uniqueKey("avatars", "png");
        origin.serve(key.value(), Reply.status(404));
        assertTrue(read(key).enqueued());

        ReadResult negative = awaitOutcome(key, ReadOutcome.NEGATIVE);
        assertEquals(404, negative.negativeStatus().orElseThrow());
        assertFalse(read(key).enqueued(), "a remembered 404 enqueues nothing");
        assertEquals(1, origin.fetches(key.value()));
        long ttl = redis.key().pttl(imageKey(key));
        assertTrue(ttl > 0 && ttl <= config.segmentDefaults().negativeTtl().toMillis(), "PTTL " + ttl);
    }

    @Test
    void anOversizeBodyIsRejectedWithoutCachingAnything() {
        ImageKey key = uniqueKey("banners", "png");
        long limit = config.origin().maxBytes().asLongValue();
        // Chunked, so the client learns the size only while reading; far larger than the socket buffers.
        long bodySize = limit * 20;
        origin.serve(key.value(), Reply.chunked(TestImages.png(1_000), bodySize, "image/png"));
        assertTrue(read(key).enqueued());

        Map<String, String> deadLetter = awaitDeadLetter(key);
        assertTrue(deadLetter.get("last-error").contains("max-bytes"), deadLetter.get("last-error"));
        assertEquals("1", deadLetter.get("deliveries"), "a permanent failure is not retried");
        assertFalse(redis.key().exists(imageKey(key)));
        await().atMost(WAIT).until(() -> !origin.deliveries(key.value()).isEmpty());
        assertTrue(origin.deliveries(key.value()).get(0).bodyBytesSent() < bodySize, "the transfer was cut off");
    }

    @Test
    void anHtmlBodyIsRejectedWithoutCachingAnything() {
        ImageKey key = uniqueKey("avatars", "png");
        origin.serve(key.value(), Reply.body(200, TestImages.html(), "image/png"));
        assertTrue(read(key).enqueued());

        Map<String, String> deadLetter = awaitDeadLetter(key);
        assertEquals("1", deadLetter.get("deliveries"));
        assertFalse(redis.key().exists(imageKey(key)));
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void jobsRunConcurrentlyUpToTheConfiguredBound() {
        int concurrency = config.worker().concurrency();
        List<ImageKey> keys = new ArrayList<>();
        for (int i = 0; i < concurrency * 3; i++) {
            ImageKey key = uniqueKey("thumbnails", "png");
            keys.add(key);
            origin.serve(key.value(), Reply.image(TestImages.png(1_000), "image/png").withDelay(Duration.ofMillis(200)));
        }
        keys.forEach(key -> assertTrue(read(key).enqueued()));

        keys.forEach(key -> awaitOutcome(key, ReadOutcome.HIT));
        int peak = origin.peakConcurrency(keys.stream().map(ImageKey::value).toList());
        assertTrue(peak > 1, "jobs ran one at a time");
        assertTrue(peak <= concurrency, "peak " + peak + " exceeds pansaar.worker.concurrency " + concurrency);
    }

    @Test
    void writesAreCountedInThePartitionsStatisticsAndAnnouncedOnItsReadyChannel() {
        ImageKey key = uniqueKey("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png"));
        int partition = partition(key);
        List<String> announced = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe(RedisKeys.readyChannel(partition), announced::add);
        try {
            Map<String, Long> before = statistics(partition);
            assertTrue(read(key).enqueued());
            awaitOutcome(key, ReadOutcome.HIT);

            await().atMost(WAIT).until(() -> announced.contains(key.value()));
            // The hit waits in the partition's hit counter until a fold, as the scheduler runs each tick.
            while (functions.foldHits(partition, 32).await().atMost(WAIT).waiting() > 0) {
                continue;
            }
            Map<String, Long> after = statistics(partition);
            assertTrue(after.get("misses") > before.get("misses"), after.toString());
            assertTrue(after.get("hits") > before.get("hits"), after.toString());
            assertTrue(after.get("regenerated") > before.get("regenerated"), after.toString());
            assertTrue(after.get("jobs-processed") > before.get("jobs-processed"), after.toString());
        } finally {
            subscriber.unsubscribe();
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private Map<String, Long> statistics(int partition) {
        Map<String, Long> counters = new HashMap<>();
        for (String counter : List.of("hits", "misses", "regenerated", "jobs-processed")) {
            String value = redis.hash(String.class).hget(RedisKeys.stats(partition), counter);
            counters.put(counter, value == null ? 0 : Long.parseLong(value));
        }
        return counters;
    }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static ImageKey uniqueKey(String segment, String extension) {
        return ImageKey.of(segment + "/" + UUID.randomUUID() + "-" + SEQUENCE.incrementAndGet() + "." + extension);
    }

    private int partition(ImageKey key) {
        return partitioner.partitionOf(key);
    }

    private String imageKey(ImageKey key) {
        return RedisKeys.image(partition(key), key);
    }

    private ReadResult read(ImageKey key) {
        return store.read(key).await().atMost(WAIT);
    }

    private ReadResult awaitOutcome(ImageKey key, ReadOutcome outcome) {
        return await().atMost(WAIT).until(() -> read(key), result -> result.outcome() == outcome);
    }

    /** The values the key's image hash holds beside its body, all packed in its meta field. */
    private Map<String, String> imageFields(ImageKey key) {
        return StoredImages.meta(redis, imageKey(key));
    }

    private long pendingJobsOf(ImageKey key) {
        return redis.stream(String.class).xrange(RedisKeys.jobs(partition(key)), StreamRange.of("-", "+"))
                .stream().filter(message -> key.value().equals(message.payload().get("key"))).count();
    }

    private Map<String, String> awaitDeadLetter(ImageKey key) {
        String dead = RedisKeys.deadLetters(partition(key));
        return await().atMost(WAIT).until(() -> redis.stream(String.class)
                .xrange(dead, StreamRange.of("-", "+")).stream()
                .map(StreamMessage::payload).filter(fields -> key.value().equals(fields.get("key")))
                .findFirst().orElse(null), deadLetter -> deadLetter != null);
    }

    private List<Map<String, String>> deadLettersWith(String stream, String field, String value) {
        String dead = stream.substring(0, stream.length() - "jobs".length()) + "dead";
        return redis.stream(String.class).xrange(dead, StreamRange.of("-", "+"))
                .stream().map(StreamMessage::payload).filter(fields -> value.equals(fields.get(field))).toList();
    }
}
