package io.pansaar.algorithm;

/**
 * Pansaar's eviction priority: how often an image is requested, decayed over time, per byte raised to a size
 * exponent. The decayed count at time t is C(t) = sum over requests i of 2^(-(t - t_i) / h) for a half-life h,
 * as in LRFU (<a href="https://doi.org/10.1109/TC.2001.970573">Lee et al., IEEE TC 2001</a>); dividing it by
 * size^a is GDSF's size term (<a href="https://www.hpl.hp.com/techreports/98/HPL-98-69R1.html">Cherkasova,
 * 1998</a>).
 *
 * <p>Every image's count decays at the same rate, so the order of C(t) between images never changes as time
 * passes. The score kept per image is therefore log2 of the count at the fixed time origin,
 * S = log2(sum 2^(t_i / h)), so that C(t) = 2^(S - t/h). A request at t updates S to
 * log2(2^S + 2^(t/h)) and touches no other image; the priority log2(C / size^a) = S - a·log2(size) minus the
 * same t/h for everyone orders images as C / size^a does. That is what lets Redis keep the order in a sorted
 * set and update it in O(log n) inside {@code pansaar_get} and {@code pansaar_fold_hits}; {@code shared.lua} carries the same formulas, and
 * the test vectors in {@code src/test/resources/algorithm/priority-vectors.csv} prove both agree.
 *
 * <p>A new image, one the cache neither holds nor remembers, enters with its one request dated {@code newcomerPenalty}
 * half-lives back: it counts as 2^-penalty of a request until it is requested again, so a scan of one-hit wonders
 * leaves before images requested twice a while earlier, as S3-FIFO's small queue filters them
 * (<a href="https://doi.org/10.1145/3600006.3613147">Yang et al., SOSP 2023</a>).
 *
 * @param halfLifeMillis h: after h without a request an image's count halves
 * @param sizeExponent a: 0 ranks by request count alone (best for byte hit ratio), 1 by count per byte as GDSF
 *     does (best for object hit ratio)
 * <p>With a {@code probationShare} above 0, such a new image first waits in a probationary FIFO of that share of the
 * bytes, S3-FIFO's small queue: when it reaches the FIFO's end it joins the priority order if it was requested there,
 * and leaves the cache otherwise (docs/algorithm.md, "Probation").
 *
 * @param newcomerPenalty how many half-lives a new image's first request is dated back; 0: none
 * @param probationShare the share of the bytes, in [0, 1), of the probationary FIFO; 0: none
 */
public record AccessPriority(double halfLifeMillis, double sizeExponent, double newcomerPenalty,
        double probationShare) {

    /** The score of an image never requested: its count is 0. */
    public static final double NEVER_REQUESTED = Double.NEGATIVE_INFINITY;

    private static final double LN_2 = Math.log(2);

    /**
     * Checks that the half-life is positive, the size exponent lies in [0, 2], the penalty is 0 or more and the
     * probation share lies in [0, 1).
     */
    public AccessPriority {
        if (!(halfLifeMillis > 0) || Double.isInfinite(halfLifeMillis)) {
            throw new IllegalArgumentException("half-life must be a positive number of ms, got " + halfLifeMillis);
        }
        if (!(sizeExponent >= 0 && sizeExponent <= 2)) {
            throw new IllegalArgumentException("size exponent must lie in [0, 2], got " + sizeExponent);
        }
        if (!(newcomerPenalty >= 0) || Double.isInfinite(newcomerPenalty)) {
            throw new IllegalArgumentException("newcomer penalty must be 0 or more half-lives, got " + newcomerPenalty);
        }
        if (!(probationShare >= 0 && probationShare < 1)) {
            throw new IllegalArgumentException("probation share must lie in [0, 1), got " + probationShare);
        }
    }

    /** The priority without a probationary FIFO: every new image enters the priority order at once. */
    public AccessPriority(double halfLifeMillis, double sizeExponent, double newcomerPenalty) {
        this(halfLifeMillis, sizeExponent, newcomerPenalty, 0);
    }

    /** The priority without a newcomer penalty: every new image enters with one whole request. */
    public AccessPriority(double halfLifeMillis, double sizeExponent) {
        this(halfLifeMillis, sizeExponent, 0);
    }

    /**
     * Returns the score of an image admitted at {@code nowMillis} that the cache neither holds nor remembers: its one
     * request, dated {@link #newcomerPenalty} half-lives back.
     */
    public double newcomerScore(long nowMillis) {
        // A score is log2 of the count in half-lives, so subtracting dates the request back by that many of them.
        return afterRequest(NEVER_REQUESTED, nowMillis) - newcomerPenalty;
    }

    /** Returns the score after one more request at {@code nowMillis}. */
    public double afterRequest(double score, long nowMillis) {
        return afterRequests(score, nowMillis, 1);
    }

    /**
     * Returns the score after {@code requests} more requests, all counted at {@code nowMillis}: a hit's request waits
     * in the partition's hit counter until the scheduler folds it in, so several arrive at once, dated the fold.
     */
    public double afterRequests(double score, long nowMillis, long requests) {
        if (requests < 1) {
            throw new IllegalArgumentException("at least one request is folded in, got " + requests);
        }
        // k requests at t add k·2^(t/h) = 2^(t/h + log2 k); log2 1 is exactly 0, so one request is the formula above,
        // and skipping the logarithm for it (most requests come one at a time) changes no bit.
        double arrived = requests == 1 ? nowMillis / halfLifeMillis : nowMillis / halfLifeMillis + Math.log(requests) / LN_2;
        if (score == NEVER_REQUESTED) {
            return arrived;
        }
        double high = Math.max(score, arrived);
        double low = Math.min(score, arrived);
        // log2(2^high + 2^low) without overflow: 2^(now) is far beyond a double for epoch milliseconds.
        return high + Log2OnePlusPow2.of(low - high);
    }

    /** Returns the eviction priority of an image with this score and size; the lowest is evicted first. */
    public double priority(double score, long sizeBytes) {
        return score - sizeTerm(sizeBytes);
    }

    /**
     * Returns the rank the priority index holds for an image of this score and size term, in ms: h·(score - size term),
     * when its decayed count per byte^a falls to one request. It orders images as {@link #priority} does, and images
     * whose scores count in different half-lives as well, so the half-life can change while an index holds images
     * ranked with the old one.
     */
    public double rank(double score, double sizeTerm) {
        return halfLifeMillis * (score - sizeTerm);
    }

    /**
     * Returns a score counted in half-lives of {@code fromHalfLife} counted in half-lives of {@code toHalfLife}:
     * score·h, the time its decayed count falls to one request, stays put, so an image goes cold when it would have.
     */
    public static double inHalfLife(double score, double fromHalfLife, double toHalfLife) {
        if (fromHalfLife == toHalfLife) {
            return score;
        }
        // In this order, as shared.lua computes it, so both give the same bits.
        return score * fromHalfLife / toHalfLife;
    }

    /** Returns what a written copy of {@code sizeBytes} stores for the scheduler to rank it by. */
    public Terms termsFor(long sizeBytes) {
        return new Terms(sizeTerm(sizeBytes), (long) halfLifeMillis, newcomerPenalty, probationShare);
    }

    /**
     * The parts of an image's priority fixed when it is written: the size term and half-life are stored with it so that
     * {@code pansaar_fold_hits} and eviction rank it without this deployment's settings; the penalty only sets a new
     * image's first score.
     *
     * @param sizeTerm a·log2(size), see {@link #sizeTerm}
     * @param halfLifeMillis h, in whole milliseconds
     * @param newcomerPenalty half-lives taken off the score of an image the partition neither holds nor remembers
     * @param probationShare the share of the partition's budget of its probationary stage, where such an image waits
     *     first; 0: none
     */
    public record Terms(double sizeTerm, long halfLifeMillis, double newcomerPenalty, double probationShare) {

        /** Terms of a write without a probationary stage. */
        public Terms(double sizeTerm, long halfLifeMillis, double newcomerPenalty) {
            this(sizeTerm, halfLifeMillis, newcomerPenalty, 0);
        }
    }

    /** Returns a·log2(size), the part of the priority that only the size decides. */
    public double sizeTerm(long sizeBytes) {
        if (sizeExponent == 0) {
            // a·log2(size) is then a zero of a's sign for every size, the logarithm being finite and not negative: the
            // same bits without working out the logarithm, which the simulator's replay did at every admission.
            return sizeExponent;
        }
        return sizeExponent * Math.log(Math.max(1, sizeBytes)) / LN_2;
    }

    /** Returns the decayed request count C at {@code nowMillis}. */
    public double decayedCount(double score, long nowMillis) {
        if (score == NEVER_REQUESTED) {
            return 0;
        }
        return Math.pow(2, score - nowMillis / halfLifeMillis);
    }

    /**
     * Returns how many requests to expect in the next {@code horizonMillis} at the current rate. A steady stream
     * of rate r keeps C near r·h/ln 2, so the rate estimate is C·ln 2 / h.
     */
    public double expectedRequests(double score, long nowMillis, long horizonMillis) {
        return requestRate(score, nowMillis) * horizonMillis;
    }

    /** Returns the requests per ms to expect at {@code nowMillis}, C·ln 2 / h (see {@link #expectedRequests}). */
    public double requestRate(double score, long nowMillis) {
        return decayedCount(score, nowMillis) * LN_2 / halfLifeMillis;
    }
}
