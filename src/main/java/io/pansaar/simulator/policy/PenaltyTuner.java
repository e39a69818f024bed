package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;

/**
 * Tunes {@code pansaar}'s newcomer penalty to the trace while it replays: two shadow caches of the same capacity replay
 * every request, one with the penalty divided by {@link #FACTOR} and one with it multiplied, and at the end of each
 * window of {@link #WINDOW} requests the penalty moves one factor towards the shadow that hit more bytes in it, and
 * the shadows move with it. Hill climbing on shadow simulations, as
 * <a href="https://www.usenix.org/conference/atc17/technical-sessions/presentation/waldspurger">Waldspurger et al.,
 * ATC 2017</a> tune a cache's parameters on miniature ones.
 *
 * <p>The shadows replay eviction alone, whatever the tuned cache's freshness: the penalty decides which images stay,
 * and their bytes hit are what it is judged by.
 */
final class PenaltyTuner {

    /** How far one move takes the penalty, and how far the shadows lie on either side of it. */
    static final double FACTOR = 1.5;
    /**
     * Requests per window. Shorter windows move on noise: on the AdaptSize trace (67k requests) at 5%, windows of 1,000
     * drove the penalty to 10.7 and cost 1.2 points of byte hit ratio against the fixed default; 10,000 settle near 0.7.
     */
    static final long WINDOW = 10_000;
    /** The range the penalty moves in, in half-lives: from almost none to a newcomer counting 2^-16 of a request. */
    static final double LEAST = 0.125;
    static final double MOST = 16;

    private final PansaarPolicy lower;
    private final PansaarPolicy higher;
    private double penalty;
    private long requests;
    private long lowerBytesBefore;
    private long higherBytesBefore;
    private long moves;

    /** A tuner starting from {@code settings}' penalty, for caches of {@code capacity} bytes ranked by {@code settings}. */
    PenaltyTuner(long capacity, PansaarSettings settings) {
        penalty = Math.min(MOST, Math.max(LEAST, settings.newcomerPenalty()));
        lower = new PansaarPolicy(capacity, Freshness.NONE, settings.withNewcomerPenalty(penalty / FACTOR), 0);
        higher = new PansaarPolicy(capacity, Freshness.NONE, settings.withNewcomerPenalty(penalty * FACTOR), 0);
    }

    /** Replays the request through both shadows and returns the penalty to admit new images with from now on. */
    double record(Request request) {
        lower.record(request);
        higher.record(request);
        if (++requests % WINDOW == 0) {
            long lowerGain = lower.stats().hitBytes() - lowerBytesBefore;
            long higherGain = higher.stats().hitBytes() - higherBytesBefore;
            lowerBytesBefore = lower.stats().hitBytes();
            higherBytesBefore = higher.stats().hitBytes();
            // A tie leaves the penalty where it is: neither side showed it would serve more.
            if (higherGain > lowerGain) {
                penalty = Math.min(MOST, penalty * FACTOR);
            } else if (lowerGain > higherGain) {
                penalty = Math.max(LEAST, penalty / FACTOR);
            }
            lower.newcomerPenalty(penalty / FACTOR);
            higher.newcomerPenalty(penalty * FACTOR);
            moves++;
        }
        return penalty;
    }

    /** The penalty the tuner holds now, in half-lives. */
    double penalty() {
        return penalty;
    }

    /** How many windows have ended, each a chance to move the penalty. */
    long windows() {
        return moves;
    }

    /** Checks the shadows' own invariants and that the penalty stayed in its range. */
    void finished() {
        lower.finished();
        higher.finished();
        if (!(penalty >= LEAST && penalty <= MOST)) {
            throw new IllegalStateException("pansaar-tuned: the newcomer penalty left [" + LEAST + ", " + MOST + "]: " + penalty);
        }
    }
}
