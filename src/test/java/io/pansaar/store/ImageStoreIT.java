package io.pansaar.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.ops.PartitionInspector;
import io.pansaar.redis.FunctionCallException;
import io.pansaar.redis.FunctionError;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.ClaimOutcome;
import io.pansaar.redis.function.EnqueueReply;
import io.pansaar.redis.function.EvictReply;
import io.pansaar.redis.function.RefreshDueReply;
import io.pansaar.redis.function.FinishedJob;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.PurgeOutcome;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.ReleaseMode;
import io.pansaar.redis.function.RepairReply;
import io.pansaar.redis.function.Tuning;
import io.pansaar.redis.function.WriteOutcome;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.worker.WritePlanner;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@TestProfile(NoConsumerProfile.class)
class ImageStoreIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration DAY = Duration.ofDays(1);
    /** Allowed difference between a TTL set by a function and the PTTL read right after it. */
    private static final long TTL_TOLERANCE_MS = 2_000;
    /**
     * How far a rank in ms may lie from the Java formula's: Lua's logarithm may differ from Java's in the last bit, about
     * 1e-11 of a score near 1e5 half-lives, which a half-life of hours makes a ten-thousandth of a millisecond.
     */
    private static final double RANK_TOLERANCE = 0.01;

    @Inject
    ImageStore store;

    @Inject
    WritePlanner planner;

    @Inject
    AccessPriority priority;

    @Inject
    PansaarFunctions functions;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    PansaarConfig config;

    @Inject
    PartitionInspector inspector;

    // --- reads ---------------------------------------------------------------------------------

    @Test
    void missEnqueuesOneJobWithItsFields() {
        ImageKey key = uniqueKey("miss");
        long before = serverMillis();
        ReadResult result = read(key);
        long after = serverMillis();

        assertEquals(ReadOutcome.MISS, result.outcome());
        assertTrue(result.enqueued());
        assertTrue(result.body().isEmpty());
        Map<String, String> job = jobEntry(key, result.jobId().orElseThrow());
        assertEquals(key.value(), job.get("key"));
        assertEquals("miss", job.get("reason"));
        long requestedAt = Long.parseLong(job.get("requested-at"));
        assertTrue(requestedAt >= before && requestedAt <= after, requestedAt + " not in [" + before + ", " + after + "]");
        assertEquals("queued:" + job.get("token"), redis.execute("GET", marker(key)).toString());
        assertTtlNear(config.worker().queuedMarkerTtl(), marker(key));

        ReadResult second = read(key);
        assertEquals(ReadOutcome.MISS, second.outcome());
        assertFalse(second.enqueued(), "a second miss must piggyback on the pending job");
        assertEquals(1, jobsFor(key).size());
    }

    @Test
    void concurrentMissesOfOneKeyEnqueueExactlyOneJob() {
        ImageKey key = uniqueKey("storm");
        List<Uni<ReadResult>> reads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            reads.add(store.read(key));
        }
        List<ReadResult> results = Uni.join().all(reads).andFailFast().await().atMost(WAIT);

        assertTrue(results.stream().allMatch(result -> result.outcome() == ReadOutcome.MISS));
        assertEquals(1, results.stream().filter(ReadResult::enqueued).count());
        assertEquals(199, results.stream().filter(result -> !result.enqueued()).count());
        assertEquals(1, jobsFor(key).size());
    }

    @Test
    void hitReturnsTheExactBytesAndRecordsTheAccessWithTwoPipelinedCommands() {
        ImageKey key = uniqueKey("hit");
        byte[] body = everyByteValue(20 * 1024);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, body, HOUR, MINUTE));
        // Nothing else may talk to Redis while the commands are counted (the profile makes the gauges hourly).
        await().atMost(WAIT).until(this::redisIsQuiet);

        Map<String, Long> before = commandCalls();
        ReadResult result = read(key);
        Map<String, Long> after = commandCalls();

        assertEquals(ReadOutcome.HIT, result.outcome());
        assertArrayEquals(body, result.body().orElseThrow());
        assertEquals(Optional.of("image/png"), result.contentType());
        assertEquals(Optional.of("\"etag-1\""), result.etag());
        assertFalse(result.enqueued());
        assertTrue(result.recorded());
        assertTrue(result.freshFor().compareTo(HOUR) <= 0 && result.freshFor().compareTo(HOUR.minusSeconds(60)) > 0,
                "fresh for " + result.freshFor());
        // Exactly one HMGET (body, headers, freshness) and one HINCRBY of the partition's hit counter reached Redis
        // (besides the first INFO), and no function ran: a fresh hit costs two plain commands in one round trip.
        Map<String, Long> expected = Map.of("info", 1L, "hmget", 1L, "hincrby", 1L, "total", 3L);
        assertEquals(expected, deltas(before, after));
        assertEquals("1", redis.execute("HGET", RedisKeys.hits(partition(key)), key.value()).toString());
        assertEquals("0", hashField(key, "hits"), "counted in the hash at the next fold");

        FoldHitsReply folded = foldHits(key);
        assertTrue(folded.images() >= 1 && folded.requests() >= 1, folded.toString());
        assertEquals("1", hashField(key, "hits"));
        assertNotNull(hashField(key, "last-access"));
        assertNull(redis.execute("HGET", RedisKeys.hits(partition(key)), key.value()), "folded hits leave the counter");
    }

    @Test
    void hitsFoldedTogetherRaiseThePriorityAsTheJavaFormulaSays() {
        ImageKey key = uniqueKey("folded");
        byte[] body = everyByteValue(3000);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, body, HOUR, MINUTE));
        double before = Double.parseDouble(hashField(key, "access-score"));
        long statsBefore = counter(key, "hits");

        for (int i = 0; i < 5; i++) {
            assertEquals(ReadOutcome.HIT, read(key).outcome());
        }
        foldHits(key);

        long foldedAt = Long.parseLong(hashField(key, "last-access"));
        double expected = priority.afterRequests(before, foldedAt, 5);
        assertEquals(expected, Double.parseDouble(hashField(key, "access-score")), 1e-9);
        assertEquals(rankOf(key, expected, body.length), priorityOf(key), RANK_TOLERANCE);
        assertEquals("5", hashField(key, "hits"));
        assertEquals(statsBefore + 5, counter(key, "hits"));
    }

    @Test
    void aStaleReadTakesBackItsCountedHitAndIsCountedOnce() throws InterruptedException {
        ImageKey key = uniqueKey("taken-back");
        storeImage(key, everyByteValue(500), Duration.ofMillis(1), MINUTE);
        Thread.sleep(20); // past fresh-until, within grace
        long hitsBefore = counter(key, "hits");
        long staleBefore = counter(key, "stale-hits");

        assertEquals(ReadOutcome.STALE, read(key).outcome());
        foldHits(key);

        assertEquals(staleBefore + 1, counter(key, "stale-hits"));
        assertEquals(hitsBefore, counter(key, "hits"), "the HINCRBY sent with the HMGET was taken back");
        assertEquals("1", hashField(key, "hits"));
    }

    @Test
    void aMissIsNotCountedAsAHit() {
        ImageKey key = uniqueKey("never-a-hit");
        long hitsBefore = counter(key, "hits");
        long missesBefore = counter(key, "misses");

        assertEquals(ReadOutcome.MISS, read(key).outcome());
        foldHits(key);

        assertEquals(missesBefore + 1, counter(key, "misses"));
        assertEquals(hitsBefore, counter(key, "hits"));
        assertNull(redis.execute("HGET", RedisKeys.hits(partition(key)), key.value()));
    }

    @Test
    void evictionFoldsACandidatesWaitingHitsBeforeChoosing() {
        ImageKey first = uniqueKey("wanted");
        int partition = partition(first);
        List<ImageKey> keys = keysInPartition(partition, first, 2);
        ImageKey wanted = keys.get(0);
        ImageKey other = keys.get(1);
        assertEquals(WriteOutcome.WRITTEN, storeImage(wanted, everyByteValue(100), HOUR, MINUTE));
        assertEquals(WriteOutcome.WRITTEN, storeImage(other, everyByteValue(100), HOUR, MINUTE));
        // Written first, the wanted image ranks below the other until its hits are folded (two, so that it stays
        // below the images other tests in this partition lift with three or more).
        assertTrue(priorityOf(wanted) < priorityOf(other));
        for (int i = 0; i < 2; i++) {
            assertEquals(ReadOutcome.HIT, read(wanted).outcome());
        }
        holdingLease(partition, "evicting", holder -> {
            // One image at a time leaves, lowest first, until the other one has: without the fold, the wanted one
            // would have left before it.
            for (int call = 0; call < 1_000 && redis.execute("EXISTS", image(other)).toLong() == 1; call++) {
                long usedBytes = Long.parseLong(redis.execute("GET", RedisKeys.usedBytes(partition)).toString());
                functions.evict(partition, holder, Optional.of(usedBytes - 1), 1).await().atMost(WAIT);
            }
        });
        assertEquals(0, redis.execute("EXISTS", image(other)).toLong());
        assertEquals(1, redis.execute("EXISTS", image(wanted)).toLong(), "the image in demand stays");
        assertEquals("2", hashField(wanted, "hits"));
    }

    @Test
    void aCandidateStillLowestOnceItsHitsAreFoldedLeavesFirst() {
        ImageKey first = uniqueKey("folded-lowest");
        int partition = partition(first);
        List<ImageKey> keys = keysInPartition(partition, first, 2);
        ImageKey popular = keys.get(0);
        ImageKey wanted = keys.get(1);
        holdingLease(partition, "evicting", holder -> {
            // The partition holds nothing else, so the two images are the only candidates.
            emptyPartition(partition, holder);
            assertEquals(WriteOutcome.WRITTEN, storeImage(popular, everyByteValue(100), HOUR, MINUTE));
            for (int i = 0; i < 4; i++) {
                assertEquals(ReadOutcome.HIT, read(popular).outcome());
            }
            foldHits(popular);
            assertEquals(WriteOutcome.WRITTEN, storeImage(wanted, everyByteValue(100), HOUR, MINUTE));
            // One hit waits: folded in, it lifts the image by one request, still below the popular one's five.
            assertEquals(ReadOutcome.HIT, read(wanted).outcome());

            long usedBytes = Long.parseLong(redis.execute("GET", RedisKeys.usedBytes(partition)).toString());
            EvictReply report = functions.evict(partition, holder, Optional.of(usedBytes - 1), 16)
                    .await().atMost(WAIT);

            assertEquals(1, report.evicted());
            assertEquals(0, redis.execute("EXISTS", image(wanted)).toLong(), "the lowest after its fold leaves");
            assertEquals(1, redis.execute("EXISTS", image(popular)).toLong(), "not the next one in its place");
        });
    }

    @Test
    void aHitRaisesThePriorityAsTheJavaFormulaSays() {
        ImageKey key = uniqueKey("priority");
        byte[] body = everyByteValue(5000);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, body, HOUR, MINUTE));
        double before = Double.parseDouble(hashField(key, "access-score"));
        assertEquals(rankOf(key, before, body.length), priorityOf(key), RANK_TOLERANCE);

        for (int i = 0; i < 3; i++) {
            double previous = Double.parseDouble(hashField(key, "access-score"));
            assertEquals(ReadOutcome.HIT, read(key).outcome());
            foldHits(key);
            long requestedAt = Long.parseLong(hashField(key, "last-access"));
            double expected = priority.afterRequest(previous, requestedAt);
            assertEquals(expected, Double.parseDouble(hashField(key, "access-score")), 1e-9);
            assertEquals(rankOf(key, expected, body.length), priorityOf(key), RANK_TOLERANCE);
        }
        assertTrue(priorityOf(key) > rankOf(key, before, body.length),
                "three hits raise the priority");
    }

    @Test
    void anExpiredImagesHistoryIsRememberedForItsNextFetch() throws InterruptedException {
        ImageKey key = uniqueKey("remembered");
        int partition = partition(key);
        Claim first = claimNow(key, JobReason.MISS);
        ChangeHistory history = new ChangeHistory(86_400_000, 2);
        assertEquals(WriteOutcome.WRITTEN, write(key, first, fetched(new byte[] { 1 }, Optional.empty()),
                Duration.ofMillis(100), Duration.ZERO, Duration.ZERO, history).await().atMost(WAIT));
        Thread.sleep(200);

        // The sweep finds the hash expired: the image leaves the indexes, its history stays, remembered.
        holdingLease(partition, "remembering", holder -> assertTrue(
                functions.evict(partition, holder, Optional.empty(), 100).await().atMost(WAIT).swept() >= 1));
        assertNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), key.value()));
        assertNotNull(redis.execute("ZSCORE", RedisKeys.departed(partition), key.value()));

        Claim again = claimNow(key, JobReason.MISS);
        assertTrue(again.current().isEmpty());
        assertEquals(Optional.of(history), again.remembered());
        // Written again, it is held once more: no longer among the departed.
        assertEquals(WriteOutcome.WRITTEN, write(key, again, fetched(new byte[] { 2 }, Optional.empty()), HOUR,
                MINUTE, Duration.ZERO, history).await().atMost(WAIT));
        assertNull(redis.execute("ZSCORE", RedisKeys.departed(partition), key.value()));
    }

    @Test
    void aDepartedSetFarLargerThanTheImagesHeldDrainsWithoutFailingAnyCall() {
        ImageKey key = uniqueKey("departing");
        int partition = partition(key);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, new byte[] { 1, 2 }, HOUR, MINUTE));
        // Far more remembered histories than one Lua unpack() takes (about 8000), as after a lost priority index.
        int ghosts = 20_000;
        for (int first = 0; first < ghosts; first += 1_000) {
            List<String> departed = new ArrayList<>(List.of(RedisKeys.departed(partition)));
            List<String> histories = new ArrayList<>(List.of(RedisKeys.histories(partition)));
            for (int ghost = first; ghost < first + 1_000; ghost++) {
                departed.addAll(List.of(String.valueOf(ghost), "tests/ghost-" + ghost + ".png"));
                histories.addAll(List.of("tests/ghost-" + ghost + ".png", "1000:1"));
            }
            redis.execute("ZADD", departed.toArray(String[]::new));
            redis.execute("HSET", histories.toArray(String[]::new));
        }
        long departedBefore = redis.execute("ZCARD", RedisKeys.departed(partition)).toLong();

        // Evicting the image makes it depart: the call forgets a bounded number of the oldest and succeeds.
        holdingLease(partition, "draining", holder -> {
            EvictReply evicted = functions.evict(partition, holder, Optional.of(0L), 100)
                    .await().atMost(WAIT);
            assertTrue(evicted.evicted() >= 1, "the image was evicted");
            long departedAfter = redis.execute("ZCARD", RedisKeys.departed(partition)).toLong();
            assertTrue(departedAfter < departedBefore, departedBefore + " departed became " + departedAfter);
            assertNotNull(redis.execute("ZSCORE", RedisKeys.departed(partition), key.value()),
                    "the newest is remembered");
            assertNull(redis.execute("HGET", RedisKeys.histories(partition), "tests/ghost-0.png"),
                    "the oldest is forgotten");

            // The next write succeeds, and each scheduler call forgets up to its limit until the excess is gone.
            assertEquals(WriteOutcome.WRITTEN, storeImage(uniqueKey("after-draining"), new byte[] { 3 }, HOUR, MINUTE));
            for (int tick = 0; tick < ghosts / 500 + 2; tick++) {
                functions.evict(partition, holder, Optional.empty(), 500).await().atMost(WAIT);
            }
        });
        long held = redis.execute("ZCARD", RedisKeys.priorityIndex(partition)).toLong();
        long remembered = redis.execute("ZCARD", RedisKeys.departed(partition)).toLong();
        assertTrue(remembered <= Math.max(1, held), remembered + " departed for " + held + " held");
        assertNull(redis.execute("HGET", RedisKeys.histories(partition), "tests/ghost-" + (ghosts - 1) + ".png"),
                "the forgotten images' histories went with them");
    }

    @Test
    void aLostOrResetFenceCounterNeverDiscardsTheNextWrite() {
        for (String damage : List.of("DEL", "SET 0")) {
            ImageKey key = uniqueKey("fence-lost");
            for (int write = 0; write < 3; write++) {
                storeImage(key, new byte[] { (byte) write }, Duration.ofMillis(1), MINUTE);
            }
            long storedFence = Long.parseLong(hashField(key, "fence"));
            String counter = RedisKeys.fence(partition(key));
            if (damage.equals("DEL")) {
                redis.execute("DEL", counter);
            } else {
                redis.execute("SET", counter, "0");
            }

            Claim claim = claimNow(key, JobReason.REFRESH);
            assertTrue(claim.fence() > storedFence, damage + ": fence " + claim.fence() + " after " + storedFence);
            assertEquals(String.valueOf(claim.fence()), redis.execute("GET", counter).toString(),
                    "the counter was raised past the stored fence");
            assertEquals(WriteOutcome.WRITTEN, write(key, claim, fetched(new byte[] { 42 }, Optional.empty()), HOUR,
                    MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT), damage);
            assertArrayEquals(new byte[] { 42 }, redis.execute("HGET", image(key), "body").toBytes());
        }
    }

    @Test
    void aRebuildOfTheChargedBytesWalksOnPastAnImageWhosePriorityRoseBehindItsCursor() {
        ImageKey first = uniqueKey("walked");
        int partition = partition(first);
        List<ImageKey> keys = keysInPartition(partition, first, 6);
        for (int index = 0; index < keys.size(); index++) {
            assertEquals(WriteOutcome.WRITTEN, storeImage(keys.get(index), everyByteValue(100 + 10 * index), HOUR, MINUTE));
        }
        holdingLease(partition, "repairing", holder -> {
            assertEquals(RepairReply.Outcome.CONSISTENT,
                    functions.repair(partition, holder, 2).await().atMost(WAIT).outcome());
            redis.execute("DEL", RedisKeys.histories(partition));

            RepairReply started = functions.repair(partition, holder, 2).await().atMost(WAIT);
            assertEquals(RepairReply.Outcome.REPAIRING, started.outcome());
            assertEquals(2, started.visited());
            assertTrue(started.damage().orElseThrow().startsWith("the history holds 0 images"), started.toString());
            // The counter is missing while the rebuild runs; the figures show what it has counted so far.
            assertEquals(0L, redis.execute("EXISTS", RedisKeys.usedBytes(partition)).toLong());
            long countedSoFar = Long.parseLong(
                    redis.execute("HGET", RedisKeys.repairState(partition), "bytes").toString());
            assertTrue(countedSoFar > 0);
            assertEquals(countedSoFar, inspector.inspect(partition).await().atMost(WAIT).memory().usedBytes());
            // Other tests' images in this partition, written before these, come first in the walk, and may have expired
            // since: walk on, an image a call, until the cursor is at one of this test's, with the others behind it.
            RepairReply report = started;
            List<String> written = keys.stream().map(ImageKey::value).toList();
            String cursor = redis.execute("HGET", RedisKeys.repairState(partition), "member").toString();
            while (!written.contains(cursor)) {
                report = functions.repair(partition, holder, 1).await().atMost(WAIT);
                assertEquals(RepairReply.Outcome.REPAIRING, report.outcome(), "the walk reached none of " + written);
                cursor = redis.execute("HGET", RedisKeys.repairState(partition), "member").toString();
            }
            // Hits lift the image at the cursor to the top of the priority index, past every image not yet visited
            // (other tests' images in this partition have had three hits at most).
            for (int hit = 0; hit < 10; hit++) {
                assertEquals(ReadOutcome.HIT, read(ImageKey.of(cursor)).outcome());
            }
            foldHits(ImageKey.of(cursor));
            assertEquals(cursor,
                    redis.execute("ZRANGE", RedisKeys.priorityIndex(partition), "-1", "-1").get(0).toString());

            for (int call = 0; call < 1_000 && report.outcome() != RepairReply.Outcome.REPAIRED; call++) {
                report = functions.repair(partition, holder, 2).await().atMost(WAIT);
                assertTrue(report.damage().isEmpty(), "no new damage: " + report);
            }
            assertEquals(RepairReply.Outcome.REPAIRED, report.outcome());
        });

        // Every indexed image's history entry holds what its hash's size counts against the budget, and the counter is
        // their sum.
        Map<String, Long> expected = new HashMap<>();
        long sum = 0;
        for (Response member : redis.execute("ZRANGE", RedisKeys.priorityIndex(partition), "0", "-1")) {
            long charged = ImageLayout.chargedBytes(member.toString().length(), Long.parseLong(StoredImages.metaField(
                    redis, RedisKeys.image(partition, ImageKey.of(member.toString())), "size")));
            expected.put(member.toString(), charged);
            sum += charged;
        }
        assertEquals(expected, StoredImages.charged(redis, partition));
        assertEquals(String.valueOf(sum), redis.execute("GET", RedisKeys.usedBytes(partition)).toString());
        assertEquals(0L, redis.execute("EXISTS", RedisKeys.repairState(partition)).toLong());
    }

    /** {@code count} keys of the partition, starting with {@code first}. */
    private List<ImageKey> keysInPartition(int partition, ImageKey first, int count) {
        List<ImageKey> keys = new ArrayList<>(List.of(first));
        while (keys.size() < count) {
            ImageKey candidate = uniqueKey("walked");
            if (partition(candidate) == partition) {
                keys.add(candidate);
            }
        }
        return keys;
    }

    @Test
    void aFoldWithAnotherHalfLifeMovesTheScoreToItKeepingWhenTheImageGoesCold() {
        ImageKey key = uniqueKey("half-life");
        byte[] body = everyByteValue(2000);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, body, HOUR, MINUTE));
        double before = Double.parseDouble(hashField(key, "access-score"));
        long written = Long.parseLong(hashField(key, "half-life"));
        assertEquals(priority.halfLifeMillis(), written, "a write counts with the configured half-life");
        long shorter = written / 4;
        for (int i = 0; i < 2; i++) {
            assertEquals(ReadOutcome.HIT, read(key).outcome());
        }
        FoldHitsReply folded = functions.foldHits(partition(key), PansaarFunctions.MAX_IMAGES_PER_CALL, shorter)
                .await().atMost(WAIT);
        assertEquals(0, folded.waiting(), folded.toString());

        long foldedAt = Long.parseLong(hashField(key, "last-access"));
        AccessPriority after = new AccessPriority(shorter, priority.sizeExponent());
        double expected = after.afterRequests(AccessPriority.inHalfLife(before, written, shorter), foldedAt, 2);
        assertEquals(shorter, Long.parseLong(hashField(key, "half-life")), "the score counts with the fold's now");
        assertEquals(expected, Double.parseDouble(hashField(key, "access-score")), 1e-9 * Math.abs(expected));
        assertEquals(after.rank(expected, after.sizeTerm(ImageLayout.chargedBytes(key, body.length))), priorityOf(key),
                RANK_TOLERANCE);
        assertEquals("2", hashField(key, "hits"));
    }

    @Test
    void aStaleReadCountsItsRequestWithTheConfiguredHalfLife() throws InterruptedException {
        ImageKey key = uniqueKey("stale-half-life");
        byte[] body = everyByteValue(1000);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, body, Duration.ofMillis(50), MINUTE));
        // A fold with a quarter of the configured half-life leaves the image's score counted in it.
        long configured = (long) priority.halfLifeMillis();
        long quarter = configured / 4;
        assertEquals(ReadOutcome.HIT, read(key).outcome());
        functions.foldHits(partition(key), PansaarFunctions.MAX_IMAGES_PER_CALL, quarter).await().atMost(WAIT);
        double before = Double.parseDouble(hashField(key, "access-score"));
        Thread.sleep(80); // let fresh-until pass

        assertEquals(ReadOutcome.STALE, read(key).outcome());

        long requestedAt = Long.parseLong(hashField(key, "last-access"));
        double expected = priority.afterRequest(AccessPriority.inHalfLife(before, quarter, configured), requestedAt);
        assertEquals(configured, Long.parseLong(hashField(key, "half-life")), "pansaar_get moved it back");
        assertEquals(expected, Double.parseDouble(hashField(key, "access-score")), 1e-9 * Math.abs(expected));
        assertEquals(rankOf(key, expected, body.length), priorityOf(key), RANK_TOLERANCE);
    }

    @Test
    void evictionRanksAnImageRankedInHalfLivesAnewRatherThanEvictItForItsUnits() {
        ImageKey first = uniqueKey("ranked-in-half-lives");
        int partition = partition(first);
        List<ImageKey> keys = keysInPartition(partition, first, 2);
        ImageKey popular = keys.get(0);
        ImageKey newer = keys.get(1);
        holdingLease(partition, "evicting", holder -> {
            // The partition holds nothing else, so the two images are the only candidates.
            emptyPartition(partition, holder);
            byte[] body = everyByteValue(100);
            assertEquals(WriteOutcome.WRITTEN, storeImage(popular, body, HOUR, MINUTE));
            for (int i = 0; i < 3; i++) {
                assertEquals(ReadOutcome.HIT, read(popular).outcome());
            }
            foldHits(popular);
            assertEquals(WriteOutcome.WRITTEN, storeImage(newer, body, HOUR, MINUTE));
            double score = Double.parseDouble(hashField(popular, "access-score"));
            double sizeTerm = priority.sizeTerm(ImageLayout.chargedBytes(popular, body.length));
            // The popular image's rank as API 10 wrote it, score less size term in half-lives: the lowest there is.
            redis.execute("ZADD", RedisKeys.priorityIndex(partition), "XX", String.valueOf(score - sizeTerm),
                    popular.value());
            assertTrue(priorityOf(popular) < priorityOf(newer));

            long usedBytes = Long.parseLong(redis.execute("GET", RedisKeys.usedBytes(partition)).toString());
            EvictReply report = functions.evict(partition, holder, Optional.of(usedBytes - 1), 16)
                    .await().atMost(WAIT);

            assertEquals(1, report.evicted());
            assertEquals(1, report.rankedAnew(), "the popular image, ranked anew first");
            assertEquals(0, redis.execute("EXISTS", image(newer)).toLong(), "the image requested once leaves");
            assertEquals(1, redis.execute("EXISTS", image(popular)).toLong(), "the popular one stays");
            assertEquals(rankOf(popular, score, body.length), priorityOf(popular), RANK_TOLERANCE,
                    "and is ranked in ms now");
        });
    }

    @Test
    void aFoldOrAnEvictionWithAHalfLifeThatIsNotAPositiveNumberIsRefused() {
        int partition = partition(uniqueKey("bad-half-life"));
        holdingLease(partition, "refused", holder -> {
            for (String halfLife : List.of("0", "-5", "nan", "inf", "soon")) {
                RuntimeException fold = assertThrows(RuntimeException.class, () -> redis.execute("FCALL",
                        "pansaar_fold_hits", "3", RedisKeys.hits(partition), RedisKeys.stats(partition),
                        RedisKeys.priorityIndex(partition), "1", halfLife), halfLife);
                assertEquals(Optional.of(FunctionError.BAD_ARGUMENT), FunctionError.of(rootCause(fold)), halfLife);
                assertTrue(rootCause(fold).getMessage().contains("half-life"), rootCause(fold).getMessage());
                List<String> evictArguments = new ArrayList<>(List.of("pansaar_evict", "9"));
                evictArguments.addAll(RedisKeys.withIndexes(partition, RedisKeys.lease(partition),
                        RedisKeys.stats(partition)));
                evictArguments.addAll(List.of(RedisKeys.events(partition), holder, "", "1", "0", halfLife));
                RuntimeException evict = assertThrows(RuntimeException.class,
                        () -> redis.execute("FCALL", evictArguments.toArray(String[]::new)), halfLife);
                assertEquals(Optional.of(FunctionError.BAD_ARGUMENT), FunctionError.of(rootCause(evict)), halfLife);
            }
        });
    }

    // --- the tuners' feed and settings ------------------------------------------------------------

    @Test
    void aFoldReportsEachImageItFoldedWithItsCountAndChargedBytesButNoNegativeEntry() {
        ImageKey held = uniqueKey("reported");
        int partition = partition(held);
        List<ImageKey> keys = keysInPartition(partition, held, 3);
        ImageKey negative = keys.get(1);
        ImageKey gone = keys.get(2);
        byte[] body = everyByteValue(700);
        assertEquals(WriteOutcome.WRITTEN, storeImage(held, body, HOUR, MINUTE));
        assertEquals(WriteOutcome.WRITTEN,
                store.putNegative(negative, claimNow(negative, JobReason.MANUAL), 404, MINUTE).await().atMost(WAIT));
        for (int i = 0; i < 3; i++) {
            assertEquals(ReadOutcome.HIT, read(held).outcome());
        }
        assertEquals(ReadOutcome.NEGATIVE, read(negative).outcome());
        // Counted by a reader while the image was held; it has left since.
        redis.execute("HINCRBY", RedisKeys.hits(partition), gone.value(), "2");
        long before = serverMillis();

        FoldHitsReply fold = foldHits(held);

        assertTrue(fold.serverMillis() >= before && fold.serverMillis() <= serverMillis(), fold.toString());
        long charged = ImageLayout.chargedBytes(held, body.length);
        assertEquals(List.of(new FoldHitsReply.FoldedImage(held.value(), 3, charged)), foldedOf(fold, held),
                fold.toString());
        assertEquals(List.of(new FoldHitsReply.FoldedImage(gone.value(), 2, 0)), foldedOf(fold, gone), fold.toString());
        assertEquals(List.of(), foldedOf(fold, negative), "a negative entry's hits are not an image's");
        assertEquals(List.of(), foldedOf(foldHits(held), held), "reported once");
    }

    @Test
    void aTunedWriteOfANewImageRecordsAnArrivalThatTheNextFoldReportsOnce() {
        ImageKey tuned = uniqueKey("arrival");
        int partition = partition(tuned);
        List<ImageKey> keys = keysInPartition(partition, tuned, 2);
        ImageKey untuned = keys.get(1);
        byte[] body = everyByteValue(500);
        long charged = ImageLayout.chargedBytes(tuned, body.length);

        assertEquals(WriteOutcome.WRITTEN, storeTuned(tuned, body));
        assertEquals(WriteOutcome.WRITTEN, storeImage(untuned, body, HOUR, MINUTE));

        assertEquals(String.valueOf(charged), arrival(tuned));
        long expiresInMillis = redis.execute("PTTL", RedisKeys.arrivals(partition)).toLong();
        assertTrue(expiresInMillis > 3_590_000 && expiresInMillis <= 3_600_000,
                "an hour after the last arrival, so that no arrivals hash outlives the tuning that drains it: "
                        + expiresInMillis);
        assertNull(arrival(untuned), "a write without the tuned flag records no arrival");
        FoldHitsReply fold = foldHits(tuned);
        assertEquals(List.of(new FoldHitsReply.FoldedImage(tuned.value(), 1, charged)), foldedOf(fold, tuned),
                fold.toString());
        assertEquals(List.of(), foldedOf(fold, untuned));
        assertNull(arrival(tuned), "drained");
        assertEquals(List.of(), foldedOf(foldHits(tuned), tuned), "reported once");

        assertEquals(WriteOutcome.WRITTEN, storeTuned(tuned, body));
        assertNull(arrival(tuned), "a rewrite of a held image is no arrival");
    }

    @Test
    void arrivalsAreNoLongerRecordedOnceTheyAreAsManyAsTheImagesHeld() {
        ImageKey key = uniqueKey("arrivals-bound");
        int partition = partition(key);
        foldHits(key);
        // Arrivals no fold drained, as many as the partition holds images once the write below has added its own.
        long held = redis.execute("ZCARD", RedisKeys.priorityIndex(partition)).toLong() + 1;
        for (long i = 0; i < held; i++) {
            redis.execute("HSET", RedisKeys.arrivals(partition), "tests/undrained-" + i + ".png", "1");
        }

        assertEquals(WriteOutcome.WRITTEN, storeTuned(key, everyByteValue(200)));

        assertNull(arrival(key), "not recorded");
        assertEquals(held, redis.execute("HLEN", RedisKeys.arrivals(partition)).toLong());
        foldHits(key);
        assertEquals(0, redis.execute("HLEN", RedisKeys.arrivals(partition)).toLong(), "drained by the folds");
    }

    @Test
    void aFoldCalledAsByApi11KeepsItsReplyAndLeavesTheArrivals() {
        ImageKey key = uniqueKey("api-11-fold");
        int partition = partition(key);
        assertEquals(WriteOutcome.WRITTEN, storeTuned(key, everyByteValue(300)));
        assertEquals(ReadOutcome.HIT, read(key).outcome());

        Response reply = redis.execute("FCALL", "pansaar_fold_hits", "3", RedisKeys.hits(partition),
                RedisKeys.stats(partition), RedisKeys.priorityIndex(partition), "1000");

        assertEquals(4, reply.size(), reply.toString());
        assertEquals("1", hashField(key, "hits"), "folded");
        assertNotNull(arrival(key), "the arrival waits for a fold that reports it");
        foldHits(key);
    }

    @Test
    void tuneRefusesACallerWithoutTheLeaseAndNumbersOutOfBoundsAndStoresTheValues() {
        int partition = partition(uniqueKey("tune"));
        redis.execute("DEL", RedisKeys.tuning(partition));
        holdingLease(partition, "tuning", holder -> {
            try {
                assertEquals(Optional.empty(), functions.tuning(partition).await().atMost(WAIT));
                assertEquals(FunctionError.NOT_LEASE_HOLDER, tuneFailure(partition, "another-" + holder, 7_200_000, 2));
                double[][] refused = { { 0, 1 }, { -5, 1 }, { 999, 1 }, { 31 * DAY.toMillis(), 1 }, { Double.NaN, 1 },
                        { Double.POSITIVE_INFINITY, 1 }, { 7_200_000, -1 }, { 7_200_000, 65 },
                        { 7_200_000, Double.NaN }, { 7_200_000, Double.POSITIVE_INFINITY } };
                for (double[] numbers : refused) {
                    assertEquals(FunctionError.BAD_ARGUMENT, tuneFailure(partition, holder, numbers[0], numbers[1]),
                            Arrays.toString(numbers));
                }
                assertEquals(Optional.empty(), functions.tuning(partition).await().atMost(WAIT), "nothing stored");

                Tuning stored = functions.tune(partition, holder, 7_200_000, 2.5).await().atMost(WAIT);

                assertEquals(new Tuning(7_200_000, 2.5), stored);
                assertEquals(Optional.of(stored), functions.tuning(partition).await().atMost(WAIT));
                assertEquals("7200000", redis.execute("HGET", RedisKeys.tuning(partition), "half-life").toString());
            } finally {
                redis.execute("DEL", RedisKeys.tuning(partition));
            }
        });
    }

    @Test
    void aTunedWriteCountsWithTheTunedHalfLifeAndPenaltyAndWithoutThemWithItsOwn() {
        ImageKey tuned = uniqueKey("tuned");
        int partition = partition(tuned);
        List<ImageKey> keys = keysInPartition(partition, tuned, 4);
        ImageKey untuned = keys.get(1);
        ImageKey untunedPartition = keys.get(2);
        ImageKey damagedTuning = keys.get(3);
        byte[] body = everyByteValue(400);
        long halfLife = (long) priority.halfLifeMillis() / 2;
        double penalty = priority.newcomerPenalty() + 3;
        holdingLease(partition, "tuning", holder -> {
            try {
                functions.tune(partition, holder, halfLife, penalty).await().atMost(WAIT);
                assertEquals(WriteOutcome.WRITTEN, storeTuned(tuned, body));
                assertEquals(WriteOutcome.WRITTEN, storeImage(untuned, body, HOUR, MINUTE));
                redis.execute("DEL", RedisKeys.tuning(partition));
                assertEquals(WriteOutcome.WRITTEN, storeTuned(untunedPartition, body));
                // Values pansaar_tune would not store, left by a hand edit: the write passes them over for its own.
                redis.execute("HSET", RedisKeys.tuning(partition), Tuning.HALF_LIFE_FIELD, "soon",
                        Tuning.NEWCOMER_PENALTY_FIELD, "65");
                assertEquals(WriteOutcome.WRITTEN, storeTuned(damagedTuning, body));
                assertEquals(Optional.empty(), functions.tuning(partition).await().atMost(WAIT), "read as none stored");
            } finally {
                redis.execute("DEL", RedisKeys.tuning(partition));
            }
        });

        AccessPriority tunedPriority = new AccessPriority(halfLife, priority.sizeExponent(), penalty);
        assertNewcomer(tuned, body, tunedPriority);
        assertNewcomer(untuned, body, priority);
        assertNewcomer(untunedPartition, body, priority);
        assertNewcomer(damagedTuning, body, priority);
        foldHits(tuned);
    }

    @Test
    void theSchedulersCallsTakeAnExplicitHalfLife() {
        ImageKey first = uniqueKey("explicit-half-life");
        int partition = partition(first);
        List<ImageKey> keys = keysInPartition(partition, first, 2);
        ImageKey wanted = keys.get(0);
        ImageKey other = keys.get(1);
        long quarter = (long) priority.halfLifeMillis() / 4;
        assertEquals(WriteOutcome.WRITTEN, storeImage(wanted, everyByteValue(100), HOUR, MINUTE));
        assertEquals(WriteOutcome.WRITTEN, storeImage(other, everyByteValue(100), HOUR, MINUTE));
        for (int i = 0; i < 2; i++) {
            assertEquals(ReadOutcome.HIT, read(wanted).outcome());
        }
        holdingLease(partition, "evicting", holder -> {
            // Over budget by a byte: the lowest candidates' waiting hits are folded, with the half-life given.
            for (int call = 0; call < 1_000 && redis.execute("EXISTS", image(other)).toLong() == 1; call++) {
                long usedBytes = Long.parseLong(redis.execute("GET", RedisKeys.usedBytes(partition)).toString());
                functions.evict(partition, holder, Optional.of(usedBytes - 1), 1, quarter).await().atMost(WAIT);
            }
        });
        assertEquals("2", hashField(wanted, "hits"));
        assertEquals(quarter, Long.parseLong(hashField(wanted, "half-life")), "folded with the half-life given");

        double stored = Double.parseDouble(hashField(wanted, "access-score"));
        redis.execute("ZADD", RedisKeys.schedule(partition), "XX", "3", wanted.value());
        try {
            RefreshDueReply due = functions.refreshDue(partition, 1_000, quarter).await().atMost(WAIT);
            double listed = due.images().stream().filter(image -> image.key().equals(wanted.value())).findFirst()
                    .flatMap(RefreshDueReply.DueImage::accessScore).orElseThrow();
            assertEquals(stored, listed, 1e-12 * Math.abs(stored), "counted with the half-life given: not moved");
        } finally {
            redis.execute("ZADD", RedisKeys.schedule(partition), "XX", String.valueOf(serverMillis() + HOUR.toMillis()),
                    wanted.value());
        }
    }

    /** Checks a new image's score and rank: one request at its write, less the newcomer penalty, as {@code counted}. */
    private void assertNewcomer(ImageKey key, byte[] body, AccessPriority counted) {
        assertEquals((long) counted.halfLifeMillis(), Long.parseLong(hashField(key, "half-life")), key.value());
        long writtenAt = Long.parseLong(hashField(key, "fresh-until")) - Long.parseLong(hashField(key, "fresh-ttl"));
        double expected = writtenAt / counted.halfLifeMillis() - counted.newcomerPenalty();
        assertEquals(expected, Double.parseDouble(hashField(key, "access-score")), 1e-9 * Math.abs(expected),
                key.value());
        assertEquals(counted.rank(expected, counted.sizeTerm(ImageLayout.chargedBytes(key, body.length))),
                priorityOf(key), RANK_TOLERANCE, key.value());
    }

    /** The error code {@code pansaar_tune} refused these values with. */
    private FunctionError tuneFailure(int partition, String holder, double halfLifeMillis, double newcomerPenalty) {
        RuntimeException failure = assertThrows(RuntimeException.class,
                () -> functions.tune(partition, holder, halfLifeMillis, newcomerPenalty).await().atMost(WAIT));
        return FunctionError.of(rootCause(failure)).orElseThrow(() -> failure);
    }

    /** Claims and writes a new image as a worker with pansaar.priority.tuning on would. */
    private WriteOutcome storeTuned(ImageKey key, byte[] body) {
        Claim claim = claimNow(key, JobReason.MANUAL);
        FetchedImage image = fetched(body, Optional.empty());
        return store.put(key, claim, image, planner.plan(HOUR, MINUTE, Duration.ZERO, image.fetchTime(),
                ChangeHistory.NONE), planner.priorityOf(key, body.length), Optional.empty(), true).await().atMost(WAIT);
    }

    /** The charged bytes the key's partition's arrivals hash holds for it; null when none. */
    private String arrival(ImageKey key) {
        Response value = redis.execute("HGET", RedisKeys.arrivals(partition(key)), key.value());
        return value == null ? null : value.toString();
    }

    /** The entries of a fold's report that name this key. */
    private static List<FoldHitsReply.FoldedImage> foldedOf(FoldHitsReply fold, ImageKey key) {
        return fold.folded().stream().filter(folded -> folded.key().equals(key.value())).toList();
    }

    /** Runs {@code body} as a fresh holder, named after {@code purpose}, of the partition's lease, released after. */
    private void holdingLease(int partition, String purpose, Consumer<String> body) {
        String holder = purpose + "-" + UUID.randomUUID();
        // A minute outlasts the slowest body (a repair walk); the release ends it sooner, even when the body fails.
        assertTrue(functions.acquireLease(partition, holder, 60_000).await().atMost(WAIT));
        try {
            body.accept(holder);
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }
    }

    /** Evicts every image of the partition, as its lease holder {@code holder}. */
    private void emptyPartition(int partition, String holder) {
        EvictReply emptied = functions.evict(partition, holder, Optional.of(0L), 16).await().atMost(WAIT);
        for (int call = 0; call < 1_000 && emptied.images() > 0; call++) {
            emptied = functions.evict(partition, holder, Optional.of(0L), 16).await().atMost(WAIT);
        }
        assertEquals(0, emptied.images());
    }

    private double priorityOf(ImageKey key) {
        return Double.parseDouble(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition(key)), key.value()).toString());
    }

    /** The rank in ms the priority index holds for an image of this score and body, as the Java formula says. */
    private double rankOf(ImageKey key, double score, int bodyBytes) {
        return priority.rank(score, priority.sizeTerm(ImageLayout.chargedBytes(key, bodyBytes)));
    }

    @Test
    void staleCopyWithinGraceIsServedAndRefreshedOnce() throws InterruptedException {
        ImageKey key = uniqueKey("stale");
        byte[] body = everyByteValue(1000);
        storeImage(key, body, Duration.ofMillis(1), MINUTE);
        Thread.sleep(20); // let fresh-until (1 ms after the write) pass

        ReadResult first = read(key);
        ReadResult second = read(key);

        assertEquals(ReadOutcome.STALE, first.outcome());
        assertArrayEquals(body, first.body().orElseThrow());
        assertTrue(first.enqueued());
        assertEquals("refresh", jobEntry(key, first.jobId().orElseThrow()).get("reason"));
        assertEquals(ReadOutcome.STALE, second.outcome());
        assertArrayEquals(body, second.body().orElseThrow());
        assertFalse(second.enqueued());
        assertEquals(1, jobsFor(key).size());
        assertEquals("2", hashField(key, "hits"));
    }

    @Test
    void anImageOfThePreviousLayoutIsAMissUntilAWriteReplacesItWhole() {
        ImageKey key = uniqueKey("previous-layout");
        int partition = partition(key);
        long now = serverMillis();
        writePreviousLayout(key, new byte[] { 1, 2, 3 }, now);
        assertEquals(ReadOutcome.MISS, read(key).outcome(), "a hash without meta counts as no copy");
        assertTrue(store.details(key).await().atMost(WAIT).isEmpty());

        // The miss's job claims it as having no copy and its write replaces the hash whole: {body, meta}.
        Claim claim = claimNow(key, JobReason.MISS);
        assertTrue(claim.current().isEmpty(), "no current copy to revalidate: " + claim);
        assertEquals(WriteOutcome.WRITTEN, write(key, claim, fetched(new byte[] { 4, 5 }, Optional.empty()), HOUR,
                MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
        ReadResult hit = read(key);
        assertEquals(ReadOutcome.HIT, hit.outcome());
        assertArrayEquals(new byte[] { 4, 5 }, hit.body().orElseThrow());
        assertEquals(Optional.of("image/png"), hit.contentType());
        assertEquals(List.of("body", "meta"), redis.hash(String.class).hkeys(image(key)).stream().sorted().toList());
        assertEquals(ImageLayout.chargedBytes(key.value().length(), 2), StoredImages.charged(redis, partition).get(key.value()));
    }

    @Test
    void aRebuildOfTheChargedBytesDeletesAnImageOfThePreviousLayout() {
        ImageKey key = uniqueKey("previous-layout-repaired");
        int partition = partition(key);
        writePreviousLayout(key, new byte[] { 1, 2, 3 }, serverMillis());
        holdingLease(partition, "repairing", holder -> {
            redis.execute("DEL", RedisKeys.usedBytes(partition));
            RepairReply report;
            do {
                report = functions.repair(partition, holder, 1_000).await().atMost(WAIT);
            } while (report.outcome() == RepairReply.Outcome.REPAIRING);
            assertEquals(0L, redis.execute("EXISTS", image(key)).toLong(), "no memory left that no index counts");
            assertNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), key.value()));
            assertNull(StoredImages.charged(redis, partition).get(key.value()));
        });
    }

    @Test
    void negativeEntryIsReportedWithoutAJob() {
        ImageKey key = uniqueKey("negative");
        Claim claim = claimNow(key, JobReason.MANUAL);
        assertEquals(WriteOutcome.WRITTEN, store.putNegative(key, claim, 404, MINUTE).await().atMost(WAIT));

        ReadResult result = read(key);

        assertEquals(ReadOutcome.NEGATIVE, result.outcome());
        assertEquals(Optional.of(404), result.negativeStatus());
        assertTrue(result.body().isEmpty());
        assertFalse(result.enqueued());
        assertTrue(jobsFor(key).isEmpty());
        assertNull(hashField(key, "body"));
        assertEquals(String.valueOf(claim.fence()), hashField(key, "fence"));
        assertEquals(String.valueOf(claim.claimedAtMillis()), hashField(key, "fetched-at"));
        assertTtlNear(MINUTE, image(key));
        assertEquals(0L, redis.execute("EXISTS", marker(key)).toLong(), "put_negative clears its own marker");
    }

    @Test
    void readReloadsTheLibraryWhenRedisLostIt() {
        ImageKey key = uniqueKey("reload");
        redis.execute("FUNCTION", "FLUSH");

        assertEquals(ReadOutcome.MISS, read(key).outcome());
        assertTrue(redis.execute("FCALL", "pansaar_version", "0").toString().startsWith(FunctionLibrary.API_VERSION + "+"));
    }

    @Test
    void aJobsCallReloadsTheLibraryWhenRedisLostItAndIsAnsweredOnce() {
        ImageKey key = uniqueKey("reload-claim");
        redis.execute("FUNCTION", "FLUSH");

        Claim claim = store.claim(key, token(), serverMillis(), JobReason.MISS).await().atMost(WAIT);

        assertEquals(ClaimOutcome.CLAIMED, claim.outcome());
        assertTrue(redis.execute("FCALL", "pansaar_version", "0").toString().startsWith(FunctionLibrary.API_VERSION + "+"));
        // The claim sent again after the load took the lease: another claim of the key finds it busy.
        assertEquals(ClaimOutcome.BUSY, store.claim(key, token(), serverMillis(), JobReason.MISS).await().atMost(WAIT)
                .outcome());
    }

    // --- enqueue -------------------------------------------------------------------------------

    @Test
    void manualRequestIsSingleFlight() {
        ImageKey key = uniqueKey("manual");
        EnqueueReply first = store.enqueue(key, JobReason.MANUAL).await().atMost(WAIT);
        EnqueueReply second = store.enqueue(key, JobReason.MANUAL).await().atMost(WAIT);

        assertTrue(first.enqueued());
        Map<String, String> job = jobEntry(key, first.jobId().orElseThrow());
        assertEquals("manual", job.get("reason"));
        assertEquals(first.token(), job.get("token"));
        assertFalse(second.enqueued());
        assertEquals(first.token(), second.token(), "the pending job serves the second request");
        assertEquals(Optional.of("queued:" + first.token()), second.pendingMarker());
        assertEquals(1, jobsFor(key).size());
    }

    // --- claim ---------------------------------------------------------------------------------

    @Test
    void claimGivesAFenceAndTheValidatorsOfTheCurrentCopy() {
        ImageKey key = uniqueKey("claim");
        storeImage(key, new byte[] { 1, 2, 3 }, HOUR, MINUTE);

        long requestedAt = serverMillis();
        Claim claim = store.claim(key, token(), requestedAt, JobReason.REFRESH).await().atMost(WAIT);

        assertEquals(ClaimOutcome.CLAIMED, claim.outcome());
        assertEquals(Optional.of("\"etag-1\""), claim.etag());
        assertEquals(Optional.of("Mon, 01 Jan 2024 00:00:00 GMT"), claim.lastModified());
        assertTrue(claim.claimedAtMillis() >= requestedAt);
        assertTrue(claim.fence() > Long.parseLong(hashField(key, "fence")));
        assertEquals("fetching:" + claim.token(), redis.execute("GET", marker(key)).toString());
        assertTtlNear(config.worker().fetchLease(), marker(key));
    }

    @Test
    void claimTellsTheCurrentCopysRequestRateFromItsFoldedScore() {
        ImageKey key = uniqueKey("claim-rate");
        storeImage(key, new byte[] { 1, 2, 3 }, HOUR, MINUTE);
        for (int i = 0; i < 5; i++) {
            assertEquals(ReadOutcome.HIT, read(key).outcome());
        }
        foldHits(key);
        double score = Double.parseDouble(hashField(key, "access-score"));
        double halfLife = Double.parseDouble(hashField(key, "half-life"));

        Claim claim = store.claim(key, token(), serverMillis(), JobReason.REFRESH).await().atMost(WAIT);

        // What the TTL policy cuts a copy by: five hits and the write's request, which the newcomer penalty dates
        // back, decayed by the few ms since.
        double expected = new AccessPriority(halfLife, 0).requestRate(score, claim.claimedAtMillis());
        assertEquals(expected, claim.current().orElseThrow().requestsPerMilli());
        double requests = 5 + Math.pow(2, -priority.newcomerPenalty());
        assertEquals(requests * Math.log(2) / halfLife, expected, requests * Math.log(2) / halfLife * 0.01);
    }

    @Test
    void claimTellsNoRequestRateForAScoreOrHalfLifeThatIsNoFiniteNumber() {
        // A meta value mangled by hand or by another tool: the claim still goes through, and the copy is not cut.
        Map<String, List<String>> mangled = Map.of("access-score", List.of("inf", "-inf", "nan", "abc", ""),
                "half-life", List.of("0", "-5", "inf", "abc"));
        mangled.forEach((field, values) -> {
            for (String value : values) {
                ImageKey key = uniqueKey("claim-mangled");
                storeImage(key, new byte[] { 1, 2, 3 }, HOUR, MINUTE);
                mangleMeta(key, field, value);

                // Requested a ms after the write: a claim in the write's own ms would be satisfied by its copy.
                Claim claim = claimNow(key, JobReason.REFRESH);

                assertEquals(0.0, claim.current().orElseThrow().requestsPerMilli(), field + " " + value);
                // Other tests' calls on this partition must not meet the mangled value: the claim is abandoned (no
                // fetch in flight for the purge to fence and fetch again) and the image purged.
                store.release(key, claim, ReleaseMode.ABANDON, false).await().atMost(WAIT);
                assertEquals(PurgeOutcome.PURGED, purged(key));
            }
        });
    }

    @Test
    void claimIsBusyWhileAnotherClaimHoldsTheLease() {
        ImageKey key = uniqueKey("busy");
        Claim holder = claimNow(key, JobReason.MISS);

        Claim other = store.claim(key, token(), serverMillis(), JobReason.MISS).await().atMost(WAIT);

        assertEquals(ClaimOutcome.BUSY, other.outcome());
        assertEquals(holder.token(), other.detail());
        assertEquals("fetching:" + holder.token(), redis.execute("GET", marker(key)).toString());
    }

    @Test
    void claimIsSatisfiedByACopyFetchedAfterTheRequest() {
        ImageKey key = uniqueKey("satisfied");
        long requestedAt = serverMillis();
        storeImage(key, new byte[] { 9 }, Duration.ofMillis(1), MINUTE); // stale at once, but fetched after the request
        String token = token();
        redis.execute("SET", marker(key), "queued:" + token);

        Claim claim = store.claim(key, token, requestedAt, JobReason.REFRESH).await().atMost(WAIT);

        assertEquals(ClaimOutcome.SATISFIED, claim.outcome());
        assertEquals("fetched-after-request", claim.detail());
        assertEquals(0L, redis.execute("EXISTS", marker(key)).toLong(), "the satisfied job's own marker goes");
    }

    @Test
    void missClaimIsSatisfiedByAFreshCopyOrANegativeEntryButARefreshIsNot() {
        ImageKey fresh = uniqueKey("fresh");
        storeImage(fresh, new byte[] { 1 }, HOUR, MINUTE);
        long requestedLater = serverMillis() + 10_000; // a request the stored copy does not satisfy by time
        assertEquals("fresh-copy", store.claim(fresh, token(), requestedLater, JobReason.MISS).await().atMost(WAIT).detail());
        assertEquals(ClaimOutcome.CLAIMED,
                store.claim(fresh, token(), requestedLater, JobReason.REFRESH).await().atMost(WAIT).outcome());

        ImageKey negative = uniqueKey("negative-claim");
        store.putNegative(negative, claimNow(negative, JobReason.MISS), 410, MINUTE).await().atMost(WAIT);
        Claim claim = store.claim(negative, token(), serverMillis() + 10_000, JobReason.MISS).await().atMost(WAIT);
        assertEquals(ClaimOutcome.SATISFIED, claim.outcome());
        assertEquals("negative-entry", claim.detail());
    }

    // --- put -----------------------------------------------------------------------------------

    @Test
    void putStoresTheImageUnderItsTtlAndClearsTheMarker() {
        ImageKey key = uniqueKey("put");
        read(key); // a miss: one hit is not counted, but the job's marker is set
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, new byte[] { 5, 6 }, HOUR, Duration.ofMinutes(5)));
        read(key);
        read(key);
        foldHits(key);
        Claim second = claimNow(key, JobReason.MANUAL);
        long before = serverMillis();

        WriteOutcome outcome = write(key, second, fetched(new byte[] { 7, 8, 9 }, Optional.empty()), HOUR,
                Duration.ofMinutes(5), DAY, ChangeHistory.NONE).await().atMost(WAIT);

        assertEquals(WriteOutcome.WRITTEN, outcome);
        // The copy is kept past grace for stale-if-error; the schedule holds it under its early-refresh due time.
        assertTtlNear(HOUR.plusMinutes(5).plus(DAY), image(key));
        long staleIfErrorUntil = Long.parseLong(hashField(key, "stale-if-error-until"));
        assertEquals(Long.parseLong(hashField(key, "fresh-until")) + Duration.ofMinutes(5).toMillis(),
                Long.parseLong(hashField(key, "grace-until")));
        assertEquals(Long.parseLong(hashField(key, "grace-until")) + DAY.toMillis(), staleIfErrorUntil);
        assertTrue(scheduled(key) <= Long.parseLong(hashField(key, "fresh-until")));
        assertEquals(0L, redis.execute("EXISTS", marker(key)).toLong());
        assertEquals(0L, redis.execute("EXISTS", RedisKeys.staging(partition(key), key, second.token())).toLong());
        assertArrayEquals(new byte[] { 7, 8, 9 }, redis.execute("HGET", image(key), "body").toBytes());
        assertEquals("ok", hashField(key, "status"));
        assertEquals("image/png", hashField(key, "content-type"));
        assertEquals("3", hashField(key, "size"));
        assertEquals("42", hashField(key, "fetch-ms"));
        assertNull(hashField(key, "etag"), "the new copy has no ETag, so the old one must not survive");
        assertEquals(String.valueOf(second.fence()), hashField(key, "fence"));
        assertEquals(String.valueOf(second.claimedAtMillis()), hashField(key, "fetched-at"));
        long freshUntil = Long.parseLong(hashField(key, "fresh-until"));
        assertTrue(Math.abs(freshUntil - (before + HOUR.toMillis())) < TTL_TOLERANCE_MS, "fresh-until " + freshUntil);
        assertEquals("2", hashField(key, "hits"), "hits carry over a rewrite");
        assertNotNull(hashField(key, "last-access"));
    }

    @Test
    void anOlderClaimNeverOverwritesANewerWrite() {
        ImageKey key = uniqueKey("fence");
        Claim older = claimNow(key, JobReason.MISS);
        redis.execute("DEL", marker(key)); // the older claim's lease expired
        Claim newer = claimNow(key, JobReason.MISS);
        assertTrue(newer.fence() > older.fence());

        assertEquals(WriteOutcome.WRITTEN,
                write(key, newer, fetched(new byte[] { 2 }, Optional.of("\"new\"")),
                        HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
        assertEquals(WriteOutcome.STALE_WRITE,
                write(key, older, fetched(new byte[] { 1 }, Optional.of("\"old\"")),
                        HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));

        assertArrayEquals(new byte[] { 2 }, redis.execute("HGET", image(key), "body").toBytes());
        assertEquals("\"new\"", hashField(key, "etag"));
        assertEquals(0L, redis.execute("EXISTS", RedisKeys.staging(partition(key), key, older.token())).toLong());
        assertEquals(WriteOutcome.STALE_WRITE,
                store.putNegative(key, older, 404, MINUTE).await().atMost(WAIT));
        assertEquals(WriteOutcome.STALE_WRITE,
                revalidate(key, older, Optional.empty(), Optional.empty(),
                        HOUR, MINUTE, Duration.ZERO, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
        assertEquals("ok", hashField(key, "status"));
    }

    @Test
    void aFirstFetchThatBeganBeforeAPurgeByPrefixOrTagIsRefusedAndFetchedAgainOnceAndALaterClaimWrites() {
        String prefix = "tests/first-" + UUID.randomUUID() + "/";
        String tag = "first-" + UUID.randomUUID();
        ImageKey underPrefix = ImageKey.of(prefix + "a.png");
        ImageKey tagged = uniqueKey("tagged");
        ImageKey neither = uniqueKey("neither");
        // Three first fetches (no copy, so in no index) claimed before the purges.
        Claim prefixClaim = claimNow(underPrefix, JobReason.MISS);
        Claim tagClaim = claimNow(tagged, JobReason.MISS);
        Claim neitherClaim = claimNow(neither, JobReason.MISS);
        assertEquals(0L, store.purgePrefixes(List.of(prefix), false).await().atMost(WAIT));
        assertEquals(0L, store.purgeTags(List.of(tag), false).await().atMost(WAIT));
        long lease = config(Duration.class, "pansaar.worker.fetch-lease").toMillis();
        long purgesTtl = redis.execute("PTTL", RedisKeys.purges(partition(underPrefix))).toLong();
        assertTrue(purgesTtl > 0 && purgesTtl <= lease, "the purges hash lives one fetch lease, was " + purgesTtl);

        // A key under no purged prefix, whose answer carries another tag, writes as ever.
        assertEquals(WriteOutcome.WRITTEN, write(neither, neitherClaim,
                fetched(new byte[] { 3 }, Optional.empty()).withTags(List.of("other-" + tag)),
                HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));

        // The two others began before a purge that reaches them: refused, nothing written, one refetch each.
        Map<ImageKey, Claim> refused = Map.of(underPrefix, prefixClaim, tagged, tagClaim);
        for (int attempt = 0; attempt < 2; attempt++) {
            for (Map.Entry<ImageKey, Claim> entry : refused.entrySet()) {
                ImageKey key = entry.getKey();
                assertEquals(WriteOutcome.STALE_WRITE, write(key, entry.getValue(),
                        fetched(new byte[] { 1 }, Optional.empty()).withTags(List.of(tag)),
                        HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
                assertEquals(0L, redis.execute("EXISTS", image(key)).toLong(), "the old bytes were not written");
                assertEquals(0L, redis.execute("EXISTS",
                        RedisKeys.staging(partition(key), key, entry.getValue().token())).toLong());
                // A second try of the same refused write finds the refetch's marker: still one job.
                assertEquals(1, jobsFor(key).size(), "one refetch of " + key);
                assertEquals("miss", jobsFor(key).get(0).get("reason"));
                assertEquals("queued:" + jobsFor(key).get(0).get("token"), redis.execute("GET", marker(key)).toString());
            }
        }

        // The refetch's claim, made after the purges, writes: an old entry of the purges hash never fences it.
        for (ImageKey key : refused.keySet()) {
            Claim refetch = store.claim(key, jobsFor(key).get(0).get("token"), serverMillis() + 1, JobReason.MISS)
                    .await().atMost(WAIT);
            assertEquals(ClaimOutcome.CLAIMED, refetch.outcome(), refetch.detail());
            assertEquals(WriteOutcome.WRITTEN, write(key, refetch,
                    fetched(new byte[] { 2 }, Optional.empty()).withTags(List.of(tag)),
                    HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
            assertArrayEquals(new byte[] { 2 }, redis.execute("HGET", image(key), "body").toBytes());
            assertNull(redis.execute("GET", marker(key)), "the refetch released its marker");
        }
    }

    @Test
    void aWriteThatFinishesItsJobAcknowledgesAndDeletesTheEntryOnlyOnceDecided() {
        ImageKey key = uniqueKey("finishes");
        String stream = RedisKeys.jobs(partition(key));
        redis.execute("XGROUP", "CREATE", stream, "finishing", "$", "MKSTREAM");
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            entries.add(redis.execute("XADD", stream, "*", "key", key.value(), "reason", "miss").toString());
        }
        redis.execute("XREADGROUP", "GROUP", "finishing", "worker", "COUNT", "3", "STREAMS", stream, ">");
        assertEquals(3L, redis.execute("XPENDING", stream, "finishing").get(0).toLong());
        Claim newer = claimNow(key, JobReason.MISS);
        redis.execute("DEL", marker(key)); // the lease expired: another claim takes over
        Claim newest = claimNow(key, JobReason.MISS);

        assertEquals(WriteOutcome.WRITTEN, write(key, newest, fetched(new byte[] { 2 }, Optional.empty()), HOUR,
                MINUTE, Duration.ZERO, ChangeHistory.NONE, Optional.of(new FinishedJob(stream, "finishing",
                        entries.get(0)))).await().atMost(WAIT));
        // A stale write finishes its job too: the job is done, its bytes are not wanted.
        assertEquals(WriteOutcome.STALE_WRITE, write(key, newer, fetched(new byte[] { 1 }, Optional.empty()), HOUR,
                MINUTE, Duration.ZERO, ChangeHistory.NONE, Optional.of(new FinishedJob(stream, "finishing",
                        entries.get(1)))).await().atMost(WAIT));
        assertEquals(0L, redis.execute("XRANGE", stream, entries.get(0), entries.get(0)).size());
        assertEquals(0L, redis.execute("XRANGE", stream, entries.get(1), entries.get(1)).size());
        assertEquals(1L, redis.execute("XPENDING", stream, "finishing").get(0).toLong());

        // A write that fails (here a fresh TTL of 0) leaves its job pending, for a retry.
        Claim failing = claimNow(key, JobReason.MANUAL);
        assertThrows(FunctionCallException.class, () -> write(key, failing, fetched(new byte[] { 3 },
                Optional.empty()), Duration.ZERO, MINUTE, Duration.ZERO, ChangeHistory.NONE, Optional.of(
                        new FinishedJob(stream, "finishing", entries.get(2)))).await().atMost(WAIT));
        assertEquals(1L, redis.execute("XPENDING", stream, "finishing").get(0).toLong());
        assertEquals(1L, redis.execute("XRANGE", stream, entries.get(2), entries.get(2)).size());

        // Only a job of the key's own partition, whose keys share the write's hash slot, can be finished by it.
        assertFalse(store.canFinish(key, RedisKeys.jobs((partition(key) + 1) % partitioner.partitions())));
        assertThrows(IllegalArgumentException.class, () -> write(key, failing, fetched(new byte[] { 3 },
                Optional.empty()), HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE, Optional.of(new FinishedJob(
                        RedisKeys.jobs((partition(key) + 1) % partitioner.partitions()), "finishing", entries.get(2)))));
    }

    @Test
    void functionCallsArePipelinedOnAConnectionOfTheirOwnApartFromTheReads() throws Exception {
        ImageKey stored = uniqueKey("read-beside-calls");
        assertEquals(WriteOutcome.WRITTEN, storeImage(stored, new byte[] { 1 }, HOUR, MINUTE));
        List<ImageKey> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            keys.add(uniqueKey("pipelined-call"));
        }
        try (RedisMonitor monitor = RedisMonitor.open(config(String.class, "quarkus.redis.hosts"))) {
            // Forty claims at once: on pooled connections each would hold one of its own until its reply came back.
            List<Claim> claims = Uni.join().all(keys.stream().map(key -> store.claim(key, token(), 0, JobReason.MISS))
                    .toList()).andFailFast().await().atMost(WAIT);
            assertTrue(claims.stream().allMatch(claim -> claim.outcome() == ClaimOutcome.CLAIMED));
            assertEquals(WriteOutcome.WRITTEN, write(keys.get(0), claims.get(0), fetched(new byte[] { 2 },
                    Optional.empty()), HOUR, MINUTE, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
            assertEquals(ReadOutcome.HIT, read(stored).outcome());

            Set<String> claimedFrom = monitor.clientsSending(keys.size(), "\"FCALL\" \"pansaar_claim\"");
            assertEquals(1, claimedFrom.size(), "every claim on one connection: " + claimedFrom);
            assertEquals(claimedFrom, monitor.clientsSending(1, "\"HSET\" \"" + RedisKeys.staging(
                    partition(keys.get(0)), keys.get(0), claims.get(0).token()) + "\""), "the staged body");
            assertEquals(claimedFrom, monitor.clientsSending(1, "\"FCALL\" \"pansaar_put\""));
            Set<String> readFrom = monitor.clientsSending(1, "\"HMGET\" \"" + image(stored) + "\"");
            assertEquals(1, readFrom.size());
            assertFalse(claimedFrom.containsAll(readFrom), "a read never waits behind a write's body, nor a write "
                    + "behind reads: " + readFrom + " and " + claimedFrom);
        }
    }

    @Test
    void putWithoutAClaimIsRefusedBeforeReachingRedis() {
        ImageKey key = uniqueKey("unclaimed");
        Claim holder = claimNow(key, JobReason.MISS);
        Claim busy = store.claim(key, token(), serverMillis(), JobReason.MISS).await().atMost(WAIT);
        assertEquals(ClaimOutcome.BUSY, busy.outcome());
        assertThrows(IllegalArgumentException.class,
                () -> write(key, busy, fetched(new byte[] { 1 }, Optional.empty()), HOUR, MINUTE, Duration.ZERO,
                        ChangeHistory.NONE));
        assertEquals("fetching:" + holder.token(), redis.execute("GET", marker(key)).toString());
    }

    @Test
    void malformedArgumentsComeBackAsFunctionErrors() {
        ImageKey key = uniqueKey("bad");
        Claim claim = claimNow(key, JobReason.MISS);
        FunctionCallException error = assertThrows(FunctionCallException.class,
                () -> store.putNegative(key, claim, 200, MINUTE).await().atMost(WAIT));
        assertEquals(FunctionError.BAD_ARGUMENT, error.error());
        assertTrue(error.getMessage().contains("status code"), error.getMessage());

        // A staging hash that expired before pansaar_put ran: call the function directly without one.
        RuntimeException missing = assertThrows(RuntimeException.class, () -> callPut(key, claim, "image/png", "", "",
                "2", "42", "ab", "1.0", "86400000", "0", "0"));
        assertEquals(Optional.of(FunctionError.STAGING_MISSING), FunctionError.of(rootCause(missing)));
        assertEquals("fetching:" + claim.token(), redis.execute("GET", marker(key)).toString());
        assertEquals(0L, redis.execute("EXISTS", image(key)).toLong());

        // A malformed value of the image is refused before anything is written: the staged body stays where it was.
        String staging = RedisKeys.staging(partition(key), key, claim.token());
        redis.execute("HSET", staging, "body", "xy");
        for (List<String> values : List.of(
                List.of("", "", "", "2", "42", "ab", "1.0", "86400000", "0", "0"),
                List.of("image/png", "", "", "two", "42", "ab", "1.0", "86400000", "0", "0"),
                List.of("image/png", "", "", "2", "-1", "ab", "1.0", "86400000", "0", "0"),
                List.of("image/png", "", "", "2", "42", "", "1.0", "86400000", "0", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "x", "86400000", "0", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "1.0", "0", "0", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "1.0", "nan", "0", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "1.0", "inf", "0", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "nan", "86400000", "0", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "1.0", "86400000", "1.5", "0"),
                List.of("image/png", "", "", "2", "42", "ab", "1.0", "86400000", "0", ""))) {
            RuntimeException malformed = assertThrows(RuntimeException.class,
                    () -> callPut(key, claim, values.toArray(String[]::new)), values.toString());
            assertEquals(Optional.of(FunctionError.BAD_ARGUMENT), FunctionError.of(rootCause(malformed)),
                    values.toString());
        }
        List<String> wellFormed = List.of("image/png", "", "", "2", "42", "ab", "1.0", "86400000", "0", "0");
        for (String penalty : List.of("-1", "much", "nan", "inf")) {
            RuntimeException malformed = assertThrows(RuntimeException.class,
                    () -> callPut(key, claim, wellFormed, penalty), penalty);
            assertEquals(Optional.of(FunctionError.BAD_ARGUMENT), FunctionError.of(rootCause(malformed)), penalty);
            assertTrue(rootCause(malformed).getMessage().contains("newcomer penalty"), rootCause(malformed).getMessage());
        }
        assertEquals(0L, redis.execute("EXISTS", image(key)).toLong());
        assertEquals("xy", redis.execute("HGET", staging, "body").toString());
        assertEquals("fetching:" + claim.token(), redis.execute("GET", marker(key)).toString());
    }

    @Test
    void aWriteStagesTheBodyAloneAndPacksTheValuesItsCallCarries() throws InterruptedException {
        ImageKey key = uniqueKey("arguments");
        Claim claim = claimNow(key, JobReason.MISS);
        // Nothing else may talk to Redis while the commands are counted (the profile makes the gauges hourly).
        await().atMost(WAIT).until(this::redisIsQuiet);

        Map<String, Long> before = commandCalls();
        assertEquals(WriteOutcome.WRITTEN, write(key, claim, FetchedImage.of(new byte[] { 7, 8, 9 }, "image/png",
                Optional.of("\"e\""), Optional.of("Mon, 01 Jan 2024 00:00:00 GMT"), Duration.ofMillis(42)), HOUR,
                MINUTE, Duration.ZERO, new ChangeHistory(5000, 2)).await().atMost(WAIT));
        Map<String, Long> written = deltas(before, commandCalls());

        // The function reads no staged values back and deletes none: they came as its arguments.
        assertNull(written.get("hmget"), written.toString());
        assertNull(written.get("hdel"), written.toString());
        assertEquals(1L, written.get("fcall"), written.toString());
        List<String> fields = new ArrayList<>();
        redis.execute("HKEYS", image(key)).forEach(field -> fields.add(field.toString()));
        assertEquals(List.of("body", "meta"), fields.stream().sorted().toList());
        assertEquals("image/png", hashField(key, "content-type"));
        assertEquals("\"e\"", hashField(key, "etag"));
        assertEquals("Mon, 01 Jan 2024 00:00:00 GMT", hashField(key, "last-modified"));
        assertEquals("3", hashField(key, "size"));
        assertEquals("42", hashField(key, "fetch-ms"));
        assertEquals(FetchedImage.digestOf(new byte[] { 7, 8, 9 }), hashField(key, "digest"));
        assertEquals(String.valueOf(planner.priorityOf(key, 3).sizeTerm()), hashField(key, "size-term"));
        assertEquals(String.valueOf(planner.priorityOf(key, 3).halfLifeMillis()), hashField(key, "half-life"));
        assertEquals("5000", hashField(key, "exposure"));
        assertEquals("2", hashField(key, "changes"));

        // Called directly, as another client would: a staging hash of the body alone, the values as arguments; a
        // line feed in a header value would split meta's lines, so it becomes a space.
        Claim again = claimNow(key, JobReason.MANUAL);
        redis.execute("HSET", RedisKeys.staging(partition(key), key, again.token()), "body", "xy");
        Response reply = callPut(key, again, "image/gif", "\"a\nb\"", "", "2", "7", "cd", "1.5", "1000", "10", "1");
        assertEquals("WRITTEN", reply.get(0).toString());
        assertEquals("xy", hashField(key, "body"));
        assertEquals("image/gif", hashField(key, "content-type"));
        assertEquals("\"a b\"", hashField(key, "etag"));
        assertNull(hashField(key, "last-modified"));
        assertEquals("2", hashField(key, "size"));
        assertEquals("7", hashField(key, "fetch-ms"));
        assertEquals("cd", hashField(key, "digest"));
        assertEquals("1.5", hashField(key, "size-term"));
        assertEquals("1000", hashField(key, "half-life"));
        assertEquals("10", hashField(key, "exposure"));
        assertEquals("1", hashField(key, "changes"));
    }

    // --- revalidated ---------------------------------------------------------------------------

    @Test
    void revalidationExtendsFreshnessAndUpdatesGivenValidators() {
        ImageKey key = uniqueKey("revalidated");
        storeImage(key, new byte[] { 4, 4 }, Duration.ofMillis(1), MINUTE);
        Claim claim = claimNow(key, JobReason.REFRESH);

        WriteOutcome outcome = revalidate(key, claim, Optional.of("\"etag-2\""), Optional.empty(), HOUR,
                Duration.ofMinutes(5), Duration.ZERO, Duration.ZERO, new ChangeHistory(1000, 1)).await().atMost(WAIT);

        assertEquals(WriteOutcome.EXTENDED, outcome);
        assertEquals(ReadOutcome.HIT, read(key).outcome());
        assertArrayEquals(new byte[] { 4, 4 }, redis.execute("HGET", image(key), "body").toBytes());
        assertEquals("\"etag-2\"", hashField(key, "etag"));
        assertEquals("Mon, 01 Jan 2024 00:00:00 GMT", hashField(key, "last-modified"));
        assertEquals(String.valueOf(claim.fence()), hashField(key, "fence"));
        assertEquals(String.valueOf(claim.claimedAtMillis()), hashField(key, "fetched-at"));
        assertTtlNear(HOUR.plusMinutes(5), image(key));
        assertEquals(0L, redis.execute("EXISTS", marker(key)).toLong());
    }

    @Test
    void revalidationOfAVanishedCopyIsGoneAndKeepsTheLease() {
        ImageKey key = uniqueKey("gone");
        storeImage(key, new byte[] { 1 }, HOUR, MINUTE);
        Claim claim = claimNow(key, JobReason.REFRESH);
        redis.execute("DEL", image(key)); // evicted while the conditional GET ran

        assertEquals(WriteOutcome.GONE,
                revalidate(key, claim, Optional.empty(), Optional.empty(),
                        HOUR, MINUTE, Duration.ZERO, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
        assertEquals(0L, redis.execute("EXISTS", image(key)).toLong());
        assertEquals("fetching:" + claim.token(), redis.execute("GET", marker(key)).toString());
    }

    // --- release -------------------------------------------------------------------------------

    @Test
    void releaseForRetryRequeuesTheMarker() {
        ImageKey key = uniqueKey("retry");
        Claim claim = claimNow(key, JobReason.MISS);

        store.release(key, claim, ReleaseMode.RETRY, false).await().atMost(WAIT);

        assertEquals("queued:" + claim.token(), redis.execute("GET", marker(key)).toString());
        assertTtlNear(config.worker().queuedMarkerTtl(), marker(key));
        assertFalse(read(key).enqueued(), "misses keep waiting for the retry");
    }

    @Test
    void abandonDeletesOnlyItsOwnMarker() {
        ImageKey key = uniqueKey("abandon");
        Claim claim = claimNow(key, JobReason.MISS);
        store.release(key, claim, ReleaseMode.ABANDON, false).await().atMost(WAIT);
        assertEquals(0L, redis.execute("EXISTS", marker(key)).toLong());
        assertTrue(read(key).enqueued(), "the next miss enqueues again");

        // The read's marker belongs to its queued job; a late release of the old claim leaves it alone.
        String queued = redis.execute("GET", marker(key)).toString();
        store.release(key, claim, ReleaseMode.ABANDON, true).await().atMost(WAIT);
        store.release(key, claim, ReleaseMode.RETRY, true).await().atMost(WAIT);
        assertEquals(queued, redis.execute("GET", marker(key)).toString());
    }

    // --- stale-if-error ------------------------------------------------------------------------

    @Test
    void aCopyPastGraceIsAMissUntilItsOriginFailsThenItIsServedStaleIfErrorUntilItIsWrittenAgain()
            throws InterruptedException {
        ImageKey key = uniqueKey("stale-if-error");
        byte[] body = everyByteValue(500);
        storeImage(key, body, Duration.ofMillis(1), Duration.ZERO, HOUR);
        Thread.sleep(20); // past fresh-until and grace: kept only for an outage of its origin
        long missesBefore = counter(key, "misses");

        ReadResult miss = read(key);
        assertEquals(ReadOutcome.MISS, miss.outcome(), "the origin is not known to fail, so the old copy is not served");
        assertTrue(miss.body().isEmpty());
        assertTrue(miss.enqueued());
        Map<String, String> job = jobEntry(key, miss.jobId().orElseThrow());
        assertEquals("miss", job.get("reason"));
        assertEquals(missesBefore + 1, counter(key, "misses"));
        assertEquals("0", hashField(key, "hits"), "a miss serves nothing from the copy");

        // The job's fetch fails for the origin's sake: the copy is marked, and the job waits for its retry.
        Claim fetch = store.claim(key, job.get("token"), Long.parseLong(job.get("requested-at")), JobReason.MISS)
                .await().atMost(WAIT);
        assertEquals(ClaimOutcome.CLAIMED, fetch.outcome(), fetch.detail());
        store.release(key, fetch, ReleaseMode.RETRY, true).await().atMost(WAIT);
        String failedAt = hashField(key, "origin-failed-at");
        assertNotNull(failedAt);
        long staleIfErrorHitsBefore = counter(key, "stale-if-error-hits");

        ReadResult served = read(key);
        assertEquals(ReadOutcome.STALE_IF_ERROR, served.outcome());
        assertArrayEquals(body, served.body().orElseThrow());
        assertTrue(served.recorded());
        assertFalse(served.enqueued(), "the retry is pending, so no other job is enqueued");
        assertEquals(staleIfErrorHitsBefore + 1, counter(key, "stale-if-error-hits"));
        assertEquals("1", hashField(key, "hits"));

        // A second failure keeps the time of the first.
        Claim retry = store.claim(key, job.get("token"), Long.parseLong(job.get("requested-at")), JobReason.MISS)
                .await().atMost(WAIT);
        store.release(key, retry, ReleaseMode.RETRY, true).await().atMost(WAIT);
        assertEquals(failedAt, hashField(key, "origin-failed-at"));

        // The origin answers again: the new copy carries no mark.
        storeImage(key, new byte[] { 9 }, HOUR, MINUTE, HOUR);
        assertNull(hashField(key, "origin-failed-at"));
        assertEquals(ReadOutcome.HIT, read(key).outcome());
    }

    @Test
    void aRevalidationClearsTheMarkAndAStaleIfErrorReadEnqueuesOneRefresh() throws InterruptedException {
        ImageKey key = uniqueKey("revalidated-after-outage");
        storeImage(key, new byte[] { 1, 2, 3 }, Duration.ofMillis(1), Duration.ZERO, HOUR);
        Claim failing = claimNow(key, JobReason.REFRESH);
        store.release(key, failing, ReleaseMode.ABANDON, true).await().atMost(WAIT);
        Thread.sleep(20);

        ReadResult first = read(key);
        ReadResult second = read(key);
        assertEquals(ReadOutcome.STALE_IF_ERROR, first.outcome());
        assertTrue(first.enqueued(), "the abandoned job left no marker, so the read enqueues a refresh");
        assertEquals("refresh", jobEntry(key, first.jobId().orElseThrow()).get("reason"));
        assertEquals(ReadOutcome.STALE_IF_ERROR, second.outcome());
        assertFalse(second.enqueued());

        Claim refresh = claimNow(key, JobReason.REFRESH);
        assertEquals(WriteOutcome.EXTENDED, revalidate(key, refresh, Optional.empty(), Optional.empty(), HOUR,
                MINUTE, DAY, Duration.ZERO, ChangeHistory.NONE).await().atMost(WAIT));
        assertNull(hashField(key, "origin-failed-at"));
        assertTtlNear(HOUR.plus(MINUTE).plus(DAY), image(key));
        assertTrue(scheduled(key) <= Long.parseLong(hashField(key, "fresh-until")), "due for its next early refresh");
        assertEquals(ReadOutcome.HIT, read(key).outcome());
    }

    @Test
    void releaseMarksOnlyAnOkCopyItOwnsTheLeaseOfAndOnlyWhenTheOriginFailed() {
        ImageKey nothingCached = uniqueKey("mark-nothing");
        store.release(nothingCached, claimNow(nothingCached, JobReason.MISS), ReleaseMode.RETRY, true)
                .await().atMost(WAIT);
        assertEquals(0L, redis.execute("EXISTS", image(nothingCached)).toLong(), "no hash is made up for a mark");

        ImageKey notTheOrigin = uniqueKey("mark-not-origin");
        storeImage(notTheOrigin, new byte[] { 1 }, HOUR, MINUTE, HOUR);
        store.release(notTheOrigin, claimNow(notTheOrigin, JobReason.MANUAL), ReleaseMode.RETRY, false)
                .await().atMost(WAIT);
        assertNull(hashField(notTheOrigin, "origin-failed-at"));

        ImageKey negative = uniqueKey("mark-negative");
        store.putNegative(negative, claimNow(negative, JobReason.MANUAL), 404, MINUTE).await().atMost(WAIT);
        store.release(negative, claimNow(negative, JobReason.MANUAL), ReleaseMode.RETRY, true).await().atMost(WAIT);
        assertNull(hashField(negative, "origin-failed-at"));
        assertEquals("404", hashField(negative, "status"));

        ImageKey overtaken = uniqueKey("mark-overtaken");
        storeImage(overtaken, new byte[] { 2 }, HOUR, MINUTE, HOUR);
        Claim older = claimNow(overtaken, JobReason.MANUAL);
        redis.execute("DEL", marker(overtaken)); // its lease lapsed; a newer claim decides now
        claimNow(overtaken, JobReason.MANUAL);
        store.release(overtaken, older, ReleaseMode.RETRY, true).await().atMost(WAIT);
        assertNull(hashField(overtaken, "origin-failed-at"));
    }

    @Test
    void theSweepSkipsALiveImageDueForItsRefreshAndUnindexesAnExpiredOne() throws InterruptedException {
        ImageKey live = uniqueKey("due-live");
        int partition = partition(live);
        ImageKey expired = keysInPartition(partition, live, 2).get(1);
        storeImage(live, everyByteValue(500), HOUR, MINUTE);
        storeImage(expired, everyByteValue(700), Duration.ofMillis(1), Duration.ZERO);
        Thread.sleep(20); // the expired image's hash has gone
        // Both due long ago, the live one first: the oldest entries of the partition's schedule.
        redis.execute("ZADD", RedisKeys.schedule(partition), "XX", "1", live.value());
        redis.execute("ZADD", RedisKeys.schedule(partition), "XX", "2", expired.value());
        long charged = ImageLayout.chargedBytes(live.value().length(), 500);

        holdingLease(partition, "sweeping", holder -> {
            assertEquals(0, functions.evict(partition, holder, Optional.empty(), 1).await().atMost(WAIT).swept(),
                    "the live due image took the call's only place");
            assertNotNull(redis.execute("ZSCORE", RedisKeys.schedule(partition), expired.value()));
            assertEquals(1, functions.evict(partition, holder, Optional.empty(), 2).await().atMost(WAIT).swept());
        });
        assertEquals(1.0, Double.parseDouble(redis.execute("ZSCORE", RedisKeys.schedule(partition), live.value())
                .toString()), "the live image stays due for its refresh");
        assertNotNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), live.value()));
        assertEquals(charged, StoredImages.charged(redis, partition).get(live.value()));
        assertNull(redis.execute("ZSCORE", RedisKeys.schedule(partition), expired.value()));
        assertNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), expired.value()));
        assertNull(StoredImages.charged(redis, partition).get(expired.value()), "its charge left with it");
        assertEquals("0:0", redis.execute("HGET", RedisKeys.histories(partition), expired.value()).toString(),
                "its change history stays");
        assertNotNull(redis.execute("ZSCORE", RedisKeys.departed(partition), expired.value()));
        redis.execute("ZADD", RedisKeys.schedule(partition), "XX", String.valueOf(serverMillis() + HOUR.toMillis()),
                live.value()); // not due for the other tests of the partition
    }

    @Test
    void theRefreshListingCountsEveryScoreWithTheConfiguredHalfLife() {
        ImageKey key = uniqueKey("due-half-life");
        int partition = partition(key);
        assertEquals(WriteOutcome.WRITTEN, storeImage(key, everyByteValue(300), HOUR, MINUTE));
        // A fold with a quarter of the configured half-life leaves the image's score counted in it.
        long quarter = (long) priority.halfLifeMillis() / 4;
        assertEquals(ReadOutcome.HIT, read(key).outcome());
        functions.foldHits(partition, PansaarFunctions.MAX_IMAGES_PER_CALL, quarter).await().atMost(WAIT);
        assertEquals(quarter, Long.parseLong(hashField(key, "half-life")));
        double stored = Double.parseDouble(hashField(key, "access-score"));
        redis.execute("ZADD", RedisKeys.schedule(partition), "XX", "3", key.value());
        try {
            RefreshDueReply due = functions.refreshDue(partition, 1_000).await().atMost(WAIT);
            double listed = due.images().stream().filter(image -> image.key().equals(key.value())).findFirst()
                    .flatMap(RefreshDueReply.DueImage::accessScore).orElseThrow();
            double expected = AccessPriority.inHalfLife(stored, quarter, priority.halfLifeMillis());
            assertEquals(expected, listed, 1e-12 * Math.abs(expected), "moved to the half-life the scheduler judges by");
        } finally {
            // Not due for the other tests of the partition.
            redis.execute("ZADD", RedisKeys.schedule(partition), "XX", String.valueOf(serverMillis() + HOUR.toMillis()),
                    key.value());
        }
    }

    @Test
    void aDueImageWhoseScoreOrFreshTtlIsNoNumberIsListedWithoutIt() {
        for (String field : List.of("access-score", "fresh-ttl")) {
            for (String value : List.of("inf", "nan", "abc", "1.5", "-1")) {
                ImageKey key = uniqueKey("refresh-mangled");
                int partition = partition(key);
                storeImage(key, everyByteValue(300), HOUR, MINUTE);
                mangleMeta(key, field, value);
                redis.execute("ZADD", RedisKeys.schedule(partition), "XX", "3", key.value());
                try {
                    // The reply parses, and the value the scheduler cannot read comes as unknown: it drops the image.
                    RefreshDueReply due = functions.refreshDue(partition, 1_000).await().atMost(WAIT);
                    RefreshDueReply.DueImage listed = due.images().stream()
                            .filter(image -> image.key().equals(key.value())).findFirst().orElseThrow();
                    boolean score = field.equals("access-score");
                    boolean finite = value.equals("1.5") || value.equals("-1");
                    assertEquals(score && !finite, listed.accessScore().isEmpty(), field + " " + value);
                    assertEquals(!score, listed.freshTtlMillis().isEmpty(), field + " " + value);
                } finally {
                    // Other tests' calls on this partition must meet neither the due image nor a gap in its indexes
                    // (an image held but not scheduled is damage that pansaar_repair rebuilds): it goes as a purge.
                    assertEquals(PurgeOutcome.PURGED, purged(key));
                }
            }
        }
    }

    @Test
    void theRefreshCallsUnindexAnExpiredImageAndFileADecidedOneUnderItsExpiry() throws InterruptedException {
        ImageKey listedExpired = uniqueKey("refresh-expired");
        int partition = partition(listedExpired);
        List<ImageKey> keys = keysInPartition(partition, listedExpired, 3);
        ImageKey expiresMeanwhile = keys.get(1);
        ImageKey refreshed = keys.get(2);
        storeImage(listedExpired, everyByteValue(300), Duration.ofMillis(1), Duration.ZERO);
        storeImage(expiresMeanwhile, everyByteValue(300), HOUR, MINUTE);
        storeImage(refreshed, everyByteValue(300), HOUR, MINUTE);
        Thread.sleep(20);
        for (ImageKey key : keys) {
            redis.execute("ZADD", RedisKeys.schedule(partition), "XX", "3", key.value());
        }
        long expiredBefore = counter(refreshed, "expired");

        // Other tests' images of the partition may be due too: the call reads enough for all of them.
        RefreshDueReply due = functions.refreshDue(partition, 1_000).await().atMost(WAIT);
        assertTrue(due.swept() >= 1, "the image whose hash is gone is swept, not listed");
        List<String> listed = due.images().stream().map(RefreshDueReply.DueImage::key).toList();
        assertTrue(listed.containsAll(List.of(expiresMeanwhile.value(), refreshed.value())), listed.toString());
        assertFalse(listed.contains(listedExpired.value()), listed.toString());
        assertNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), listedExpired.value()));

        // One of the listed images expires before the decision reaches Redis: it is unindexed, not refreshed.
        redis.execute("UNLINK", image(expiresMeanwhile));
        holdingLease(partition, "refreshing", holder -> {
            assertEquals(1L, functions.refreshEarly(partition, holder, 60_000, 2,
                    List.of(expiresMeanwhile.value(), refreshed.value()), List.of()).await().atMost(WAIT));
        });
        assertEquals(0L, redis.execute("EXISTS", marker(expiresMeanwhile)).toLong(), "no refresh of an expired image");
        assertNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), expiresMeanwhile.value()));
        assertNull(redis.execute("ZSCORE", RedisKeys.schedule(partition), expiresMeanwhile.value()));
        assertTrue(counter(refreshed, "expired") >= expiredBefore + 2);
        assertEquals(1L, redis.execute("EXISTS", marker(refreshed)).toLong());
        // Nobody waits for an early refresh: it is queued on the early-refresh stream, after the job stream's misses.
        assertEquals(List.of("refresh"), entriesFor(RedisKeys.earlyRefresh(partition), refreshed).stream()
                .map(entry -> entry.get("reason")).toList());
        assertEquals(List.of(), jobsFor(refreshed));
        assertEquals(Long.parseLong(hashField(refreshed, "stale-if-error-until")), scheduled(refreshed),
                "the refresh is decided: the schedule holds when its hash expires");
    }

    @Test
    void aWrittenCopyCountsItsFreshTtlInOneBucketOfTheStatistics() {
        ImageKey first = uniqueKey("ttl-bucket");
        List<ImageKey> keys = keysInPartition(partition(first), first, 4);
        Map<String, Long> before = new HashMap<>();
        List<String> buckets = List.of("fresh-ttl-le-1m", "fresh-ttl-le-1h", "fresh-ttl-le-7d", "fresh-ttl-over-30d");
        buckets.forEach(bucket -> before.put(bucket, counter(first, bucket)));
        // One copy per bucket, each TTL on or just past a bound: a bound belongs to the bucket it closes.
        storeImage(keys.get(0), everyByteValue(100), Duration.ofMinutes(1), Duration.ZERO);
        storeImage(keys.get(1), everyByteValue(100), Duration.ofMinutes(10).plusMillis(1), Duration.ZERO);
        storeImage(keys.get(2), everyByteValue(100), Duration.ofDays(2), Duration.ZERO);
        storeImage(keys.get(3), everyByteValue(100), Duration.ofDays(30).plusMillis(1), Duration.ZERO);
        for (String bucket : buckets) {
            assertEquals(before.get(bucket) + 1, counter(first, bucket), bucket);
        }
    }

    @Test
    void aCopyKeptPastGraceStaysCountedUntilItsHashExpiresAndIsEvictableUnderTheBudget() throws InterruptedException {
        ImageKey key = uniqueKey("kept");
        int partition = partition(key);
        storeImage(key, everyByteValue(2_000), Duration.ofMillis(1), Duration.ZERO, HOUR);
        // The hash lives fresh TTL + grace + stale-if-error: 1 ms + 0 + an hour, read back within that millisecond.
        assertTtlNear(HOUR.plusMillis(1), image(key));
        Thread.sleep(20); // past grace

        holdingLease(partition, "keeping", holder -> {
            functions.evict(partition, holder, Optional.empty(), 100).await().atMost(WAIT);
            assertEquals(1L, redis.execute("EXISTS", image(key)).toLong());
            assertNotNull(redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), key.value()),
                    "the sweep leaves a copy whose hash lives on");
            assertEquals(ImageLayout.chargedBytes(key.value().length(), 2000),
                    StoredImages.charged(redis, partition).get(key.value()));

            EvictReply evicted = functions.evict(partition, holder, Optional.of(0L), 100)
                    .await().atMost(WAIT);
            assertTrue(evicted.evicted() >= 1);
            assertEquals(0L, redis.execute("EXISTS", image(key)).toLong(), "the kept copy was evicted");
            assertNull(redis.execute("ZSCORE", RedisKeys.schedule(partition), key.value()));
            assertNull(StoredImages.charged(redis, partition).get(key.value()));
        });
    }

    @Test
    void withoutTheBookkeepingFunctionTheFallbackJudgesAKeptCopyAsPansaarGetDoes() throws InterruptedException {
        ImageKey withinGrace = uniqueKey("fallback-grace");
        ImageKey notFailing = uniqueKey("fallback-kept");
        ImageKey failing = uniqueKey("fallback-failing");
        byte[] body = everyByteValue(300);
        storeImage(withinGrace, body, Duration.ofMillis(1), HOUR, HOUR);
        storeImage(notFailing, body, Duration.ofMillis(1), Duration.ZERO, HOUR);
        storeImage(failing, body, Duration.ofMillis(1), Duration.ZERO, HOUR);
        store.release(failing, claimNow(failing, JobReason.REFRESH), ReleaseMode.RETRY, true).await().atMost(WAIT);
        Thread.sleep(20);

        // Below what Redis uses, with the default noeviction policy: it refuses pansaar_get, the HMGET still answers.
        redis.execute("CONFIG", "SET", "maxmemory", "1");
        try {
            ReadResult stale = read(withinGrace);
            assertFalse(stale.recorded());
            assertEquals(ReadOutcome.STALE, stale.outcome());
            ReadResult kept = read(notFailing);
            assertEquals(ReadOutcome.MISS, kept.outcome());
            assertTrue(kept.body().isEmpty(), "a kept copy is not served while its origin is not known to fail");
            ReadResult served = read(failing);
            assertEquals(ReadOutcome.STALE_IF_ERROR, served.outcome());
            assertArrayEquals(body, served.body().orElseThrow());
        } finally {
            redis.execute("CONFIG", "SET", "maxmemory", "0");
        }
    }

    @Test
    void aMetaValueMangledIntoNoNumberNeitherFailsAReadNorKeepsTheImageFromBeingFetchedAgain() throws InterruptedException {
        // Values a hand or another tool may leave, which Lua's tonumber reads as numbers (inf, nan, hex) or not at all.
        List<String> mangled = List.of("abc", "inf", "nan", "0x10", "1.5", "1e400");
        List<String> fields = List.of("status", "fresh-until", "grace-until", "stale-if-error-until", "fence", "hits",
                "access-score", "size-term", "half-life", "size", "fetched-at");
        for (String field : fields) {
            for (String value : mangled) {
                String what = field + " " + value;
                ImageKey key = uniqueKey("read-mangled");
                int partition = partition(key);
                // Stale at once, so that the read takes pansaar_get, which records it and enqueues the refresh; a
                // mangled status or fresh-until is judged on a fresh copy too.
                boolean fresh = field.equals("status") || field.equals("fresh-until");
                storeImage(key, new byte[] { 1, 2, 3 }, fresh ? HOUR : Duration.ofMillis(1), MINUTE);
                Thread.sleep(fresh ? 0 : 5);
                mangleMeta(key, field, value);

                ReadResult read = read(key);

                // No copy for a status that is neither ok nor a status code; a copy of no known freshness is stale.
                assertEquals(field.equals("status") ? ReadOutcome.MISS : ReadOutcome.STALE, read.outcome(), what);
                assertTrue(read.recorded(), "pansaar_get recorded the read: " + what);
                assertTrue(read.enqueued(), "and enqueued the fetch that writes the image anew: " + what);
                if (field.equals("fence")) {
                    // The claim of that fetch moves the fence counter past every whole fence stored, never to inf.
                    Claim claim = claimNow(key, JobReason.REFRESH);
                    store.release(key, claim, ReleaseMode.ABANDON, false).await().atMost(WAIT);
                }
                assertEquals(PurgeOutcome.PURGED, purged(key), what);
                // Nor does the purge, which takes a fence past those of the images it purges.
                String fence = redis.execute("GET", RedisKeys.fence(partition)).toString();
                assertTrue(fence.matches("\\d+"), "the fence counter holds " + fence + " after " + what);
                ImageKey neighbour = keysInPartition(partition, key, 2).get(1);
                store.release(neighbour, claimNow(neighbour, JobReason.MISS), ReleaseMode.ABANDON, false)
                        .await().atMost(WAIT);
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private ReadResult read(ImageKey key) {
        return store.read(key).await().atMost(WAIT);
    }

    /** Folds every hit and arrival waiting in the key's partition, as the scheduler does each tick. */
    private FoldHitsReply foldHits(ImageKey key) {
        long images = 0;
        long requests = 0;
        List<FoldHitsReply.FoldedImage> folded = new ArrayList<>();
        FoldHitsReply last;
        do {
            last = functions.foldHits(partition(key), PansaarFunctions.MAX_IMAGES_PER_CALL).await().atMost(WAIT);
            images += last.images();
            requests += last.requests();
            folded.addAll(last.folded());
        } while (last.waiting() > 0);
        return new FoldHitsReply(images, requests, last.waiting(), last.serverMillis(), folded);
    }

    /** Claims and writes an image with ETag "etag-1" and a Last-Modified, as a worker would; no stale-if-error. */
    private WriteOutcome storeImage(ImageKey key, byte[] body, Duration freshTtl, Duration grace) {
        return storeImage(key, body, freshTtl, grace, Duration.ZERO);
    }

    /** Writes a fetched image as the worker would: the planner draws its early refresh and ranks it by its size. */
    private Uni<WriteOutcome> write(ImageKey key, Claim claim, FetchedImage image, Duration freshTtl, Duration grace,
            Duration staleIfError, ChangeHistory history) {
        return write(key, claim, image, freshTtl, grace, staleIfError, history, Optional.empty());
    }

    /** {@link #write(ImageKey, Claim, FetchedImage, Duration, Duration, Duration, ChangeHistory)}, finishing {@code job}. */
    private Uni<WriteOutcome> write(ImageKey key, Claim claim, FetchedImage image, Duration freshTtl, Duration grace,
            Duration staleIfError, ChangeHistory history, Optional<FinishedJob> job) {
        return store.put(key, claim, image, planner.plan(freshTtl, grace, staleIfError, image.fetchTime(), history),
                planner.priorityOf(key, image.body().length), job);
    }

    /** Records a 304 as the worker would, with the lifetime the planner gives. */
    private Uni<WriteOutcome> revalidate(ImageKey key, Claim claim, Optional<String> etag, Optional<String> lastModified,
            Duration freshTtl, Duration grace, Duration staleIfError, Duration fetchTime, ChangeHistory history) {
        return store.revalidated(key, claim, etag, lastModified,
                planner.plan(freshTtl, grace, staleIfError, fetchTime, history));
    }

    /** Claims and writes an image with ETag "etag-1" and a Last-Modified, as a worker would. */
    private WriteOutcome storeImage(ImageKey key, byte[] body, Duration freshTtl, Duration grace, Duration staleIfError) {
        Claim claim = claimNow(key, JobReason.MANUAL);
        assertEquals(ClaimOutcome.CLAIMED, claim.outcome());
        FetchedImage image = FetchedImage.of(body, "image/png", Optional.of("\"etag-1\""),
                Optional.of("Mon, 01 Jan 2024 00:00:00 GMT"), Duration.ofMillis(42));
        return write(key, claim, image, freshTtl, grace, staleIfError, ChangeHistory.NONE).await().atMost(WAIT);
    }

    /**
     * Writes an ok copy as a deployment of API 5 wrote it, one hash field per value, fresh for an hour, and files it in
     * the partition's indexes as the current functions would (its body's size in its history entry and the used
     * bytes).
     */
    private void writePreviousLayout(ImageKey key, byte[] body, long now) {
        int partition = partition(key);
        redis.execute("HSET", image(key), "body", new String(body, java.nio.charset.StandardCharsets.ISO_8859_1),
                "content-type", "image/png", "size", String.valueOf(body.length), "status", "ok", "fence", "1",
                "fetched-at", String.valueOf(now), "fresh-until", String.valueOf(now + HOUR.toMillis()),
                "grace-until", String.valueOf(now + HOUR.toMillis()), "stale-if-error-until",
                String.valueOf(now + HOUR.toMillis()), "fresh-ttl", String.valueOf(HOUR.toMillis()), "hits", "3",
                "access-score", "1", "size-term", "0", "half-life", "86400000", "digest", "sha256:00");
        redis.execute("PEXPIRE", image(key), String.valueOf(HOUR.toMillis()));
        // As that deployment's writes did: a lost counter is not created again while the partition holds images.
        boolean counted = redis.execute("EXISTS", RedisKeys.usedBytes(partition)).toLong() == 1
                || redis.execute("ZCARD", RedisKeys.priorityIndex(partition)).toLong() == 0;
        redis.execute("ZADD", RedisKeys.priorityIndex(partition), "1", key.value());
        redis.execute("ZADD", RedisKeys.schedule(partition), String.valueOf(now + HOUR.toMillis()), key.value());
        redis.execute("HSET", RedisKeys.histories(partition), key.value(), "0:0:" + body.length);
        if (counted) {
            redis.execute("INCRBY", RedisKeys.usedBytes(partition), String.valueOf(body.length));
        }
    }

    /**
     * Calls pansaar_put directly under {@code claim}, fresh for a second with a second of grace, no budget and no job,
     * with the image's values as its ARGV[10] to ARGV[19] (content-type, ETag, Last-Modified, size, fetch-ms, digest,
     * size-term, half-life, exposure, changes), and events on.
     */
    private Response callPut(ImageKey key, Claim claim, String... imageValues) {
        return callPut(key, claim, List.of(imageValues), "");
    }

    /** FCALL pansaar_put with the image's values (ARGV[10] to ARGV[19]) and a newcomer penalty (ARGV[25]). */
    private Response callPut(ImageKey key, Claim claim, List<String> imageValues, String newcomerPenalty) {
        List<String> call = new ArrayList<>(List.of("pansaar_put",
                String.valueOf(9 + RedisKeys.indexes(partition(key)).size()), image(key), marker(key),
                RedisKeys.staging(partition(key), key, claim.token()), RedisKeys.stats(partition(key))));
        call.addAll(RedisKeys.indexes(partition(key)));
        call.addAll(List.of(RedisKeys.jobs(partition(key)), RedisKeys.events(partition(key)),
                RedisKeys.purges(partition(key)), RedisKeys.jobs(partition(key)), RedisKeys.tokenCounter(partition(key))));
        call.addAll(List.of(claim.token(), String.valueOf(claim.fence()), String.valueOf(claim.claimedAtMillis()),
                "1000", "1000", "0", "0", "", "10"));
        call.addAll(imageValues);
        // No job to finish (ARGV[20] and ARGV[21] empty); the events stream capped at 100 entries; no tags; a
        // queued-marker TTL of a minute.
        call.addAll(List.of("", "", "100", "", "60000", newcomerPenalty));
        return redis.execute("FCALL", call.toArray(String[]::new));
    }

    private static <T> T config(Class<T> type, String name) {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue(name, type);
    }

    /** A MONITOR connection: which client sent which command, as Redis ran them. */
    private static final class RedisMonitor implements AutoCloseable {

        private static final Pattern LINE = Pattern.compile("^[0-9.]+ \\[\\d+ ([^\\]]+)\\] (.*)$");

        private final Socket socket;
        private final List<String[]> commands = new CopyOnWriteArrayList<>();

        private RedisMonitor(Socket socket) {
            this.socket = socket;
        }

        static RedisMonitor open(String redisUri) throws IOException, InterruptedException {
            URI uri = URI.create(redisUri);
            Socket socket = new Socket(uri.getHost(), uri.getPort());
            RedisMonitor monitor = new RedisMonitor(socket);
            socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader lines = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        started.countDown();
                        Matcher matcher = LINE.matcher(line.startsWith("+") ? line.substring(1) : line);
                        if (matcher.matches()) {
                            monitor.commands.add(new String[] { matcher.group(1), matcher.group(2).toLowerCase(Locale.ROOT) });
                        }
                    }
                } catch (IOException closed) {
                    // The test closed the monitor.
                }
            }, "redis-monitor");
            reader.setDaemon(true);
            reader.start();
            assertTrue(started.await(10, TimeUnit.SECONDS), "MONITOR answered");
            return monitor;
        }

        /**
         * The clients that sent the commands starting with {@code prefix} (in any case: clients spell command names
         * as they like), once at least {@code count} were seen.
         */
        Set<String> clientsSending(int count, String prefix) {
            String lowerCase = prefix.toLowerCase(Locale.ROOT);
            await().atMost(WAIT).until(() -> commands.stream().filter(command -> command[1].startsWith(lowerCase))
                    .count() >= count);
            return commands.stream().filter(command -> command[1].startsWith(lowerCase)).map(command -> command[0])
                    .collect(Collectors.toSet());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private Claim claimNow(ImageKey key, JobReason reason) {
        Claim claim = store.claim(key, token(), serverMillis() + 1, reason).await().atMost(WAIT);
        assertEquals(ClaimOutcome.CLAIMED, claim.outcome(), claim.detail());
        return claim;
    }

    private static FetchedImage fetched(byte[] body, Optional<String> etag) {
        return FetchedImage.of(body, "image/png", etag, Optional.empty(), Duration.ofMillis(42));
    }

    private static byte[] everyByteValue(int length) {
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            body[i] = (byte) i;
        }
        return body;
    }

    private static ImageKey uniqueKey(String name) {
        return ImageKey.of("tests/" + name + "-" + UUID.randomUUID() + ".png");
    }

    private static String token() {
        return UUID.randomUUID().toString();
    }

    private int partition(ImageKey key) {
        return partitioner.partitionOf(key);
    }

    private String image(ImageKey key) {
        return RedisKeys.image(partition(key), key);
    }

    private String marker(ImageKey key) {
        return RedisKeys.marker(partition(key), key);
    }

    /** When the schedule says the scheduler must next look at the image, epoch ms. */
    private long scheduled(ImageKey key) {
        return (long) Double.parseDouble(redis.execute("ZSCORE", RedisKeys.schedule(partition(key)), key.value())
                .toString());
    }

    /** A counter of the statistics hash of the key's partition; 0 when never counted. */
    private long counter(ImageKey key, String name) {
        Response value = redis.execute("HGET", RedisKeys.stats(partition(key)), name);
        return value == null ? 0 : value.toLong();
    }

    /** A value of the key's image hash: its body, or one packed in its meta field; null when absent. */
    private String hashField(ImageKey key, String field) {
        if (field.equals("body")) {
            Response value = redis.execute("HGET", image(key), field);
            return value == null ? null : value.toString();
        }
        return StoredImages.metaField(redis, image(key), field);
    }

    /** Writes {@code value} in place of the meta value {@code field} of the key's image, as a hand edit would. */
    /** What a hard purge of the one key did. */
    private PurgeOutcome purged(ImageKey key) {
        return store.purge(List.of(key), false).await().atMost(WAIT).keys().get(0).outcome();
    }

    private void mangleMeta(ImageKey key, String field, String value) {
        List<String> meta = new ArrayList<>(List.of(redis.execute("HGET", image(key), "meta").toString()
                .split("\n", -1)));
        meta.set(ImageLayout.META_FIELDS.indexOf(field), value);
        redis.hash(String.class).hset(image(key), "meta", String.join("\n", meta));
    }

    private long serverMillis() {
        return RedisClock.millis(redis);
    }

    private void assertTtlNear(Duration expected, String redisKey) {
        long ttl = redis.execute("PTTL", redisKey).toLong();
        assertTrue(ttl <= expected.toMillis() && ttl > expected.toMillis() - TTL_TOLERANCE_MS,
                redisKey + " has PTTL " + ttl + ", expected about " + expected.toMillis());
    }

    private Map<String, String> jobEntry(ImageKey key, String jobId) {
        Response entries = redis.execute("XRANGE", RedisKeys.jobs(partition(key)), jobId, jobId);
        assertEquals(1, entries.size(), "job " + jobId + " is in the stream");
        return fields(entries.get(0).get(1));
    }

    /** The entries of the key's job stream that name this key (the stream is shared by its partition). */
    private List<Map<String, String>> jobsFor(ImageKey key) {
        return entriesFor(RedisKeys.jobs(partition(key)), key);
    }

    /** The entries of a stream that name this key. */
    private List<Map<String, String>> entriesFor(String stream, ImageKey key) {
        List<Map<String, String>> jobs = new ArrayList<>();
        for (Response entry : redis.execute("XRANGE", stream, "-", "+")) {
            Map<String, String> fields = fields(entry.get(1));
            if (key.value().equals(fields.get("key"))) {
                jobs.add(fields);
            }
        }
        return jobs;
    }

    private static Map<String, String> fields(Response flat) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
            fields.put(flat.get(i).toString(), flat.get(i + 1).toString());
        }
        return fields;
    }

    /** Calls per command from INFO commandstats, plus "total" from INFO stats. */
    /** Whether Redis executed nothing but this test's own INFO over 200 ms. */
    private boolean redisIsQuiet() throws InterruptedException {
        Map<String, Long> before = commandCalls();
        Thread.sleep(200);
        return deltas(before, commandCalls()).equals(Map.of("info", 1L, "total", 1L));
    }

    private Map<String, Long> commandCalls() {
        Map<String, Long> calls = new HashMap<>();
        for (String line : redis.execute("INFO", "all").toString().split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String stats = line.substring(line.indexOf(':') + 1);
                calls.put(name, Long.parseLong(stats.substring("calls=".length(), stats.indexOf(','))));
            } else if (line.startsWith("total_commands_processed:")) {
                calls.put("total", Long.parseLong(line.substring(line.indexOf(':') + 1).trim()));
            }
        }
        return calls;
    }

    private static Map<String, Long> deltas(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> changed = new HashMap<>();
        after.forEach((command, calls) -> {
            if (calls != before.getOrDefault(command, 0L).longValue()) {
                changed.put(command, calls - before.getOrDefault(command, 0L));
            }
        });
        return changed;
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
