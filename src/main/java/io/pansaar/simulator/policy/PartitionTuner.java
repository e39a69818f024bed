package io.pansaar.simulator.policy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.pansaar.simulator.trace.Request;

/**
 * Tunes one partition's newcomer penalty and half-life to its requests: a {@link ShadowTuner} for each, hill climbing
 * on shadow simulations as
 * <a href="https://www.usenix.org/conference/atc17/technical-sessions/presentation/waldspurger">Waldspurger et al.,
 * ATC 2017</a> tune a cache's parameters on miniature ones. When one tuner moves, the other's shadows take the new
 * value where they follow it (the penalty's shadows take the tuned half-life, as a penalty is counted in half-lives);
 * the cache tuned reads both values after each move ({@link #halfLife}, {@link #newcomerPenalty}).
 *
 * <p>The simulator's {@code pansaar-tuned} and production's scheduler decide through this one class: the simulator
 * feeds it request by request ({@link #record}) or a fold at a time, production a fold at a time from a partition's
 * hit counter, each folded key with its count and bytes at the fold's time ({@link #deliver}, then
 * {@link #tickEnded}). Clocks may be a trace's units or epoch milliseconds, with half-lives in the same unit.
 *
 * <p>For a cache with a probationary FIFO (the simulator's {@code pansaar-tuned-probation}, production's
 * {@code pansaar.priority.probation-share}) it tunes the FIFO's share of the bytes as well.
 *
 * <p>Its shadow caches, two per tuner, each hold up to the partition's bytes (or the share of the keys sampled,
 * {@link PansaarSettings#tunerSample}); docs/simulation.md, "The tuners' memory", measures their heap per key.
 */
public final class PartitionTuner {

    /** The probationary FIFO's share of the bytes is tuned from a quarter of S3-FIFO's 10%... */
    public static final double MIN_PROBATION_SHARE = PansaarPolicy.PROBATION_SHARE / 4;
    /** ...to this. */
    public static final double MAX_PROBATION_SHARE = 0.4;

    /** The half-life is tuned from the configured one divided by this... */
    public static final int HALF_LIFE_DIVISOR = 4;
    /** ...to the configured one multiplied by this. */
    public static final int HALF_LIFE_MULTIPLIER = 64;

    /** FNV-1a's 64-bit offset basis. */
    private static final long FNV_OFFSET_BASIS = 0xCBF29CE484222325L;
    /** FNV-1a's 64-bit prime. */
    private static final long FNV_PRIME = 0x100000001B3L;

    private final ShadowTuner newcomerPenaltyTuner;
    private final ShadowTuner halfLifeTuner;
    /** The probation share's tuner, for a cache with a probationary FIFO; else null. */
    private final ShadowTuner probationTuner;
    /**
     * The tuners, in the order they judge a window and the tuned cache takes their values: the penalty first, then
     * the half-life, then the probation share.
     */
    private final List<ShadowTuner> tuners;

    /** Tunes a partition of {@code capacity} bytes starting from the penalty and half-life {@code configured} sets. */
    public PartitionTuner(long capacity, PansaarSettings configured) {
        this(capacity, configured, configured.halfLife(), configured.newcomerPenalty());
    }

    /**
     * Tunes a partition of {@code capacity} bytes starting from {@code startHalfLife} and {@code startPenalty}, each
     * moved to the nearest end of its range if outside it. The ranges, the windows and the penalty the half-life's
     * shadows keep are {@code configured}'s, whatever the start: a lease holder starting from the values its
     * predecessor stored tunes within the same ranges and windows.
     */
    public PartitionTuner(long capacity, PansaarSettings configured, double startHalfLife, double startPenalty) {
        this(capacity, configured, startHalfLife, startPenalty, 0);
    }

    /**
     * {@link #PartitionTuner(long, PansaarSettings, double, double)} for a cache with a probationary FIFO starting at
     * {@code startProbationShare} of the bytes (moved into its range, {@link #MIN_PROBATION_SHARE} to {@link
     * #MAX_PROBATION_SHARE}, if outside it), whose share it tunes too: six shadow caches. 0: no FIFO, four shadows.
     */
    public PartitionTuner(long capacity, PansaarSettings configured, double startHalfLife, double startPenalty,
            double startProbationShare) {
        if (!(startProbationShare >= 0 && startProbationShare < 1)) {
            throw new IllegalArgumentException("probation share must be in [0, 1), got " + startProbationShare);
        }
        newcomerPenaltyTuner = new ShadowTuner(ShadowTuner.Knob.NEWCOMER_PENALTY, capacity, configured, startPenalty);
        halfLifeTuner = new ShadowTuner(ShadowTuner.Knob.HALF_LIFE, capacity, configured, startHalfLife);
        if (startProbationShare > 0) {
            probationTuner = new ShadowTuner(ShadowTuner.Knob.PROBATION_SHARE, capacity, configured,
                    startProbationShare);
            tuners = List.of(newcomerPenaltyTuner, halfLifeTuner, probationTuner);
        } else {
            probationTuner = null;
            tuners = List.of(newcomerPenaltyTuner, halfLifeTuner);
        }
        // The shadows that follow another knob start at its start value rather than the configured one.
        tuners.forEach(this::follow);
    }

    /** Replays {@code count} requests of the key {@code id}, of {@code bytes} bytes, dated {@code clock}: one folded key. */
    public void deliver(long id, long bytes, long count, long clock) {
        deliver(new Request(clock, id, bytes), count);
    }

    /** Replays {@code count} requests of the key, dated and sized as {@code request} is. */
    void deliver(Request request, long count) {
        if (count < 1) {
            throw new IllegalArgumentException("a folded key has at least 1 request, got " + count + " for " + request.id());
        }
        // Every tuner takes the whole tick before any judges it, so that a move applies from the next tick on.
        for (ShadowTuner tuner : tuners) {
            tuner.deliver(request, count);
        }
    }

    /** Judges each tuner's window if the tick delivered ended one; returns whether a value moved. */
    public boolean tickEnded() {
        boolean moved = false;
        for (ShadowTuner tuner : tuners) {
            if (tuner.tickEnded()) {
                follow(tuner);
                moved = true;
            }
        }
        return moved;
    }

    /** Replays one request through every tuner, judging a window it ends; returns whether a value moved. */
    public boolean record(Request request) {
        boolean moved = false;
        for (ShadowTuner tuner : tuners) {
            if (tuner.record(request)) {
                follow(tuner);
                moved = true;
            }
        }
        return moved;
    }

    /** Has the other tuner's shadows take the value {@code moved} holds now, where they follow its knob. */
    private void follow(ShadowTuner moved) {
        for (ShadowTuner other : tuners) {
            if (other != moved) {
                other.follow(moved.knob(), moved.value());
            }
        }
    }

    /** The half-life the partition should count requests with now, in its clock's units. */
    public double halfLife() {
        return halfLifeTuner.value();
    }

    /** The newcomer penalty the partition should admit new images with now, in half-lives. */
    public double newcomerPenalty() {
        return newcomerPenaltyTuner.value();
    }

    /** The share of the bytes the probationary FIFO should hold now; 0 when it tunes none. */
    public double probationShare() {
        return probationTuner == null ? 0 : probationTuner.value();
    }

    /**
     * The objects its shadows (four, or six with the probation share) hold or remember, each taking 190 to 230 bytes
     * of heap (docs/simulation.md, "The tuners' memory").
     */
    public long shadowObjects() {
        return tuners.stream().mapToLong(ShadowTuner::shadowObjects).sum();
    }

    /** Checks the shadows' invariants and that every value stayed in its range. */
    public void finished() {
        tuners.forEach(ShadowTuner::finished);
    }

    /**
     * A 64-bit id for an image key: FNV-1a over its UTF-8 bytes, then SplittableRandom's finalizer, a bijection that
     * spreads FNV's weak low bits over all 64. Two of n distinct keys share an id with odds of about n²/2^65: 3·10^-8
     * for a million keys, 3·10^-4 for a hundred million. FNV-1a resists no crafted collision; two keys that share an id
     * count as one in the shadows, which bends the tuners' evidence and nothing served.
     */
    public static long keyId(String key) {
        long hash = FNV_OFFSET_BASIS;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * FNV_PRIME;
        }
        return ShadowTuner.mix64(hash);
    }
}
