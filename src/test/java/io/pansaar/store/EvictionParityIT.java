package io.pansaar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.FoldHitsReply;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.simulator.policy.Freshness;
import io.pansaar.simulator.policy.PansaarPolicy;
import io.pansaar.simulator.policy.PansaarSettings;
import io.pansaar.simulator.trace.Request;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.PartitionCounters;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.worker.WritePlanner;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Production evicts in the same order as the simulator. A small trace (320 Zipf-like requests over 32 images of varied
 * sizes, and 8 one-hit wonders) is replayed through the real read path, the worker's writes and the Redis functions of
 * one partition over its byte budget, and the simulator's {@code pansaar} policy replays the same requests at the times
 * production dated them (Redis server time, a clock unit being a millisecond), with the same half-life and size
 * exponent, charging the same bytes (body, per-image overhead and five copies of the key) against the same budget. The
 * two sequences of evicted images must be equal, with every hit folded at once (the simulator's {@code --fold-interval
 * 0}), with hits left waiting until eviction folds them (an interval no replay reaches) and with the scheduler's fold
 * every ten requests, which the simulator replays at production's fold times. Two hand-made cases add a
 * write whose every candidate has hits waiting, and two workers whose writes come in another order than their claims.
 * Two cases rank by requests per byte: with a size exponent of 1 and of 0.5 the writes' size terms are those a
 * deployment with that {@code pansaar.priority.size-exponent} computes, and the simulator runs with the same exponent.
 * One case spreads three traces over three partitions, their requests interleaved: each partition evicts against its
 * share alone, so each must evict as a simulator of one share replaying that partition's requests does. Every case
 * dates a new image's first request back by the default newcomer penalty, in production when the partition neither
 * holds nor remembers the image (its departed images), in the simulator when its ghost does not, but two: one without
 * the penalty and one with a larger one. Two change the half-life in the middle of the trace, as an operator or a tuner
 * would: production writes and folds with the new one from there on, each image's score moving to it at its next
 * update, and the simulator's {@link PansaarPolicy#halfLife} moves every score at once.
 * Nothing expires: copies are fresh for an hour, and no early refresh falls due.
 */
@QuarkusTest
@TestProfile(EvictionParityIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class EvictionParityIT {

    /** A partition for each test, three for the one spread over several: none depends on what another wrote. */
    private static final int PARTITIONS = 19;
    /** Each partition's share of the budget, in charged bytes: about nine of the trace's images. */
    private static final long SHARE = 60_000;
    /** The simulator's default half-life of 10000 clock units, a clock unit being a millisecond. */
    private static final Duration HALF_LIFE = Duration.ofMillis(10_000);
    /** The newcomer penalty both default to, in half-lives. */
    private static final double PENALTY = PansaarSettings.DEFAULT.newcomerPenalty();
    /** The probationary stage's share of the budget in the cases with one: about two of the trace's images. */
    private static final double PROBATION_SHARE = 0.25;
    /** The stage's share a deployment starts from, which its tuner moves: about one image of the trace. */
    private static final double DEFAULT_PROBATION_SHARE = 0.1;
    private static final Duration FRESH_TTL = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The most images one fold call folds: more than ever wait in these tests. */
    private static final int FOLD_LIMIT = 16;

    private static final long TRACE_SEED = 20_261_204L;
    private static final int REQUESTS = 320;
    private static final int POPULAR_IMAGES = 32;
    private static final int ONE_HIT_WONDERS = 8;
    private static final double ZIPF_ALPHA = 0.9;
    private static final int SMALLEST_BODY = 1_000;
    private static final int LARGEST_BODY = 11_000;

    /**
     * A budget of SHARE per partition, the simulator's half-life and size exponent (the cases of another exponent or
     * penalty plan their writes with it, see assertSameEvictions), no stream consumer, no scheduler.
     */
    public static class Profile extends NoConsumerProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("pansaar.partitions", String.valueOf(PARTITIONS));
            overrides.put("pansaar.memory-budget", String.valueOf(PARTITIONS * SHARE));
            overrides.put("pansaar.priority.half-life", HALF_LIFE.toMillis() + "ms");
            overrides.put("pansaar.priority.size-exponent", "0");
            // No image may exceed a partition's share: start-up refuses such a budget.
            overrides.put("pansaar.origin.max-bytes", "16K");
            return overrides;
        }
    }

    /** How production counts the hits of fresh copies, and how the simulator is told to count them alike. */
    private enum Counting {
        /** The scheduler's fold runs after every hit; the simulator counts every request at once. */
        EVERY_HIT_FOLDED_AT_ONCE(0, 0),
        /**
         * No fold runs: hits wait in the counter until eviction folds a candidate's; the simulator's folds never fall
         * due either, so eviction alone folds there too.
         */
        FOLDED_BY_EVICTION_ALONE(Long.MAX_VALUE, 0),
        /**
         * The scheduler's fold runs after every tenth request, as a tick falls between requests, and folds whatever
         * waits; the simulator folds at the same points, dated as production's fold was.
         */
        FOLDED_EVERY_TEN_REQUESTS(Long.MAX_VALUE, 10);

        final long simulatorFoldInterval;
        /** After how many requests production's scheduler folds, 0: never on its own. */
        final int foldEveryRequests;

        Counting(long simulatorFoldInterval, int foldEveryRequests) {
            this.simulatorFoldInterval = simulatorFoldInterval;
            this.foldEveryRequests = foldEveryRequests;
        }
    }

    /** One request of the trace: which image of which partition, and its body's size. */
    private record TraceRequest(int partition, int image, int bodyBytes) {
    }

    /**
     * What production did with one partition's requests: each request as the simulator must replay it, the evicted
     * keys, and the time of each fold the scheduler ran, by the number of the partition's requests before it.
     */
    private record Replay(List<Request> requests, List<String> evicted, long hits, Map<Integer, Long> folds,
            int settingsChangedAt) {
    }

    /**
     * A change of settings in the middle of a replay, as an operator's or a tuner's: from the trace's request {@code
     * atRequest} on, production writes and folds with {@code halfLife} and writes with a probationary stage of {@code
     * probationShare} of the budget (NaN: the share stays), and the simulator counts and evicts with them.
     */
    private record SettingsChange(int atRequest, Duration halfLife, double probationShare) {
        static final SettingsChange NONE = ofHalfLife(Integer.MAX_VALUE, HALF_LIFE);

        static SettingsChange ofHalfLife(int atRequest, Duration halfLife) {
            return new SettingsChange(atRequest, halfLife, Double.NaN);
        }

        static SettingsChange ofProbationShare(int atRequest, double probationShare) {
            return new SettingsChange(atRequest, HALF_LIFE, probationShare);
        }

        /** The stage's share after the change, that of before when it changes only the half-life. */
        double probationShareAfter(double before) {
            return Double.isNaN(probationShare) ? before : probationShare;
        }
    }

    /** A partition's replay as it goes: what {@link Replay} returns, and what is needed to date its next requests. */
    private static final class PartitionReplay {
        final List<Request> requests = new ArrayList<>();
        final List<String> evicted = new ArrayList<>();
        final Map<Integer, Long> folds = new HashMap<>();
        /** The images whose hits wait in the partition's counter. */
        final Set<ImageKey> waiting = new HashSet<>();
        /** The id of the last event of the partition's stream read. */
        String lastEvent = "0-0";
        long lastTime;
        long hits;
        /** How many of the partition's requests came before the settings changed; -1: they never did. */
        int settingsChangedAt = -1;

        Replay done() {
            return new Replay(requests, evicted, hits, folds, settingsChangedAt);
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
    EarlyRefresh earlyRefresh;

    @Test
    void everyHitFoldedAtOnceEvictsInTheSimulatorsOrder() {
        assertSameEvictions(Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY, trace(0, TRACE_SEED), 50);
    }

    @Test
    void hitsFoldedByEvictionAloneEvictInTheSimulatorsOrder() {
        assertSameEvictions(Counting.FOLDED_BY_EVICTION_ALONE, 0, PENALTY, trace(1, TRACE_SEED), 50);
        assertTrue(PartitionCounters.of(redis, 1, "hits") > 0, "eviction folded waiting hits");
    }

    @Test
    void hitsFoldedOnTheSchedulersTicksEvictInTheSimulatorsOrder() {
        assertSameEvictions(Counting.FOLDED_EVERY_TEN_REQUESTS, 0, PENALTY, trace(4, TRACE_SEED + 1), 50);
    }

    @Test
    void rankingByRequestsPerByteEvictsInTheSimulatorsOrder() {
        assertSameEvictions(Counting.EVERY_HIT_FOLDED_AT_ONCE, 1, PENALTY, trace(5, TRACE_SEED), 50);
    }

    @Test
    void rankingByRequestsPerSquareRootOfBytesWithHitsFoldedByEvictionEvictsInTheSimulatorsOrder() {
        // A trace on which a size term of the body alone, rather than of the charged bytes, changed the evictions.
        assertSameEvictions(Counting.FOLDED_BY_EVICTION_ALONE, 0.5, PENALTY, trace(6, TRACE_SEED + 7), 50);
        assertTrue(PartitionCounters.of(redis, 6, "hits") > 0, "eviction folded waiting hits");
    }

    @Test
    void withoutTheNewcomerPenaltyEvictsInTheSimulatorsOrder() {
        int partition = 10;
        Replay replay = assertSameEvictions(Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, 0, trace(partition, TRACE_SEED), 50)
                .get(partition);
        // The penalty changes which images leave on this trace, so this case and the others tell production with and
        // without it apart.
        assertNotEquals(simulate(partition, replay, Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, 0).evicted(),
                simulate(partition, replay, Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY).evicted(),
                "the default penalty evicts otherwise than none");
    }

    @Test
    void aLargerNewcomerPenaltyWithHitsFoldedOnTheSchedulersTicksEvictsInTheSimulatorsOrder() {
        assertSameEvictions(Counting.FOLDED_EVERY_TEN_REQUESTS, 0, 3.5, trace(11, TRACE_SEED + 2), 50);
    }

    @Test
    void aHalfLifeShortenedMidTraceEvictsInTheSimulatorsOrder() {
        int partition = 12;
        // 10 ms from the middle of the trace on, where requests come a few ms apart: an image's count then decays
        // between its requests, and the ranking, nearly by count before, goes nearly by recency, which the simulator
        // must follow.
        SettingsChange change = SettingsChange.ofHalfLife(REQUESTS / 2, HALF_LIFE.dividedBy(1000));
        Replay replay = assertSameEvictions(Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY, trace(partition, TRACE_SEED),
                50, change).get(partition);
        assertNotEquals(simulate(partition, replay, Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY,
                SettingsChange.NONE).evicted(), replay.evicted(), "the shorter half-life evicts otherwise");
        // Every image the second half folded or wrote counts with the new half-life; the others keep theirs.
        assertTrue(keysOf(partition).stream().map(key -> metaField(partition, key, "half-life"))
                .anyMatch(String.valueOf(change.halfLife().toMillis())::equals), "some image moved to the new half-life");
    }

    @Test
    void aHalfLifeLengthenedMidTraceWithHitsFoldedOnTheSchedulersTicksEvictsInTheSimulatorsOrder() {
        // The images held when it changes keep the moment they go cold, and rank among the new ones by it.
        assertSameEvictions(Counting.FOLDED_EVERY_TEN_REQUESTS, 0, PENALTY, trace(13, TRACE_SEED + 9), 50,
                SettingsChange.ofHalfLife(REQUESTS / 3, HALF_LIFE.multipliedBy(8)));
    }

    @Test
    void threePartitionsEachEvictAgainstTheirShareAsASimulatorOfOneShareDoes() {
        // Each partition takes a trace of its own, so that each goes over its share as the one-partition cases do, and
        // the requests alternate between them, so that every write in one partition falls between the others'.
        List<List<TraceRequest>> traces = List.of(trace(7, TRACE_SEED + 3), trace(8, TRACE_SEED + 4),
                trace(9, TRACE_SEED + 5));
        List<TraceRequest> interleaved = new ArrayList<>();
        for (int position = 0; position < REQUESTS; position++) {
            for (List<TraceRequest> trace : traces) {
                interleaved.add(trace.get(position));
            }
        }
        assertSameEvictions(Counting.FOLDED_EVERY_TEN_REQUESTS, 0, PENALTY, interleaved, 50);
    }

    @Test
    void aProbationaryStageWithEveryHitFoldedAtOnceEvictsInTheSimulatorsOrder() {
        int partition = 14;
        Replay replay = assertSameEvictions(Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY, PROBATION_SHARE,
                trace(partition, TRACE_SEED), 50, SettingsChange.NONE).get(partition);
        // The stage changes which images leave on this trace, so this case tells production with and without it apart.
        assertNotEquals(simulate(partition, replay, Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY).evicted(),
                replay.evicted(), "the probationary stage evicts otherwise than none");
    }

    @Test
    void aProbationaryStageWithHitsFoldedByEvictionAloneEvictsInTheSimulatorsOrder() {
        // Hits of images on probation wait in the counter when they leave it: they count as requests all the same.
        assertSameEvictions(Counting.FOLDED_BY_EVICTION_ALONE, 0, PENALTY, PROBATION_SHARE,
                trace(15, TRACE_SEED + 1), 50, SettingsChange.NONE);
    }

    @Test
    void aProbationaryStageWithHitsFoldedOnTheSchedulersTicksAndAHalfLifeChangeEvictsInTheSimulatorsOrder() {
        assertSameEvictions(Counting.FOLDED_EVERY_TEN_REQUESTS, 0, PENALTY, PROBATION_SHARE, trace(16, TRACE_SEED + 2),
                50, SettingsChange.ofHalfLife(REQUESTS / 2, HALF_LIFE.dividedBy(4)));
    }

    @Test
    void aProbationaryStageWhoseShareFallsMidTraceEvictsInTheSimulatorsOrder() {
        int partition = 18;
        // As the share's tuner lowers it: from the middle of the trace on, the stage holds more than its new share, and
        // each admission takes its oldest out (to main if read meanwhile) until it fits.
        SettingsChange change = SettingsChange.ofProbationShare(REQUESTS / 2, DEFAULT_PROBATION_SHARE);
        Replay replay = assertSameEvictions(Counting.FOLDED_EVERY_TEN_REQUESTS, 0, PENALTY, PROBATION_SHARE,
                trace(partition, TRACE_SEED + 3), 50, change).get(partition);
        assertNotEquals(simulate(partition, replay, Counting.FOLDED_EVERY_TEN_REQUESTS, 0, PENALTY, PROBATION_SHARE,
                SettingsChange.NONE).evicted(), replay.evicted(), "the smaller share evicts otherwise");
    }

    @Test
    void aProbationaryStageWhoseShareRisesMidTraceEvictsInTheSimulatorsOrder() {
        int partition = 17;
        // As the share's tuner raises it, here to its largest: from a third of the trace on, new images wait longer
        // for their second request.
        SettingsChange change = SettingsChange.ofProbationShare(REQUESTS / 3, 0.4);
        Replay replay = assertSameEvictions(Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY, DEFAULT_PROBATION_SHARE,
                trace(partition, TRACE_SEED + 4), 50, change).get(partition);
        assertNotEquals(simulate(partition, replay, Counting.EVERY_HIT_FOLDED_AT_ONCE, 0, PENALTY,
                DEFAULT_PROBATION_SHARE, SettingsChange.NONE).evicted(), replay.evicted(),
                "the larger share evicts otherwise");
    }

    @Test
    void aWriteWhoseEveryCandidateHasHitsWaitingFoldsThemAndEvictsTheLowest() {
        // Three images fit the share; each is read once, and its hit waits. The fourth write must fold all three and
        // evict the lowest of them then, the first written, rather than leave the partition over its budget.
        List<TraceRequest> trace = new ArrayList<>();
        for (int image : new int[] {0, 1, 2, 0, 1, 2, 3}) {
            trace.add(new TraceRequest(2, image, 15_000));
        }
        assertSameEvictions(Counting.FOLDED_BY_EVICTION_ALONE, 0, PENALTY, trace, 1);
    }

    @Test
    void aFetchThatBeganFirstButWroteLastRanksByItsWrite() throws InterruptedException {
        int partition = 3;
        List<ImageKey> keys = TestKeys.inPartitionInStringOrder(partitioner, partition, "parity/i", 4);
        ImageKey slow = keys.get(0);
        ImageKey fast = keys.get(1);
        byte[] body = TestImages.png(15_000);
        // Two workers claim the first two images in key order; the first one's fetch takes longer, so it writes last.
        Claim slowClaim = StoredImages.claimMiss(store, slow, jobOf(partition, slow, read(slow)));
        Claim fastClaim = StoredImages.claimMiss(store, fast, jobOf(partition, fast, read(fast)));
        StoredImages.putClaimed(store, fast, fastClaim, body, FRESH_TTL);
        // The slow fetch ends a few milliseconds after the fast one's write, so the two writes are not dated alike.
        Thread.sleep(5);
        StoredImages.putClaimed(store, slow, slowClaim, body, FRESH_TTL);
        // Three images fit the share: the fourth evicts the one written first, the fast one, as the simulator does.
        for (ImageKey key : keys.subList(2, 4)) {
            StoredImages.writeMiss(store, key, jobOf(partition, key, read(key)), body, FRESH_TTL);
        }

        // Every request was a miss, so the simulator replays the writes, each dated by its regenerated event.
        PansaarPolicy simulator = new PansaarPolicy(SHARE, Freshness.NONE);
        List<String> simulated = new ArrayList<>();
        simulator.onEviction(image -> simulated.add(keys.get((int) image).value()));
        List<String> evicted = new ArrayList<>();
        for (StreamMessage<String, String, String> event : redis.stream(String.class)
                .xrange(RedisKeys.events(partition), StreamRange.of("-", "+"))) {
            ImageKey key = ImageKey.of(event.payload().get("key"));
            if ("evicted".equals(event.payload().get("event"))) {
                evicted.add(key.value());
            } else if ("regenerated".equals(event.payload().get("event"))) {
                simulator.record(new Request(Long.parseLong(event.payload().get("at")), keys.indexOf(key),
                        ImageLayout.chargedBytes(key, body.length)));
            }
        }
        simulator.finished();
        assertEquals(List.of(fast.value()), evicted);
        assertEquals(evicted, simulated, "eviction order, production then the simulator");
    }

    /**
     * Replays the trace through production and, for each partition it touches, the partition's requests through a
     * simulator of one share, counting hits as {@code counting} says, ranking by requests per size^{@code
     * sizeExponent} and dating a new image's first request {@code newcomerPenalty} half-lives back; each partition
     * must evict at least {@code leastEvictions} images, the same as its simulator. Returns production's replays.
     */
    private Map<Integer, Replay> assertSameEvictions(Counting counting, double sizeExponent, double newcomerPenalty,
            List<TraceRequest> trace, int leastEvictions) {
        return assertSameEvictions(counting, sizeExponent, newcomerPenalty, trace, leastEvictions, SettingsChange.NONE);
    }

    /** {@link #assertSameEvictions(Counting, double, double, List, int)}, the half-life changing as {@code change} says. */
    private Map<Integer, Replay> assertSameEvictions(Counting counting, double sizeExponent, double newcomerPenalty,
            List<TraceRequest> trace, int leastEvictions, SettingsChange change) {
        return assertSameEvictions(counting, sizeExponent, newcomerPenalty, 0, trace, leastEvictions, change);
    }

    /**
     * {@link #assertSameEvictions(Counting, double, double, List, int, SettingsChange)} with a probationary stage of
     * {@code probationShare} of the budget (0: none), production's and the simulator's {@code pansaar-probation}'s.
     */
    private Map<Integer, Replay> assertSameEvictions(Counting counting, double sizeExponent, double newcomerPenalty,
            double probationShare, List<TraceRequest> trace, int leastEvictions, SettingsChange change) {
        // The worker's planner with these settings writes the terms a deployment setting them writes: the Redis
        // functions rank each image by the terms its write sent, and fold with the half-life the scheduler sends.
        WritePlanner before = new WritePlanner(earlyRefresh,
                new AccessPriority(HALF_LIFE.toMillis(), sizeExponent, newcomerPenalty, probationShare));
        WritePlanner after = new WritePlanner(earlyRefresh,
                new AccessPriority(change.halfLife().toMillis(), sizeExponent, newcomerPenalty,
                        change.probationShareAfter(probationShare)));
        Map<Integer, Replay> production = replayInProduction(trace, counting, before, after, change);
        production.forEach((partition, replay) -> {
            Simulated simulated = simulate(partition, replay, counting, sizeExponent, newcomerPenalty, probationShare,
                    change);
            assertTrue(replay.evicted().size() >= leastEvictions, "the budget of partition " + partition
                    + " is small enough that evictions happen: " + replay.evicted().size());
            assertEquals(replay.evicted(), simulated.evicted(),
                    "eviction order of partition " + partition + ", production then the simulator");
            assertEquals(replay.hits(), simulated.hits(), "hits of partition " + partition);
        });
        return production;
    }

    /** What a simulator evicted, in order, and the hits it counted. */
    private record Simulated(List<String> evicted, long hits) {
    }

    /**
     * Replays a partition's requests, as production dated them, through a simulator of one share with these settings,
     * folding its waiting hits where production's scheduler folded.
     */
    private Simulated simulate(int partition, Replay replay, Counting counting, double sizeExponent,
            double newcomerPenalty) {
        return simulate(partition, replay, counting, sizeExponent, newcomerPenalty, SettingsChange.NONE);
    }

    /** {@link #simulate(int, Replay, Counting, double, double)}, changing the half-life where production did. */
    private Simulated simulate(int partition, Replay replay, Counting counting, double sizeExponent,
            double newcomerPenalty, SettingsChange change) {
        return simulate(partition, replay, counting, sizeExponent, newcomerPenalty, 0, change);
    }

    /**
     * {@link #simulate(int, Replay, Counting, double, double, SettingsChange)} with a probationary FIFO of {@code
     * probationShare} of the share (0: none).
     */
    private Simulated simulate(int partition, Replay replay, Counting counting, double sizeExponent,
            double newcomerPenalty, double probationShare, SettingsChange change) {
        PansaarSettings settings = PansaarSettings.DEFAULT.withFoldInterval(counting.simulatorFoldInterval)
                .withHalfLife(HALF_LIFE.toMillis()).withSizeExponent(sizeExponent).withNewcomerPenalty(newcomerPenalty);
        List<ImageKey> keys = keysOf(partition);
        PansaarPolicy simulator = new PansaarPolicy(SHARE, Freshness.NONE, settings, probationShare);
        List<String> evicted = new ArrayList<>();
        simulator.onEviction(image -> evicted.add(keys.get((int) image).value()));
        for (int position = 0; position < replay.requests().size(); position++) {
            if (position == replay.settingsChangedAt()) {
                if (change.halfLife().toMillis() != HALF_LIFE.toMillis()) {
                    simulator.halfLife(change.halfLife().toMillis());
                }
                if (change.probationShareAfter(probationShare) != probationShare) {
                    simulator.probationShare(change.probationShare());
                }
            }
            simulator.record(replay.requests().get(position));
            Long foldTime = replay.folds().get(position + 1);
            if (foldTime != null) {
                simulator.foldWaitingHitsAt(foldTime);
            }
        }
        simulator.finished();
        return new Simulated(evicted, simulator.stats().hits());
    }

    /**
     * Replays the trace through the read path and, for each miss, the worker's write of the job it enqueued, planned by
     * {@code before} and from {@code change}'s request on by {@code after}, folding with the half-life of the one in
     * use, as one reader and one worker in turn would. Returns, for each partition the trace touches, each
     * of its requests dated as production dated its effect on the image's score (a hit: the fold that counted it; a
     * miss: the write that admitted the image, whose eviction also folds at that time), charged as production charges
     * it, and the evicted keys in the order of the partition's evicted events.
     */
    private Map<Integer, Replay> replayInProduction(List<TraceRequest> trace, Counting counting, WritePlanner before,
            WritePlanner after, SettingsChange change) {
        Map<Integer, PartitionReplay> replays = new TreeMap<>();
        Map<Integer, List<ImageKey>> keys = new HashMap<>();
        WritePlanner planner = before;
        long halfLife = HALF_LIFE.toMillis();
        for (int position = 0; position < trace.size(); position++) {
            if (position == change.atRequest()) {
                planner = after;
                halfLife = change.halfLife().toMillis();
                replays.values().forEach(replay -> replay.settingsChangedAt = replay.requests.size());
            }
            long foldHalfLife = halfLife;
            if (counting.foldEveryRequests > 0 && position > 0 && position % counting.foldEveryRequests == 0) {
                // A scheduler tick folds every partition's waiting hits.
                replays.forEach((partition, replay) -> {
                    if (!replay.waiting.isEmpty()) {
                        foldTime(partition, replay.waiting, foldHalfLife)
                                .ifPresent(time -> replay.folds.put(replay.requests.size(), time));
                        replay.waiting.clear();
                    }
                });
            }
            TraceRequest request = trace.get(position);
            int partition = request.partition();
            PartitionReplay replay = replays.computeIfAbsent(partition, p -> new PartitionReplay());
            if (position >= change.atRequest() && replay.settingsChangedAt < 0) {
                replay.settingsChangedAt = 0;
            }
            ImageKey key = keys.computeIfAbsent(partition, this::keysOf).get(request.image());
            byte[] body = TestImages.png(request.bodyBytes(), request.image());
            ReadResult read = read(key);
            long time;
            if (read.outcome() == ReadOutcome.HIT) {
                replay.hits++;
                if (counting == Counting.EVERY_HIT_FOLDED_AT_ONCE) {
                    FoldHitsReply folded = functions.foldHits(partition, FOLD_LIMIT, halfLife).await().atMost(WAIT);
                    assertEquals(List.of(1L, 1L, 0L), List.of(folded.images(), folded.requests(), folded.waiting()),
                            "the hit just counted, folded alone");
                    time = Long.parseLong(metaField(partition, key, "last-access"));
                } else {
                    // Its request waits in the hit counter: it dates nothing until a fold counts it.
                    time = replay.lastTime;
                    replay.waiting.add(key);
                }
            } else if (read.outcome() == ReadOutcome.MISS) {
                StoredImages.writeMiss(store, key, jobOf(partition, key, read), body, FRESH_TTL, planner);
                time = -1;
                for (StreamMessage<String, String, String> event : redis.stream(String.class)
                        .xrange(RedisKeys.events(partition), StreamRange.of("(" + replay.lastEvent, "+"))) {
                    replay.lastEvent = event.id();
                    Map<String, String> fields = event.payload();
                    if ("evicted".equals(fields.get("event"))) {
                        replay.evicted.add(fields.get("key"));
                    } else if ("regenerated".equals(fields.get("event")) && key.value().equals(fields.get("key"))) {
                        time = Long.parseLong(fields.get("at"));
                    }
                }
                assertTrue(time >= 0, "the write of " + key + " appended its regenerated event");
                long used = Long.parseLong(redis.value(String.class).get(RedisKeys.usedBytes(partition)));
                assertTrue(used <= SHARE, "the write of " + key + " left its partition over the budget: " + used);
            } else {
                throw new AssertionError("nothing expires in this trace, yet a read of " + key + " found " + read.outcome());
            }
            replay.lastTime = time;
            replay.requests.add(new Request(time, request.image(), ImageLayout.chargedBytes(key, body.length)));
        }
        Map<Integer, Replay> done = new TreeMap<>();
        replays.forEach((partition, replay) -> done.put(partition, replay.done()));
        return done;
    }

    /** The partition's keys, image i being the i-th; their order as strings is their order here. */
    private List<ImageKey> keysOf(int partition) {
        return TestKeys.inPartitionInStringOrder(partitioner, partition, "parity/i", POPULAR_IMAGES + ONE_HIT_WONDERS);
    }

    /**
     * Runs the scheduler's fold of the partition's waiting hits and returns when it ran, the last access it gave the
     * images it folded: the latest of those images still cached (eviction may have folded and dated some earlier, or
     * taken them); empty when eviction had folded every one. The fold counts with {@code halfLife}.
     */
    private Optional<Long> foldTime(int partition, Set<ImageKey> waiting, long halfLife) {
        FoldHitsReply folded = functions.foldHits(partition, FOLD_LIMIT, halfLife).await().atMost(WAIT);
        assertEquals(0, folded.waiting(), "one fold call counted every waiting hit");
        if (folded.images() == 0) {
            return Optional.empty();
        }
        return waiting.stream().map(key -> metaField(partition, key, "last-access")).filter(Objects::nonNull)
                .map(Long::parseLong).max(Long::compare);
    }

    private ReadResult read(ImageKey key) {
        return store.read(key).await().atMost(WAIT);
    }

    /** The fields of the job a read's miss enqueued: its token and requested-at, among others. */
    private Map<String, String> jobOf(int partition, ImageKey key, ReadResult miss) {
        return StoredImages.jobOf(redis, partition, key, miss);
    }

    private String metaField(int partition, ImageKey key, String field) {
        return StoredImages.metaField(redis, RedisKeys.image(partition, key), field);
    }

    /**
     * The trace, the same on every run: POPULAR_IMAGES images requested with Zipf-like popularity, their ranks
     * shuffled so that popularity does not follow the keys' order (ties of priority go to the lower key), and each of
     * the ONE_HIT_WONDERS images requested once, spread over the trace, all of them images of {@code partition}. Each
     * image has one body size.
     */
    private static List<TraceRequest> trace(int partition, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int images = POPULAR_IMAGES + ONE_HIT_WONDERS;
        int[] bodyBytes = new int[images];
        for (int image = 0; image < images; image++) {
            bodyBytes[image] = SMALLEST_BODY + random.nextInt(LARGEST_BODY - SMALLEST_BODY + 1);
        }
        int[] byRank = new int[POPULAR_IMAGES];
        for (int rank = 0; rank < POPULAR_IMAGES; rank++) {
            byRank[rank] = rank;
        }
        for (int rank = POPULAR_IMAGES - 1; rank > 0; rank--) {
            int other = random.nextInt(rank + 1);
            int swapped = byRank[rank];
            byRank[rank] = byRank[other];
            byRank[other] = swapped;
        }
        double[] cumulative = new double[POPULAR_IMAGES];
        double total = 0;
        for (int rank = 0; rank < POPULAR_IMAGES; rank++) {
            total += 1 / Math.pow(rank + 1, ZIPF_ALPHA);
            cumulative[rank] = total;
        }
        List<TraceRequest> trace = new ArrayList<>();
        int wondersEvery = REQUESTS / (ONE_HIT_WONDERS + 1);
        for (int position = 0; trace.size() < REQUESTS; position++) {
            int image;
            if (position > 0 && position % wondersEvery == 0 && position / wondersEvery <= ONE_HIT_WONDERS) {
                image = POPULAR_IMAGES + position / wondersEvery - 1;
            } else {
                double draw = random.nextDouble() * total;
                int rank = 0;
                while (cumulative[rank] < draw) {
                    rank++;
                }
                image = byRank[rank];
            }
            trace.add(new TraceRequest(partition, image, bodyBytes[image]));
        }
        return trace;
    }
}
