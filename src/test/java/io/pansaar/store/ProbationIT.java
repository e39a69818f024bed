package io.pansaar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.ops.PartitionInspector;
import io.pansaar.ops.PartitionState;
import io.pansaar.redis.FunctionCalls;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.EvictReply;
import io.pansaar.redis.function.JobReason;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.redis.function.RepairReply;
import io.pansaar.redis.function.WriteOutcome;
import io.pansaar.testing.PartitionCounters;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.worker.WritePlanner;
import io.quarkus.arc.Arc;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

/**
 * The probationary stage against a real Redis ({@code pansaar.priority.probation-share}): where a new image waits, how
 * it leaves (to main when requested there, evicted otherwise), and that every way an image leaves the index takes its
 * bytes off the stage's count. The order in which a whole trace leaves is EvictionParityIT's; these are the cases a
 * trace does not reach. Each test fills a partition of its own.
 */
@QuarkusTest
@TestProfile(ProbationIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class ProbationIT {

    private static final int PARTITIONS = 12;
    /** Each partition's share of the budget: seven images of BODY_BYTES and their overhead. */
    private static final long SHARE = 40_000;
    private static final int BODY_BYTES = 4_000;
    /** Small enough for eighteen images to fit a partition's share. */
    private static final int SMALL_BODY_BYTES = 100;
    /** The stage's share: two images of BODY_BYTES and their overhead, not three. */
    private static final double PROBATION_SHARE = 0.3;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A budget of SHARE per partition with a stage of PROBATION_SHARE of it, no scheduler and no stream consumer. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pansaar.partitions", String.valueOf(PARTITIONS),
                    "pansaar.memory-budget", String.valueOf(PARTITIONS * SHARE),
                    "pansaar.priority.probation-share", String.valueOf(PROBATION_SHARE),
                    // No image may exceed a partition's share: start-up refuses such a budget.
                    "pansaar.origin.max-bytes", "16K",
                    "mp.messaging.incoming.regeneration-jobs.enabled", "false",
                    "pansaar.metrics.refresh-interval", "1h");
        }
    }

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    Partitioner partitioner;

    @Inject
    RedisDataSource redis;

    @Inject
    PartitionInspector inspector;

    @Inject
    EarlyRefresh earlyRefresh;

    @Inject
    AccessPriority priority;

    @Test
    void aNewImageWaitsOnProbationAndARewriteKeepsItsPlaceWhileItsBytesFollowItsSize() {
        int partition = 1;
        ImageKey key = keysIn(partition, 1).get(0);
        long before = System.currentTimeMillis();
        writeMiss(key, BODY_BYTES);

        double rank = rankOf(partition, key);
        assertTrue(rank >= ImageLayout.PROBATION_RANKS_FROM, "ranked on probation: " + rank);
        long admittedAt = (long) (rank - ImageLayout.PROBATION_RANKS_FROM);
        assertTrue(admittedAt >= before && admittedAt <= System.currentTimeMillis(), "ranked by its admission time");
        assertEquals(ImageLayout.chargedBytes(key, BODY_BYTES), probationBytes(partition));
        assertEquals(StoredImages.usedBytes(redis, partition), probationBytes(partition));

        // A manual regeneration rewrites it larger: it keeps its place, and the stage counts its new size.
        StoredImages.write(store, key, 2 * BODY_BYTES, HOUR);
        assertEquals(rank, rankOf(partition, key));
        assertEquals(ImageLayout.chargedBytes(key, 2 * BODY_BYTES), probationBytes(partition));
    }

    @Test
    void overTheBudgetTheStagesOldestLeavesToMainWhenRequestedAndIsEvictedOtherwise() {
        int partition = 2;
        List<ImageKey> keys = keysIn(partition, 8);
        ImageKey requested = keys.get(0);
        ImageKey unrequested = keys.get(1);
        // Seven fit the budget, all on probation (main holds none, so the stage may hold more than its share).
        for (ImageKey key : keys.subList(0, 7)) {
            writeMiss(key, BODY_BYTES);
        }
        assertEquals(0, PartitionCounters.of(redis, partition, "evicted"));
        // The first is read once: the hit waits in the counter, which is enough to count as a request.
        assertEquals(ReadOutcome.HIT, store.read(requested).await().atMost(WAIT).outcome());

        // The eighth takes the partition over: the oldest leaves the stage first, to main, and the next is evicted.
        writeMiss(keys.get(7), BODY_BYTES);

        assertEquals(List.of("evicted " + unrequested.value()), evictedEvents(partition));
        assertTrue(rankOf(partition, requested) < ImageLayout.PROBATION_RANKS_FROM, "the requested image is in main");
        assertTrue(StoredImages.usedBytes(redis, partition) <= SHARE);
        assertEquals(StoredImages.usedBytes(redis, partition) - ImageLayout.chargedBytes(requested, BODY_BYTES),
                probationBytes(partition), "the stage counts every image but the one in main");
        // Main's hot keys hold the image in main alone, not the six on probation ranked above every rank in ms; the
        // status counts those apart.
        PartitionState state = inspector.inspect(partition).await().atMost(WAIT);
        assertEquals(List.of(requested.value()), state.hotKeys().stream().map(PartitionState.HotKey::key).toList());
        assertEquals(new PartitionState.Memory(StoredImages.usedBytes(redis, partition), 7, null, 6,
                probationBytes(partition)), state.memory());
    }

    @Test
    void anImageEvictedFromTheStageAndFetchedAgainIsRememberedAndEntersMainAtOnce() {
        int partition = 3;
        List<ImageKey> keys = keysIn(partition, 9);
        for (ImageKey key : keys.subList(0, 8)) {
            writeMiss(key, BODY_BYTES);
        }
        ImageKey evicted = keys.get(0);
        assertEquals(List.of("evicted " + evicted.value()), evictedEvents(partition));

        writeMiss(evicted, BODY_BYTES);

        assertTrue(rankOf(partition, evicted) < ImageLayout.PROBATION_RANKS_FROM, "its history remembers it");
    }

    @Test
    void aPurgeANegativeAnswerAndAnExpiryEachTakeTheirImageOffTheStagesCount() throws InterruptedException {
        int partition = 4;
        List<ImageKey> keys = keysIn(partition, 4);
        for (ImageKey key : keys.subList(0, 3)) {
            writeMiss(key, BODY_BYTES);
        }
        store.purge(List.of(keys.get(0)), false).await().atMost(WAIT);
        assertEquals(charged(keys.subList(1, 3)), probationBytes(partition));

        // A manual regeneration finds the image gone at its origin.
        Claim claim = store.claim(keys.get(1), UUID.randomUUID().toString(), System.currentTimeMillis(), JobReason.MANUAL)
                .await().atMost(WAIT);
        assertEquals(WriteOutcome.WRITTEN, store.putNegative(keys.get(1), claim, 404, HOUR).await().atMost(WAIT));
        assertEquals(charged(keys.subList(2, 3)), probationBytes(partition));

        // A copy whose hash expires (fresh for 50 ms, no grace) is swept by the scheduler's call.
        ImageKey expiring = keys.get(3);
        StoredImages.write(store, expiring, BODY_BYTES, Duration.ofMillis(50));
        assertEquals(charged(keys.subList(2, 4)), probationBytes(partition));
        Thread.sleep(200);
        EvictReply swept = asLeaseHolder(partition, holder -> functions.evict(partition, holder, Optional.of(SHARE), 16));
        assertEquals(1, swept.swept());
        assertEquals(charged(keys.subList(2, 3)), probationBytes(partition));
        assertEquals(StoredImages.usedBytes(redis, partition), probationBytes(partition));
    }

    @Test
    void turnedOffTheStageEmptiesFirstAsEvictionNeedsRoom() {
        int partition = 5;
        List<ImageKey> keys = keysIn(partition, 7);
        // Two images wait on probation; then, written by a deployment without the stage, five enter main at once.
        for (ImageKey key : keys.subList(0, 2)) {
            writeMiss(key, BODY_BYTES);
        }
        for (ImageKey key : keys.subList(2, 7)) {
            writeMiss(key, BODY_BYTES, plannerWithoutStage());
            assertTrue(rankOf(partition, key) < ImageLayout.PROBATION_RANKS_FROM, key + " entered main");
        }

        // A scheduler without the stage, over a budget two images smaller, takes the two off probation first: both
        // unrequested, both evicted, though main's lowest ranks lie far below theirs.
        long budget = StoredImages.usedBytes(redis, partition) - charged(keys.subList(0, 2)) + 1;
        PansaarFunctions withoutStageFunctions = new PansaarFunctions(functionCalls(), 1_000);
        EvictReply evicted = asLeaseHolder(partition,
                holder -> withoutStageFunctions.evict(partition, holder, Optional.of(budget), 16));

        assertEquals(2, evicted.evicted());
        assertEquals(List.of("evicted " + keys.get(0).value(), "evicted " + keys.get(1).value()),
                evictedEvents(partition));
        assertEquals(0, probationBytes(partition));
    }

    @Test
    void aStagesCountMangledByHandFailsNoWriteAndStartsOverWhenTheStageEmpties() {
        int partition = 6;
        List<ImageKey> keys = keysIn(partition, 9);
        redis.value(String.class).set(RedisKeys.probationBytes(partition), "abc");
        // Read as 0 and left as it is (for the scheduler's repair to see, see below), the count makes the stage seem
        // within its share: the writes and their evictions go on all the same.
        for (ImageKey key : keys) {
            writeMiss(key, BODY_BYTES);
        }
        assertTrue(StoredImages.usedBytes(redis, partition) <= SHARE);
        assertFalse(evictedEvents(partition).isEmpty());

        // Emptied of every image, the stage's count is 0 again, whatever it drifted to.
        redis.value(String.class).set(RedisKeys.probationBytes(partition), "123456");
        EvictReply emptied = asLeaseHolder(partition, holder -> functions.evict(partition, holder, Optional.of(0L), 16));
        assertEquals(0, emptied.images());
        assertEquals(0, probationBytes(partition));
    }

    @Test
    void aTunedShareStoredForThePartitionIsTheOneItsWritesCountWith() {
        // Tuning is on (a budget, the default half-life), so writes read the tuning hash: a stage of the tuned 40% of
        // the budget holds three images where the configured 30% holds two.
        assertEquals(List.of("evicted " + keysIn(8, 9).get(5).value(), "evicted " + keysIn(8, 9).get(6).value()),
                evictionsOfTheStageFilledToThreeImages(8, Optional.empty()), "the configured share: the stage gives");
        List<String> evicted = evictionsOfTheStageFilledToThreeImages(9, Optional.of(0.4));
        assertEquals(2, evicted.size());
        assertTrue(keysIn(9, 9).subList(0, 5).stream().anyMatch(key -> evicted.get(1).equals("evicted " + key.value())),
                "the tuned share: main gives its lowest, " + evicted);
    }

    /**
     * Fills the partition so that its ninth write leaves three images on probation and the partition over its budget
     * by about one, with a tuned share stored before that write when given; returns the evictions, in order.
     */
    private List<String> evictionsOfTheStageFilledToThreeImages(int partition, Optional<Double> tunedShare) {
        List<ImageKey> keys = keysIn(partition, 9);
        for (ImageKey key : keys.subList(0, 7)) {
            writeMiss(key, BODY_BYTES);
        }
        // Five are read once: when the eighth write takes the partition over its budget, the stage (main holding
        // nothing) gives up its oldest, the five to main and the sixth, unread, out; two stay on probation.
        for (ImageKey key : keys.subList(0, 5)) {
            assertEquals(ReadOutcome.HIT, store.read(key).await().atMost(WAIT).outcome());
        }
        writeMiss(keys.get(7), BODY_BYTES);
        assertEquals(List.of("evicted " + keys.get(5).value()), evictedEvents(partition));
        tunedShare.ifPresent(share -> asLeaseHolder(partition, holder -> functions.tune(partition, holder,
                priority.halfLifeMillis(), priority.newcomerPenalty(), share)));

        writeMiss(keys.get(8), BODY_BYTES);
        return evictedEvents(partition);
    }

    @Test
    void aStageCountLostOrMangledIsRebuiltByTheRepairWithTheWritesMadeDuringItsPass() {
        int partition = 0;
        List<ImageKey> keys = keysIn(partition, 5);
        for (ImageKey key : keys.subList(0, 3)) {
            writeMiss(key, BODY_BYTES);
        }
        // Lost (an allkeys-* policy, a hand's DEL) while three images are on probation: a write leaves it missing
        // rather than restart it from its own bytes.
        redis.key().del(RedisKeys.probationBytes(partition));
        writeMiss(keys.get(3), BODY_BYTES);
        assertEquals(null, redis.value(String.class).get(RedisKeys.probationBytes(partition)));

        RepairReply started = asLeaseHolder(partition, holder -> functions.repair(partition, holder, 2));
        assertEquals(RepairReply.Outcome.REPAIRING, started.outcome());
        assertEquals(Optional.of("the probation-bytes counter is missing while images are on probation"),
                started.damage());
        // A write in the middle of the pass is counted by the pass's count, not lost when it ends.
        writeMiss(keys.get(4), BODY_BYTES);
        repairUntilRepaired(partition);
        assertEquals(charged(keys), probationBytes(partition));
        assertEquals(StoredImages.usedBytes(redis, partition), probationBytes(partition));

        redis.value(String.class).set(RedisKeys.probationBytes(partition), "abc");
        RepairReply mangled = asLeaseHolder(partition, holder -> functions.repair(partition, holder, 100));
        assertEquals(RepairReply.Outcome.REPAIRED, mangled.outcome());
        assertEquals(Optional.of("the probation-bytes counter holds \"abc\", not a byte count"), mangled.damage());
        assertEquals(charged(keys), probationBytes(partition));
    }

    @Test
    void theStagesMostRequestedAreAmongTheHotKeysUntilTheyLeaveIt() {
        int partition = 11;
        // Eighteen small images, all on probation under a budget they do not fill; the older, the more often read. And
        // one in main, never read, for eviction to take.
        List<ImageKey> keys = keysIn(partition, 19);
        ImageKey unread = keys.get(18);
        keys = keys.subList(0, 18);
        writeMiss(unread, SMALL_BODY_BYTES, plannerWithoutStage());
        for (ImageKey key : keys) {
            writeMiss(key, SMALL_BODY_BYTES);
        }
        for (int position = 0; position < keys.size(); position++) {
            for (int read = position; read < keys.size(); read++) {
                assertEquals(ReadOutcome.HIT, store.read(keys.get(position)).await().atMost(WAIT).outcome());
            }
        }
        assertEquals(List.of(unread.value()), hotKeysOf(partition), "main's alone: no request recorded yet");
        foldAllHits(partition);

        // The five most read, most first, ranked as their scores would rank them in main; the list kept holds 16.
        List<String> mostRead = keys.subList(0, 5).stream().map(ImageKey::value).toList();
        assertEquals(mostRead, hotKeysOf(partition));
        PartitionState.HotKey hottest = inspector.inspect(partition).await().atMost(WAIT).hotKeys().get(0);
        Map<String, String> meta = StoredImages.meta(redis, RedisKeys.image(partition, keys.get(0)));
        assertEquals(priority.halfLifeMillis() * Double.parseDouble(meta.get("access-score")), hottest.priority(), 1,
                "the rank its score earns");
        assertEquals(16, redis.sortedSet(String.class).zcard(RedisKeys.probationHotKeys(partition)));

        // A stage turned off gives up its oldest first as room is needed: requested, it joins main, and main's lowest
        // leaves. Listed once, by its rank in main.
        long budget = StoredImages.usedBytes(redis, partition) - 1;
        PansaarFunctions withoutStageFunctions = new PansaarFunctions(functionCalls(), 1_000);
        asLeaseHolder(partition, holder -> withoutStageFunctions.evict(partition, holder, Optional.of(budget), 1));
        assertEquals(List.of("evicted " + unread.value()), evictedEvents(partition));
        assertTrue(rankOf(partition, keys.get(0)) < ImageLayout.PROBATION_RANKS_FROM, "in main");
        assertEquals(mostRead, hotKeysOf(partition));
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.probationHotKeys(partition), mostRead.get(0)).isEmpty());

        // One purged leaves the list; the rest leave it with the stage.
        assertEquals(1, store.purge(List.of(keys.get(1)), false).await().atMost(WAIT).purged());
        assertEquals(List.of(mostRead.get(0), mostRead.get(2), mostRead.get(3), mostRead.get(4)),
                hotKeysOf(partition).subList(0, 4));
        store.purge(keys, false).await().atMost(WAIT);
        assertEquals(List.of(), hotKeysOf(partition));
        assertFalse(redis.key().exists(RedisKeys.probationHotKeys(partition)), "emptied with the stage");
    }

    /** Folds the partition's waiting hits, and the arrivals drained first within each call's limit, until none wait. */
    private void foldAllHits(int partition) {
        while (functions.foldHits(partition, PansaarFunctions.MAX_IMAGES_PER_CALL).await().atMost(WAIT).waiting() > 0) {
            // Another call folds what this one's limit left.
        }
    }

    private List<String> hotKeysOf(int partition) {
        return inspector.inspect(partition).await().atMost(WAIT).hotKeys().stream().map(PartitionState.HotKey::key)
                .toList();
    }

    @Test
    void anImageLeavingTheStageForMainBelowTheRepairsCursorIsCountedAsItMoves() {
        int partition = 10;
        List<ImageKey> keys = keysIn(partition, 5);
        ImageKey hot = keys.get(0);
        ImageKey requested = keys.get(1);
        List<ImageKey> writtenDuringThePass = keys.subList(2, 5);
        // A hot image in main, ranked hours ahead by ten requests folded, and a new image read once on probation.
        writeMiss(hot, BODY_BYTES, plannerWithoutStage());
        for (int read = 0; read < 10; read++) {
            assertEquals(ReadOutcome.HIT, store.read(hot).await().atMost(WAIT).outcome());
        }
        foldAllHits(partition);
        writeMiss(requested, BODY_BYTES);
        assertEquals(ReadOutcome.HIT, store.read(requested).await().atMost(WAIT).outcome());

        // The used bytes lost: a pass starts, and its first call walks the hot image alone, leaving the cursor at a
        // rank above the one the requested image will take in main.
        redis.key().del(RedisKeys.usedBytes(partition));
        RepairReply started = asLeaseHolder(partition, holder -> functions.repair(partition, holder, 1));
        assertEquals(RepairReply.Outcome.REPAIRING, started.outcome());
        // Three new images during the pass, counted by it, fill the stage past its share of a budget just below the
        // count: the stage's oldest, the requested image, leaves it for main, below the cursor, where the walk will
        // not meet it; the next, unread, is evicted.
        for (ImageKey key : writtenDuringThePass) {
            writeMiss(key, BODY_BYTES);
        }
        long countedSoFar = Long.parseLong(redis.hash(String.class).hget(RedisKeys.repairState(partition), "bytes"));
        EvictReply evicted = asLeaseHolder(partition,
                holder -> functions.evict(partition, holder, Optional.of(countedSoFar - 1), 16));
        assertEquals(1, evicted.evicted());
        assertEquals(List.of("evicted " + writtenDuringThePass.get(0).value()), evictedEvents(partition));
        assertTrue(rankOf(partition, requested) < rankOf(partition, hot), "in main, below the repair's cursor");

        repairUntilRepaired(partition);
        List<ImageKey> held = List.of(hot, requested, writtenDuringThePass.get(1), writtenDuringThePass.get(2));
        assertEquals(charged(held), StoredImages.usedBytes(redis, partition), "every image held counted once");
        assertEquals(charged(writtenDuringThePass.subList(1, 3)), probationBytes(partition),
                "the stage counts the two still on it");
    }

    private void repairUntilRepaired(int partition) {
        for (int call = 0; call < 100; call++) {
            RepairReply reply = asLeaseHolder(partition, holder -> functions.repair(partition, holder, 2));
            if (reply.outcome() == RepairReply.Outcome.REPAIRED) {
                return;
            }
            assertEquals(RepairReply.Outcome.REPAIRING, reply.outcome());
        }
        throw new AssertionError("the repair of partition " + partition + " did not end within 100 calls");
    }

    @Test
    void aProbationShareOutOfRangeIsRefusedByTheFunctions() {
        int partition = 7;
        String holder = "refused-" + UUID.randomUUID();
        assertTrue(functions.acquireLease(partition, holder, 60_000).await().atMost(WAIT));
        try {
            for (String share : List.of("1", "-0.1", "nan", "abc")) {
                Throwable refused = assertThrows(RuntimeException.class,
                        () -> redis.execute("FCALL", evictCall(partition, holder, share)));
                assertTrue(refused.getMessage().contains("PANSAAR_BAD_ARGUMENT probation share"), refused.getMessage());
            }
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }
    }

    /** The arguments of an FCALL of pansaar_evict with this probation share. */
    private static String[] evictCall(int partition, String holder, String share) {
        List<String> keys = RedisKeys.withIndexes(partition, RedisKeys.lease(partition), RedisKeys.stats(partition));
        keys.add(RedisKeys.events(partition));
        List<String> call = new ArrayList<>();
        call.add("pansaar_evict");
        call.add(String.valueOf(keys.size()));
        call.addAll(keys);
        call.addAll(List.of(holder, String.valueOf(SHARE), "16", "0", "", share));
        return call.toArray(String[]::new);
    }

    private static FunctionCalls functionCalls() {
        return Arc.container().instance(FunctionCalls.class).get();
    }

    /** Makes the call as a fresh holder of the partition's lease, released after. */
    private <T> T asLeaseHolder(int partition, Function<String, Uni<T>> call) {
        String holder = "probation-" + UUID.randomUUID();
        assertTrue(functions.acquireLease(partition, holder, 60_000).await().atMost(WAIT));
        try {
            return call.apply(holder).await().atMost(WAIT);
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }
    }

    /** Reads the key (a miss, as nothing is cached) and writes its image as the worker does for the job it enqueued. */
    private void writeMiss(ImageKey key, int bodyBytes) {
        StoredImages.writeMiss(store, key, missJob(partitioner.partitionOf(key), key), TestImages.png(bodyBytes), HOUR);
    }

    /** Plans writes as a deployment without the stage does: a new image enters main at once. */
    private WritePlanner plannerWithoutStage() {
        return new WritePlanner(earlyRefresh, new AccessPriority(priority.halfLifeMillis(), priority.sizeExponent(),
                priority.newcomerPenalty(), 0));
    }

    private void writeMiss(ImageKey key, int bodyBytes, WritePlanner planner) {
        StoredImages.writeMiss(store, key, missJob(partitioner.partitionOf(key), key), TestImages.png(bodyBytes), HOUR,
                planner);
    }

    /** The fields of the job a read of the key, a miss, enqueued. */
    private Map<String, String> missJob(int partition, ImageKey key) {
        return StoredImages.jobOf(redis, partition, key, store.read(key).await().atMost(WAIT));
    }

    private List<String> evictedEvents(int partition) {
        return redis.stream(String.class).xrange(RedisKeys.events(partition), StreamRange.of("-", "+")).stream()
                .filter(event -> "evicted".equals(event.payload().get("event")))
                .map(event -> "evicted " + event.payload().get("key")).toList();
    }

    private double rankOf(int partition, ImageKey key) {
        OptionalDouble rank = redis.sortedSet(String.class).zscore(RedisKeys.priorityIndex(partition), key.value());
        assertTrue(rank.isPresent(), key + " is in the priority index");
        return rank.getAsDouble();
    }

    private long probationBytes(int partition) {
        String bytes = redis.value(String.class).get(RedisKeys.probationBytes(partition));
        assertTrue(bytes == null || bytes.matches("\\d+"), "the stage's count is a byte count: " + bytes);
        return bytes == null ? 0 : Long.parseLong(bytes);
    }

    private static long charged(List<ImageKey> keys) {
        return keys.stream().mapToLong(key -> ImageLayout.chargedBytes(key, BODY_BYTES)).sum();
    }

    private List<ImageKey> keysIn(int partition, int count) {
        return TestKeys.inPartition(partitioner, partition, "probation/p" + partition + "-", count);
    }
}
