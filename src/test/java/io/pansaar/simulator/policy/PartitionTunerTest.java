package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;

/**
 * The facade production's scheduler tunes a partition through: it decides as {@code pansaar-tuned} does, starts from
 * a predecessor's values within the configured ranges, runs on epoch milliseconds, and names keys by a 64-bit hash.
 */
class PartitionTunerTest {

    /** A trace whose hot set moves, so that both values move within it. */
    private static final String DRIFTING = "zipf,objects=5000,alpha=0.9,requests=200000,seed=3,drift-every=10000,"
            + "drift-shift=1000";
    /** An epoch clock in milliseconds, in 2027. */
    private static final long EPOCH_MS = 1_800_000_000_000L;

    /** A value of the tuned cache or the tuner at the request of index {@code at}: where the sequence stood then. */
    private record Values(long at, double newcomerPenalty, double halfLife) {
    }

    @Test
    void fedTheFoldsOfATraceItMovesAsPansaarTunedDoes() throws IOException {
        Trace trace = Trace.load(new SyntheticTraceReader(DRIFTING));
        long capacity = trace.uniqueBytes() / 20;
        for (long foldInterval : new long[] {0, 100}) {
            PansaarSettings settings = PansaarSettings.DEFAULT.withFoldInterval(foldInterval);
            PansaarPolicy tuned = PansaarPolicy.tuned(capacity, Freshness.NONE, settings);
            List<Values> ofTheCache = new ArrayList<>();
            ofTheCache.add(new Values(-1, tuned.newcomerPenalty(), tuned.halfLife()));

            PartitionTuner tuner = new PartitionTuner(capacity, settings);
            TickFeed feed = foldInterval > 0 ? new TickFeed(foldInterval) : null;
            List<Values> ofTheTuner = new ArrayList<>();
            ofTheTuner.add(new Values(-1, tuner.newcomerPenalty(), tuner.halfLife()));

            long at = 0;
            for (Request request : trace.requests()) {
                tuned.record(request);
                Values cacheNow = new Values(at, tuned.newcomerPenalty(), tuned.halfLife());
                if (!sameValues(cacheNow, ofTheCache.get(ofTheCache.size() - 1))) {
                    ofTheCache.add(cacheNow);
                }
                boolean moved;
                if (feed == null) {
                    moved = tuner.record(request);
                } else {
                    // As production's scheduler calls it: each folded key by its id, bytes, count and the fold's time.
                    List<TickFeed.Delivery> tick = feed.offer(request);
                    for (TickFeed.Delivery delivery : tick) {
                        Request latest = delivery.request();
                        tuner.deliver(latest.id(), latest.size(), delivery.count(), latest.time());
                    }
                    moved = !tick.isEmpty() && tuner.tickEnded();
                }
                Values tunerNow = new Values(at, tuner.newcomerPenalty(), tuner.halfLife());
                assertEquals(moved, !sameValues(tunerNow, ofTheTuner.get(ofTheTuner.size() - 1)),
                        "a move is reported as it happens, at request " + at);
                if (moved) {
                    ofTheTuner.add(tunerNow);
                }
                at++;
            }
            tuned.finished();
            tuner.finished();
            assertEquals(ofTheCache, ofTheTuner, "at a fold of " + foldInterval);
            // Pinned, so that any change of the tuners' decisions shows: 20 moves ending at a penalty of 5.0625
            // request by request, 19 ending at 1.5 at a fold of 100, and the half-life at its least, 2,500, in both.
            Values last = ofTheCache.get(ofTheCache.size() - 1);
            assertEquals(foldInterval == 0 ? 20 : 19, ofTheCache.size() - 1, "moves at a fold of " + foldInterval);
            assertEquals(foldInterval == 0 ? 5.0625 : 1.5, last.newcomerPenalty());
            assertEquals(2500, last.halfLife());
        }
    }

    private static boolean sameValues(Values one, Values other) {
        return one.newcomerPenalty() == other.newcomerPenalty() && one.halfLife() == other.halfLife();
    }

    @Test
    void itStartsFromTheValuesGivenWithinTheConfiguredRanges() {
        PansaarSettings configured = PansaarSettings.DEFAULT.withHalfLife(10_000).withNewcomerPenalty(1);
        PartitionTuner seeded = new PartitionTuner(1000, configured, 30_000, 2.5);
        assertEquals(30_000, seeded.halfLife());
        assertEquals(2.5, seeded.newcomerPenalty());

        // The configured half-life's range, a quarter of it to 64 times it, and the penalty's, [0.125, 16]: a start
        // beyond either end starts at that end, rather than carrying the range along.
        PartitionTuner high = new PartitionTuner(1000, configured, 1e9, 40);
        assertEquals(640_000, high.halfLife());
        assertEquals(16, high.newcomerPenalty());
        PartitionTuner low = new PartitionTuner(1000, configured, 1, 0);
        assertEquals(2500, low.halfLife());
        assertEquals(0.125, low.newcomerPenalty());

        PartitionTuner asConfigured = new PartitionTuner(1000, configured);
        assertEquals(10_000, asConfigured.halfLife());
        assertEquals(1, asConfigured.newcomerPenalty());
        assertThrows(IllegalArgumentException.class, () -> new PartitionTuner(1000, configured, Double.NaN, 1));
    }

    @Test
    void seededItsPenaltysShadowsCountInTheStartHalfLife() throws IOException {
        // Until the half-life may first move, two windows of 20,000 requests, the penalty is judged by shadows that
        // count in the tuned half-life: seeded at 40,000 over a configured 10,000, it moves as it does configured so.
        Trace trace = Trace.load(new SyntheticTraceReader(DRIFTING));
        long capacity = trace.uniqueBytes() / 20;
        PartitionTuner seeded = new PartitionTuner(capacity, PansaarSettings.DEFAULT, 40_000, 2);
        PartitionTuner configured = new PartitionTuner(capacity,
                PansaarSettings.DEFAULT.withHalfLife(40_000).withNewcomerPenalty(2));
        List<Double> seededPenalties = new ArrayList<>();
        List<Double> configuredPenalties = new ArrayList<>();
        for (Request request : trace.requests().subList(0, 2 * 20_000 - 1)) {
            if (seeded.record(request)) {
                seededPenalties.add(seeded.newcomerPenalty());
            }
            if (configured.record(request)) {
                configuredPenalties.add(configured.newcomerPenalty());
            }
        }
        assertEquals(40_000, seeded.halfLife());
        assertTrue(!seededPenalties.isEmpty(), "the penalty moved");
        assertEquals(configuredPenalties, seededPenalties);
    }

    @Test
    void seededWithALongerHalfLifeItsWindowsStillSpanTheConfiguredOne() {
        // Configured 1,000 ms, started at 4,000 (a predecessor's): windows of half-lives end every 1,000 ms of clock
        // (2,000 for the half-life), so that moves come at those ends, and some between the ends of 4,000 ms windows.
        PansaarSettings configured = PansaarSettings.DEFAULT.withHalfLife(1000)
                .withTunerWindow(PansaarSettings.TunerWindow.HALF_LIVES);
        PartitionTuner seeded = new PartitionTuner(HOT_KEYS * KEY_BYTES, configured, 4000, 1);
        List<Long> moves = feedHotSetAndOneHitWonders(seeded, 4000, 8);
        assertTrue(moves.size() > 1, "the values moved: " + moves);
        long betweenEndsOfTheStartsWindows = 0;
        for (long sinceFirstFold : moves) {
            long windowEnd = sinceFirstFold - Math.floorMod(sinceFirstFold, 1000);
            assertTrue(sinceFirstFold - windowEnd < FOLD_MS_AT_4000, "a move at the first fold of a configured window: "
                    + sinceFirstFold + " ms after the first fold");
            betweenEndsOfTheStartsWindows += windowEnd % 4000 != 0 ? 1 : 0;
        }
        assertTrue(betweenEndsOfTheStartsWindows > 0, "windows of the start's half-life would end none of these: " + moves);
        seeded.finished();
    }

    @Test
    void onEpochMillisecondsOneHitWondersAmongAHotSetRaiseThePenalty() {
        for (double halfLife : new double[] {1000, 3 * 3_600_000, 2.6e9}) {
            PansaarSettings configured = PansaarSettings.DEFAULT.withHalfLife(halfLife)
                    .withTunerWindow(PansaarSettings.TunerWindow.HALF_LIVES);
            PartitionTuner tuner = new PartitionTuner(HOT_KEYS * KEY_BYTES, configured);
            List<Long> moves = feedHotSetAndOneHitWonders(tuner, halfLife, 30);
            assertTrue(!moves.isEmpty(), "the values moved at a half-life of " + halfLife + " ms");
            assertTrue(tuner.newcomerPenalty() >= 4, "newcomers requested once are kept out of the hot set at a "
                    + "half-life of " + halfLife + " ms: penalty " + tuner.newcomerPenalty());
            assertTrue(tuner.halfLife() >= halfLife / 4 && tuner.halfLife() <= halfLife * 64,
                    "the half-life stays in its range: " + tuner.halfLife());
            tuner.finished();
        }
    }

    /** Hot keys in a cache that holds them and no more; each is requested about every 2 half-lives. */
    private static final int HOT_KEYS = 1000;
    private static final long KEY_BYTES = 1000;
    /** Folds per half-life; each folds one request of a hot key and one of a new key requested once. */
    private static final int FOLDS_PER_HALF_LIFE = 500;
    /** How long a fold lasts at a half-life of 4,000 ms. */
    private static final long FOLD_MS_AT_4000 = 4000 / FOLDS_PER_HALF_LIFE;

    /**
     * Feeds {@code halfLives} half-lives of {@code halfLife} ms of folds from {@link #EPOCH_MS} on, as production's
     * scheduler would; returns the times of the folds that moved a value, in ms after the first fold.
     */
    private static List<Long> feedHotSetAndOneHitWonders(PartitionTuner tuner, double halfLife, int halfLives) {
        SplittableRandom random = new SplittableRandom(7);
        double foldLength = halfLife / FOLDS_PER_HALF_LIFE;
        long firstFold = EPOCH_MS + Math.round(foldLength);
        long oneHitWonder = HOT_KEYS;
        List<Long> moves = new ArrayList<>();
        for (int fold = 1; fold <= halfLives * FOLDS_PER_HALF_LIFE; fold++) {
            long clock = EPOCH_MS + Math.round(fold * foldLength);
            tuner.deliver(random.nextInt(HOT_KEYS), KEY_BYTES, 1, clock);
            tuner.deliver(oneHitWonder++, KEY_BYTES, 1, clock);
            if (tuner.tickEnded()) {
                moves.add(clock - firstFold);
            }
        }
        return moves;
    }

    @Test
    void aFoldedKeyHasAtLeastOneRequest() {
        PartitionTuner tuner = new PartitionTuner(1000, PansaarSettings.DEFAULT);
        assertThrows(IllegalArgumentException.class, () -> tuner.deliver(1, 10, 0, EPOCH_MS));
    }

    @Test
    void keyIdsOfDistinctKeysDifferAndSpreadOverEveryBit() {
        int keys = 300_000;
        Set<Long> ids = new HashSet<>();
        int[] setBits = new int[64];
        for (int i = 0; i < keys; i++) {
            // Keys that differ in a digit or two, as the images of one catalogue do.
            long id = PartitionTuner.keyId("tenant-" + (i % 7) + "/products/" + i + "/thumb.webp");
            ids.add(id);
            for (int bit = 0; bit < 64; bit++) {
                setBits[bit] += (int) ((id >>> bit) & 1);
            }
        }
        assertEquals(keys, ids.size(), "no two keys share an id");
        for (int bit = 0; bit < 64; bit++) {
            // 1% of the keys is over 10 standard deviations of a fair coin's count here.
            assertEquals(keys / 2.0, setBits[bit], keys / 100.0, "bit " + bit + " is set in about half the ids");
        }
    }

    @Test
    void keyIdIsFnv1aOfTheUtf8BytesThenSplittableRandomsFinalizer() {
        // The independent computation below agrees with FNV-1a's published vectors first.
        assertEquals(0xCBF29CE484222325L, fnv1a64(""));
        assertEquals(0xAF63DC4C8601EC8CL, fnv1a64("a"));
        assertEquals(0x85944171F73967E8L, fnv1a64("foobar"));
        for (String key : List.of("images/cat.jpg", "catálogo/naïve-ü.png", "")) {
            assertEquals(splittableRandomMix(fnv1a64(key)), PartitionTuner.keyId(key), key);
        }
        // Fixed for good: production stores nothing by these ids, but a change would shift every sample of the keys.
        assertEquals(0xAA98B95F30E7AC2CL, PartitionTuner.keyId("images/cat.jpg"));
        assertEquals(0x32DEFAB325B2D976L, PartitionTuner.keyId("catálogo/naïve-ü.png"));
    }

    /** FNV-1a 64 in arbitrary precision, reduced modulo 2^64: no shortcut shared with the code under test. */
    private static long fnv1a64(String key) {
        BigInteger modulus = BigInteger.ONE.shiftLeft(64);
        BigInteger hash = new BigInteger("cbf29ce484222325", 16);
        BigInteger prime = new BigInteger("100000001b3", 16);
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = hash.xor(BigInteger.valueOf(Byte.toUnsignedInt(b))).multiply(prime).mod(modulus);
        }
        return hash.longValue();
    }

    /**
     * SplittableRandom's finalizer, through the JDK's own class: its first nextLong() from seed s finalizes s plus its
     * golden gamma.
     */
    private static long splittableRandomMix(long value) {
        return new SplittableRandom(value - 0x9E3779B97F4A7C15L).nextLong();
    }

    @Test
    void itCountsTheObjectsItsFourShadowsHoldAndRemember() {
        // Room for 10 images of 100 bytes in each shadow: 30 distinct keys leave 10 resident and 10 in each ghost.
        PartitionTuner tuner = new PartitionTuner(1_000, PansaarSettings.DEFAULT);
        for (long id = 0; id < 5; id++) {
            tuner.deliver(id, 100, 1, id);
        }
        assertEquals(4 * 5, tuner.shadowObjects(), "five keys in each of four shadows");
        for (long id = 5; id < 30; id++) {
            tuner.deliver(id, 100, 1, id);
        }
        assertEquals(4 * (10 + 10), tuner.shadowObjects(), "ten resident and ten remembered in each");
        tuner.finished();
    }
}
